// The buyer's phone capture (issue 20 points 1, 2, 3, 5) at 390x844: a 12 MP photo is downscaled in the
// browser before upload and accepted; the time from choosing it to the verdict on a throttled slow-4G
// network (DevTools protocol) with the downscale on and off (printed, recorded in README - not asserted);
// a 503 with Retry-After and a dropped request are retried and the progress text says so; dark and
// blurry photos get hints and are uploaded anyway; the stepped-canvas fallback and the blank check; the
// pickers offer HEIC only where the server decodes it, and a HEIC the browser cannot convert gets the plain
// how-to in en and zh.
// Screenshots: test-results/screenshots/cap-*.png.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HEIC_DECODABLE } from '../../src/modules/documents/checks.sharp.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { blurredImage, type GoodVariant, goodImage } from '../support/images.ts';
import { PHONE, SHOTS } from './browser.ts';
import { useConsoleEnv } from './console-env.ts';

const c = useConsoleEnv();
const DOCS = '**/api/v1/appeals/*/documents';
let n = 0;

/** A new appeal's page at phone size, PASSPORT chosen; every verdict/progress text it shows is recorded. */
async function openAppeal(
  opts: { downscale?: boolean | string; locale?: string; last4?: string } = {},
): Promise<Page> {
  n += 1;
  const body = blockedOrder({
    buyer: { id: `cap-${n}`, email: `cap${n}@example.com`, name: 'Cap', locale: opts.locale ?? 'en-GB' },
    ...(opts.last4 ? { card: { brand: 'VISA', last4: opts.last4, issuerCountry: 'GB' } } : {}),
  });
  const reg = await c.call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
  expect(reg.status, reg.text).toBe(201);
  const ctx = await c.browser.newContext({ viewport: PHONE, locale: opts.locale ?? 'en-GB' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => c.errors.push(String(e)));
  await page.addInitScript(
    (setting) => {
      if (setting) localStorage.setItem('appeal.downscale', setting);
      const w = window as unknown as { __seen: string[] };
      w.__seen = [];
      // what the page sends: the file of every upload, kept to be read back by the test
      const sent: Blob[] = [];
      (window as unknown as { __sent: Blob[] }).__sent = sent;
      const xsend = XMLHttpRequest.prototype.send;
      // and when each upload started and was answered (Date.now(), for the measurement's breakdown)
      const at: { sent: number; answered?: number }[] = [];
      (window as unknown as { __at: typeof at }).__at = at;
      XMLHttpRequest.prototype.send = function (body) {
        if (body instanceof FormData && body.get('file') instanceof Blob) {
          sent.push(body.get('file') as Blob);
          const t = { sent: Date.now() } as (typeof at)[number];
          at.push(t);
          this.addEventListener('loadend', () => {
            t.answered = Date.now();
          });
        }
        return xsend.call(this, body);
      };
      new MutationObserver(() => {
        for (const v of document.querySelectorAll('.verdict')) {
          const s = v.textContent ?? '';
          if (s && w.__seen.at(-1) !== s) w.__seen.push(s);
        }
      }).observe(document, { subtree: true, childList: true, characterData: true });
    },
    opts.downscale === false ? 'off' : typeof opts.downscale === 'string' ? opts.downscale : '',
  );
  await page.goto(`${c.server.url}/a/${tokenFromUrl(reg.body.appealUrl)}`);
  await page.waitForSelector('#page:not([hidden])');
  await page.check('input[value=PASSPORT]');
  await page.waitForSelector('#slot-ID_FRONT:not([hidden])');
  return page;
}

/**
 * A 12 MP (4000 x 3000) camera-sized JPEG from a good image, with sensor-like grain (soft-light gaussian
 * noise) so that it weighs what a phone's 12 MP JPEG weighs (an upscale alone is ~1 MB of smooth pixels).
 */
async function twelveMp(
  variant: GoodVariant | Buffer,
  orientation?: number,
  portrait = false,
): Promise<Buffer> {
  const [width, height] = portrait ? [3000, 4000] : [4000, 3000];
  const grain = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 24 },
    },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const base = await sharp(Buffer.isBuffer(variant) ? variant : await goodImage(variant))
    .resize(width, height, { fit: 'fill' })
    .toBuffer();
  const p = sharp(base).composite([{ input: grain, blend: 'soft-light' }]);
  return (orientation ? p.withMetadata({ orientation }) : p).jpeg({ quality: 92 }).toBuffer();
}

/** The files the page sent, in order. */
async function sentFiles(page: Page): Promise<Buffer[]> {
  const all = await page.evaluate(async () =>
    Promise.all(
      (window as unknown as { __sent: Blob[] }).__sent.map(async (b) => [
        ...new Uint8Array(await b.arrayBuffer()),
      ]),
    ),
  );
  return all.map((a) => Buffer.from(a));
}

async function choose(page: Page, slot: string, name: string, buffer: Buffer, mimeType = 'image/jpeg') {
  await page.locator(`#slot-${slot} input.file`).setInputFiles({ name, mimeType, buffer });
}

async function accepted(page: Page, slot: string) {
  await page.waitForFunction(
    (s) => document.querySelector(`#slot-${s} .badge`)?.textContent === 'Accepted',
    slot,
    { timeout: 150_000 },
  );
}

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  // the documents part of the page (the rest is covered by pages.test.ts)
  await page.locator('#docs').screenshot({ path: path.join(SHOTS, `cap-${name}.png`) });
}

const seen = (page: Page) => page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);

async function lang(page: Page, l: 'en' | 'zh') {
  await page.selectOption('#lang', l);
  await page.waitForFunction((x) => document.documentElement.lang.startsWith(x), l);
}

describe('buyer capture', () => {
  it('a 12 MP photo is downscaled to <= 2400 px before upload and accepted; EXIF orientation applied', async () => {
    const page = await openAppeal();
    const original = await twelveMp('ID_FRONT');
    await choose(page, 'ID_FRONT', 'IMG_1234.jpg', original);
    await accepted(page, 'ID_FRONT');
    let sent = await sentFiles(page);
    expect(sent).toHaveLength(1);
    const m = await sharp(sent[0]).metadata();
    expect([m.format, m.width, m.height]).toEqual(['jpeg', 2400, 1800]);
    expect(sent[0]!.length).toBeLessThan(original.length);
    const pname = (await page.textContent('#slot-ID_FRONT .pname'))!;
    expect(pname).toMatch(/^IMG_1234\.jpg · [\d.]+ MB → [\d.]+ (MB|KB) \(made smaller .+: 2400 × 1800 px\)$/);
    // a portrait photo stored landscape with EXIF orientation 6: sent upright, without EXIF
    await choose(page, 'CARD_BACK', 'IMG_1235.jpg', await twelveMp('SPARE', 6));
    await page.waitForSelector(
      '#slot-CARD_BACK .verdict.bad, #slot-CARD_BACK .verdict.ok p:text("Accepted.")',
    );
    sent = await sentFiles(page);
    expect(sent).toHaveLength(2);
    const r = await sharp(sent[1]).metadata();
    expect([r.width, r.height, r.orientation]).toEqual([1800, 2400, undefined]);
    await shot(page, 'downscaled-en');
    await lang(page, 'zh');
    expect(await page.textContent('#slot-ID_FRONT .pname')).toContain('已缩小以加快上传');
    await shot(page, 'downscaled-zh');
    await page.context().close();
  });

  it('slow 4G (1.6 Mbps down, 750 kbps up, 150 ms): choosing a 12 MP photo to the verdict, per downscale setting', async () => {
    const times: [string, number][] = [];
    // '' the default (MAX_SIDE / QUALITY), then the long side @ JPEG quality asked for, then the original
    const settings = (process.env.CAP_SETTINGS ?? ',2000@0.85,1600@0.85,off').split(',');
    const photo = await twelveMp('ID_FRONT'); // the same photo every way, in one appeal each
    for (const setting of settings) {
      const label = setting || 'default';
      const page = await openAppeal({ downscale: setting === 'off' ? false : setting });
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 150,
        downloadThroughput: 1_600_000 / 8,
        uploadThroughput: 750_000 / 8,
      });
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
      const at = (await page.evaluate(
        () => (window as unknown as { __at: { sent: number; answered: number }[] }).__at[0],
      ))!;
      const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      console.log(
        `[capture] slow 4G, 12 MP photo (${(photo.length / 1048576).toFixed(1)} MB), downscale ${label}: ` +
          `${secs(took)} from choosing to the verdict (prepare ${secs(at.sent - t0)}, ` +
          `upload + server ${secs(at.answered - at.sent)}, page after ${secs(t0 + took - at.answered)}); ` +
          `sent ${(sent.length / 1048576).toFixed(2)} MB; ` +
          `shown: ${await page.textContent('#slot-ID_FRONT .pname')}`,
      );
      await page.context().close();
    }
    expect(times.map(([l]) => l)).toEqual(settings.map((s) => s || 'default'));
  }, 400_000);

  it('real card, passport and statement photos at 12 MP: accepted after the default downscale; the other settings recorded', async () => {
    const REAL = process.env.REAL_CARDS ?? '/work/shared/fixtures/real-cards';
    const real = (f: string) => readFileSync(path.join(REAL, f));
    // a masked card front (last 4 6064 visible), a passport photo, an ANZ statement scan (portrait), and
    // the synthetic card back; each made a 12 MP grainy camera JPEG like the one above
    const photos = {
      CARD_FRONT: await twelveMp(real('bncr_visa_masked_photo.jpg')),
      ID_FRONT: await twelveMp(real('pp_hun_photo.jpg')),
      CARD_BACK: await twelveMp('CARD_BACK'),
      BILLING_STATEMENT: await twelveMp(real('st_anz_scan.jpg'), undefined, true),
    };
    const rows: string[] = [];
    const failed: string[] = [];
    for (const setting of (process.env.CAP_SETTINGS ?? ',2000@0.85,1600@0.85')
      .split(',')
      .filter((x) => x !== 'off')) {
      const page = await openAppeal({ downscale: setting, last4: '6064' });
      await page.fill('#slot-CARD_FRONT .l4', '6064');
      for (const [slot, photo] of Object.entries(photos)) {
        await choose(page, slot, `${slot}.jpg`, photo);
        await page.waitForSelector(
          `#slot-${slot} .verdict.bad, #slot-${slot} .verdict.ok p:text("Accepted.")`,
          {
            timeout: 120_000,
          },
        );
        const sent = (await sentFiles(page)).at(-1)!;
        const m = await sharp(sent).metadata();
        const verdict = (await page.textContent(`#slot-${slot} .verdict`))!;
        const ok = (await page.getAttribute(`#slot-${slot} .verdict`, 'class'))!.includes('ok');
        rows.push(
          `[capture] real ${slot} at ${setting || 'default'}: sent ${m.width} x ${m.height}, ` +
            `${(sent.length / 1048576).toFixed(2)} MB: ${ok ? 'accepted' : 'REFUSED'} - ${verdict}`,
        );
        // the default must pass; the other settings are measured (README), not required
        if (!ok && !setting) failed.push(`default ${slot}: ${verdict}`);
      }
      await page.context().close();
    }
    console.log(rows.join('\n'));
    expect(failed).toEqual([]);
  }, 300_000);

  it('a 503 with Retry-After: 1 waits, says so, and the photo is accepted', async () => {
    const page = await openAppeal();
    let calls = 0;
    await page.route(DOCS, async (route) => {
      if (route.request().method() === 'POST' && calls++ === 0)
        return route.fulfill({
          status: 503,
          headers: { 'Retry-After': '1', 'Content-Type': 'application/json' },
          body: JSON.stringify({ error: { code: 'SERVICE.BUSY', message: 'Busy, try again shortly.' } }),
        });
      return route.fallback();
    });
    await choose(page, 'ID_FRONT', 'id.jpg', await goodImage('ID_FRONT'));
    // a picture of the wait when the 1 s countdown is caught (the assertion below reads the record)
    if (
      await page
        .waitForSelector('#slot-ID_FRONT .verdict:has-text("busy")', { timeout: 3000 })
        .catch(() => null)
    )
      await shot(page, 'busy-wait-en');
    await accepted(page, 'ID_FRONT');
    expect(calls).toBe(2);
    expect(await seen(page)).toContain('The server is busy. Trying again in 1 s…');
    await page.context().close();
  });

  it('a full intake queue (503 intake-queue-full, Retry-After: 2): the bar says it waits, then it goes', async () => {
    const page = await openAppeal();
    let calls = 0;
    await page.route(DOCS, async (route) => {
      if (route.request().method() === 'POST' && calls++ === 0)
        return route.fulfill({
          status: 503,
          headers: { 'Retry-After': '2', 'Content-Type': 'application/json' },
          body: JSON.stringify({
            error: {
              code: 'SERVICE.BUSY',
              message: 'Many documents are being checked right now.',
              details: { retryAfterSeconds: 2, reason: 'intake-queue-full' },
            },
          }),
        });
      return route.fallback();
    });
    await choose(page, 'ID_FRONT', 'id.jpg', await goodImage('ID_FRONT'));
    // the progress bar carries the wait while it lasts (indeterminate: no value)
    const bar = await page.waitForSelector('#slot-ID_FRONT progress[aria-label*="goes again"]', {
      state: 'attached',
      timeout: 5000,
    });
    expect(await bar.getAttribute('value')).toBeNull();
    await accepted(page, 'ID_FRONT');
    expect(calls).toBe(2);
    expect(await seen(page)).toContain(
      'Many documents are being checked right now. Yours goes again in 2 s…',
    );
    await page.context().close();
  });

  it('a dropped request is retried after a backoff and the queue goes on', async () => {
    const page = await openAppeal({ locale: 'zh-CN' });
    let calls = 0;
    await page.route(DOCS, async (route) => {
      if (route.request().method() === 'POST' && calls++ === 0) return route.abort('connectionreset');
      return route.fallback();
    });
    // two photos chosen at once: the second waits in the queue behind the first's retry
    await choose(page, 'ID_FRONT', 'id.jpg', await goodImage('ID_FRONT'));
    await choose(page, 'CARD_BACK', 'back.jpg', await goodImage('CARD_BACK'));
    await page.waitForFunction(
      () =>
        ['ID_FRONT', 'CARD_BACK'].every(
          (s) => document.querySelector(`#slot-${s} .badge`)?.textContent === '已通过',
        ),
      undefined,
      { timeout: 60_000 },
    );
    expect(calls).toBe(3);
    const texts = await seen(page);
    expect(texts).toContain('网络连接中断，1 秒后重试（第 2 次，共 5 次）…');
    expect(texts).toContain('等待其他照片上传完成…');
    await page.context().close();
  });

  it('dark and blurry photos get hints next to the file and are uploaded anyway', async () => {
    const page = await openAppeal();
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/documents')) posts++;
    });
    const dark = await sharp(await goodImage('ID_FRONT'))
      .linear(0.15, 0)
      .jpeg()
      .toBuffer();
    await choose(page, 'ID_FRONT', 'dark.jpg', dark);
    await choose(page, 'CARD_BACK', 'blurry.jpg', await blurredImage('CARD_BACK'));
    await page.waitForSelector('#slot-ID_FRONT .hints li[data-hint=dark]');
    await page.waitForSelector('#slot-CARD_BACK .hints li[data-hint=blurry]');
    // the server's verdict decides: both were sent and answered
    for (const s of ['ID_FRONT', 'CARD_BACK'])
      await page.waitForSelector(`#slot-${s} .verdict.bad, #slot-${s} .badge.b-ACCEPTED`);
    expect(posts).toBe(2);
    expect(await page.textContent('#slot-ID_FRONT .hints')).toContain('The photo looks dark.');
    expect(await page.textContent('#slot-CARD_BACK .hints')).toContain('The photo looks blurry.');
    // a good photo gets no hint
    await page.fill('#slot-CARD_FRONT .l4', '4242');
    await choose(page, 'CARD_FRONT', 'good.jpg', await goodImage('CARD_FRONT'));
    await page.waitForSelector('#slot-CARD_FRONT .verdict:not(:empty)');
    expect(await page.isHidden('#slot-CARD_FRONT .hints')).toBe(true);
    await shot(page, 'hints-en');
    await lang(page, 'zh');
    expect(await page.textContent('#slot-ID_FRONT .hints')).toContain('照片看起来偏暗');
    await shot(page, 'hints-zh');
    await page.context().close();
  });

  it('without resize options the downscale steps down on canvases <= 16.7 MP; a blank result sends the original', async () => {
    const page = await openAppeal();
    // the module itself (a string, so that vitest leaves this import() alone)
    await page.evaluate("import('/static/appeal/downscale.js').then((m) => { window.__downscale = m; })");
    const r = await page.evaluate(async () => {
      // a 48 MP photo-like JPEG made here (gradient + noise), then the module as a browser without
      // createImageBitmap's resize options would run it
      const src = document.createElement('canvas');
      src.width = 8000;
      src.height = 6000;
      const g = src.getContext('2d')!;
      const grad = g.createLinearGradient(0, 0, 8000, 6000);
      grad.addColorStop(0, '#345');
      grad.addColorStop(1, '#dca');
      g.fillStyle = grad;
      g.fillRect(0, 0, 8000, 6000);
      for (let i = 0; i < 4000; i++) {
        g.fillStyle = `hsl(${i % 360} 60% 50%)`;
        g.fillRect((i * 7919) % 8000, (i * 104729) % 6000, 40, 40);
      }
      const blob = await new Promise<Blob>((res) => src.toBlob((b) => res(b!), 'image/jpeg', 0.95));
      src.width = 0;
      const file = new File([blob], 'big.jpg', { type: 'image/jpeg' });
      const real = window.createImageBitmap.bind(window);
      (window as unknown as { createImageBitmap: unknown }).createImageBitmap = (
        b: ImageBitmapSource,
        o?: ImageBitmapOptions,
      ) => real(b, { imageOrientation: o?.imageOrientation ?? 'from-image' });
      const made: HTMLCanvasElement[] = [];
      const create = document.createElement.bind(document);
      document.createElement = ((tag: string) => {
        const e = create(tag);
        if (tag === 'canvas') made.push(e as HTMLCanvasElement);
        return e;
      }) as typeof document.createElement;
      // every canvas the module makes keeps its size afterwards (but the last, emptied after encoding)
      const sizes: number[] = [];
      const { downscale, MAX_CANVAS_PIXELS } = (
        window as unknown as {
          __downscale: {
            downscale: (f: File, o: object) => Promise<{ file: File; changed: boolean; reason?: string }>;
            MAX_CANVAS_PIXELS: number;
          };
        }
      ).__downscale;
      const stepped = await downscale(file, { minLongSide: 1000, minShortSide: 600 });
      for (const c of made) sizes.push(c.width * c.height);
      const stepBmp = await real(stepped.file);
      const out = { changed: stepped.changed, w: stepBmp.width, h: stepBmp.height, name: stepped.file.name };
      // a canvas that draws nothing (iOS over its memory budget): the original goes
      CanvasRenderingContext2D.prototype.drawImage = () => {};
      const blank = await downscale(file, {});
      return {
        out,
        maxCanvas: Math.max(...sizes),
        limit: MAX_CANVAS_PIXELS,
        blank: { changed: blank.changed, reason: blank.reason, same: blank.file === file },
      };
    });
    expect(r.out).toEqual({ changed: true, w: 2400, h: 1800, name: 'big.jpg' });
    expect(r.maxCanvas).toBeLessThanOrEqual(r.limit);
    expect(r.maxCanvas).toBeGreaterThan(0);
    expect(r.blank).toEqual({ changed: false, reason: 'blank', same: true });
    await page.context().close();
  });

  it('the pickers offer HEIC only when the server decodes it; an unconvertible HEIC gets the how-to', async () => {
    const page = await openAppeal();
    for (const sel of ['input.file', 'input.cam']) {
      const accept = (await page.getAttribute(`#slot-ID_FRONT ${sel}`, 'accept'))!.split(',');
      expect(accept.includes('image/heic')).toBe(HEIC_DECODABLE);
      expect(accept).toContain('image/jpeg');
    }
    // an iPhone file as the server's sniffer sees it (AVIF with its brands renamed heic, as in
    // test/integration/inbound-ocr.test.ts)
    const b = Buffer.from(
      await sharp(await goodImage('ID_FRONT'))
        .heif({ compression: 'av1', quality: 80 })
        .toBuffer(),
    );
    const end = b.readUInt32BE(0);
    for (let i = 8; i + 4 <= end; i += 4)
      if (b.toString('latin1', i, i + 4) === 'avif') b.write('heic', i, 'latin1');
    await choose(page, 'ID_FRONT', 'IMG_0001.HEIC', b, 'image/heic');
    await page.waitForSelector('#slot-ID_FRONT .verdict:not(:empty)');
    const decodes = await page.evaluate(
      async (bytes) => {
        try {
          (await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/heic' }))).close();
          return true;
        } catch {
          return false;
        }
      },
      [...b],
    );
    if (HEIC_DECODABLE || decodes)
      await accepted(page, 'ID_FRONT'); // sent as is, or converted here
    else {
      expect(await page.textContent('#slot-ID_FRONT .verdict')).toContain(
        'Settings > Camera > Formats, choose “Most Compatible”',
      );
      await shot(page, 'heic-en');
      await lang(page, 'zh');
      expect(await page.textContent('#slot-ID_FRONT .verdict')).toContain('“设置”>“相机”>“格式”');
      await shot(page, 'heic-zh');
    }
    await page.context().close();
    expect(c.errors).toEqual([]);
  });
});
