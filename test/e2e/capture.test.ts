// The buyer's phone capture (issue 20 points 1, 2, 3, 5) at 390x844: a 12 MP photo is downscaled in the
// browser to the server's target (limits.captureLongSide / captureQuality) before upload and accepted, EXIF
// orientation applied; a 503 with Retry-After and a dropped request are retried and the progress text says
// so; dark and blurry photos get hints and are uploaded anyway; the stepped-canvas fallback and the blank
// check; the pickers offer HEIC only where the server decodes it, and a HEIC the browser cannot convert gets
// the plain how-to in en and zh. The slow-4G network and the verdicts against the originals:
// capture-network.test.ts. Screenshots: test-results/screenshots/cap-*.png.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HEIC_DECODABLE } from '../../src/modules/documents/checks.sharp.ts';
import { blurredImage, goodImage } from '../support/images.ts';
import {
  accepted,
  choose,
  DOCS,
  fitted,
  lang,
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

describe('buyer capture', () => {
  it("a 12 MP photo is downscaled to the server's target before upload and accepted; EXIF orientation applied", async () => {
    const page = await openAppeal();
    const limits = await pageLimits(page);
    expect(limits.captureLongSide).toBeGreaterThanOrEqual(1000);
    const original = await twelveMp('ID_FRONT');
    await choose(page, 'ID_FRONT', 'IMG_1234.jpg', original);
    await accepted(page, 'ID_FRONT');
    let sent = await sentFiles(page);
    expect(sent).toHaveLength(1);
    const m = await sharp(sent[0]).metadata();
    expect([m.format, m.width, m.height]).toEqual(['jpeg', ...fitted(4000, 3000, limits)]);
    expect(sent[0]!.length).toBeLessThan(original.length);
    const pname = (await page.textContent('#slot-ID_FRONT .pname'))!;
    const [w, h] = fitted(4000, 3000, limits);
    expect(pname).toMatch(
      new RegExp(`^IMG_1234\\.jpg · [\\d.]+ MB → [\\d.]+ (MB|KB) \\(made smaller .+: ${w} × ${h} px\\)$`),
    );
    // a portrait photo stored landscape with EXIF orientation 6: sent upright, without EXIF
    await choose(page, 'CARD_BACK', 'IMG_1235.jpg', await twelveMp('SPARE', 6));
    await page.waitForSelector(
      '#slot-CARD_BACK .verdict.bad, #slot-CARD_BACK .verdict.ok p:text("Accepted.")',
    );
    sent = await sentFiles(page);
    expect(sent).toHaveLength(2);
    const r = await sharp(sent[1]).metadata();
    expect([r.width, r.height, r.orientation]).toEqual([...fitted(3000, 4000, limits), undefined]);
    await shot(page, 'downscaled-en');
    await lang(page, 'zh');
    expect(await page.textContent('#slot-ID_FRONT .pname')).toContain('已缩小以加快上传');
    await shot(page, 'downscaled-zh');
    await page.context().close();
  });

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
      const stepped = await downscale(file, { minLongSide: 1000, minShortSide: 600, maxSide: 2400 });
      for (const c of made) sizes.push(c.width * c.height);
      const stepBmp = await real(stepped.file);
      const out = { changed: stepped.changed, w: stepBmp.width, h: stepBmp.height, name: stepped.file.name };
      // a canvas that draws nothing (iOS over its memory budget): the original goes
      CanvasRenderingContext2D.prototype.drawImage = () => {};
      const blank = await downscale(file, { maxSide: 2400 });
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
