// Issue 20 point 1 on a phone at 390x844: the photo the buyer takes (12 MP) reaches an accepted verdict on a
// throttled slow-4G network (DevTools protocol: 1.6 Mbps down, 750 kbps up, 150 ms) sent at the server's
// downscale target (limits.captureLongSide / captureQuality); the time from choosing it to the verdict is
// printed per setting and recorded in README (not asserted: a shared machine). And the downscale does not
// change a verdict: real photos, a soft one and a blurred one get, downscaled, the verdict their originals get.
// Screenshots: test-results/screenshots/cap-*.png.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  accepted,
  choose,
  fitted,
  openAppeal as open,
  pageLimits,
  seen,
  sentFiles,
  shot,
  twelveMp,
} from './capture-page.ts';
import { useConsoleEnv } from './console-env.ts';

const c = useConsoleEnv();
const openAppeal = (o?: Parameters<typeof open>[1]) => open(c, o);

describe('buyer capture on a slow network', () => {
  it('slow 4G (1.6 Mbps down, 750 kbps up, 150 ms): a 12 MP photo is accepted, sent at the target size; time per setting', async () => {
    const times: [string, number][] = [];
    // '' the server's target (limits.captureLongSide / captureQuality), then the long side @ JPEG quality
    // asked for (the earlier default 2400@0.9), then the original
    const settings = (process.env.CAP_SETTINGS ?? ',2400@0.9,off').split(',');
    const photo = await twelveMp('ID_FRONT'); // the same photo every way, in one appeal each
    for (const setting of settings) {
      const label = setting || 'default';
      // slow 4G (openAppeal throttles the page: SLOW_4G of browser.ts)
      const page = await openAppeal({ downscale: setting === 'off' ? false : setting });
      const t0 = Date.now();
      await choose(page, 'ID_FRONT', 'IMG_2000.jpg', photo);
      await accepted(page, 'ID_FRONT').catch(async (e) => {
        console.log('[capture] stuck:', await seen(page), await page.textContent('#slot-ID_FRONT'));
        await shot(page, `stuck-${label}`);
        throw e;
      });
      const took = Date.now() - t0;
      times.push([label, took]);
      const sent = (await sentFiles(page))[0]!;
      const m = await sharp(sent).metadata();
      // what went over the slow network: the target's size (the original for 'off'), smaller than the photo
      if (!setting) {
        const limits = await pageLimits(page);
        expect([m.width, m.height]).toEqual(fitted(4000, 3000, limits));
        expect(sent.length).toBeLessThan(photo.length / 4);
      } else if (setting === 'off') expect(sent.equals(photo)).toBe(true);
      else expect(Math.max(m.width!, m.height!)).toBe(Number(setting.split('@')[0]));
      const at = (await page.evaluate(
        () => (window as unknown as { __at: { sent: number; answered: number }[] }).__at[0],
      ))!;
      const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      console.log(
        `[capture] slow 4G, 12 MP photo (${(photo.length / 1048576).toFixed(1)} MB), downscale ${label}: ` +
          `${secs(took)} from choosing to the verdict (prepare ${secs(at.sent - t0)}, ` +
          `upload + server ${secs(at.answered - at.sent)}, page after ${secs(t0 + took - at.answered)}); ` +
          `sent ${(sent.length / 1048576).toFixed(2)} MB, ${m.width} x ${m.height}; ` +
          `shown: ${await page.textContent('#slot-ID_FRONT .pname')}`,
      );
      if (!setting) await shot(page, 'slow4g-accepted-en');
      await page.context().close();
    }
    expect(times.map(([l]) => l)).toEqual(settings.map((s) => s || 'default'));
  }, 400_000);

  it('real photos at 12 MP get the verdict of their originals after the downscale: accepted in focus, refused blurred', async () => {
    const REAL = process.env.REAL_CARDS ?? '/work/shared/fixtures/real-cards';
    const real = (f: string) => readFileSync(path.join(REAL, f));
    const passport = real('pp_hun_photo.jpg');
    const { width = 0 } = await sharp(passport).metadata();
    // a masked card front (last 4 6064 visible), a passport photo, an ANZ statement scan (portrait), the
    // synthetic card back (a 1600 px crop stretched to 12 MP: soft, near the sharpness rule at every size)
    // and the passport photo defocused (sigma 2 px at the 1000 px measuring size, the calibration's bad
    // group edge); each made a 12 MP grainy camera JPEG like the one above. The blurred one goes into
    // ID_FRONT last, as a second attempt.
    const photos: [string, string, Buffer][] = [
      ['CARD_FRONT', 'card front', await twelveMp(real('bncr_visa_masked_photo.jpg'))],
      ['ID_FRONT', 'passport', await twelveMp(passport)],
      ['CARD_BACK', 'synthetic card back', await twelveMp('CARD_BACK')],
      ['BILLING_STATEMENT', 'statement', await twelveMp(real('st_anz_scan.jpg'), undefined, true)],
      [
        'ID_FRONT',
        'passport blurred',
        await twelveMp(
          await sharp(passport)
            .blur((2 * width) / 1000)
            .toBuffer(),
        ),
      ],
    ];
    // '' the server's target, 'off' the original (env CAP_SETTINGS adds others to the record)
    const settings = (process.env.CAP_SETTINGS ?? ',off').split(',');
    const verdicts: Record<string, Record<string, boolean>> = {};
    const rows: string[] = [];
    for (const setting of settings) {
      // this test's subject is the verdicts, not the network: unthrottled (ten 0.3-4 MB uploads)
      const page = await openAppeal({
        downscale: setting === 'off' ? false : setting,
        last4: '6064',
        fast: true,
      });
      await page.fill('#slot-CARD_FRONT .l4', '6064');
      let sentBefore = 0;
      for (const [slot, what, photo] of photos) {
        await choose(page, slot, `${slot}.jpg`, photo);
        // a second photo in a slot: its own answer, not the first one's (sent, so no longer showing it)
        await page.waitForFunction(
          (k) => (window as unknown as { __sent: Blob[] }).__sent.length > k,
          sentBefore,
          { timeout: 60_000 },
        );
        sentBefore += 1;
        await page.waitForSelector(
          `#slot-${slot} .verdict.bad, #slot-${slot} .verdict.ok p:text("Accepted.")`,
          { timeout: 120_000 },
        );
        const sent = (await sentFiles(page, sentBefore - 1))[0]!;
        const m = await sharp(sent).metadata();
        const verdict = (await page.textContent(`#slot-${slot} .verdict`))!;
        const ok = (await page.getAttribute(`#slot-${slot} .verdict`, 'class'))!.includes('ok');
        verdicts[what] = { ...verdicts[what], [setting || 'default']: ok };
        rows.push(
          `[capture] ${what} (${slot}) at ${setting || 'default'}: sent ${m.width} x ${m.height}, ` +
            `${(sent.length / 1048576).toFixed(2)} MB: ${ok ? 'accepted' : 'REFUSED'} - ${verdict}`,
        );
      }
      if (!setting) await shot(page, 'real-default-en');
      await page.context().close();
    }
    console.log(rows.join('\n'));
    expect(verdicts['card front']!.default).toBe(true);
    expect(verdicts.passport!.default).toBe(true);
    expect(verdicts.statement!.default).toBe(true);
    expect(verdicts['passport blurred']!.default).toBe(false);
    // the downscale neither rescues a photo its original fails nor fails one its original passes
    for (const [what, v] of Object.entries(verdicts))
      expect([what, v.default]).toEqual([what, v.off ?? v.default]);
  }, 400_000);
});
