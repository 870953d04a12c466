// The buyer's My Appeal page as the capture tests drive it (capture.test.ts, capture-network.test.ts): a new
// appeal's page at phone size that records what it sends and shows, 12 MP camera-like photos, and the
// page's limits.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { expect } from 'vitest';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { type GoodVariant, goodImage } from '../support/images.ts';
import { PHONE, SHOTS, slow4g } from './browser.ts';
import type { ConsoleEnv } from './console-env.ts';

export const DOCS = '**/api/v1/appeals/*/documents';
let n = 0;

/**
 * A new appeal's page at phone size on a slow 4G network (`fast: true` for an unthrottled one), PASSPORT
 * chosen; every verdict/progress text it shows is recorded.
 */
export async function openAppeal(
  c: ConsoleEnv,
  opts: { downscale?: boolean | string; locale?: string; last4?: string; fast?: boolean } = {},
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
  if (!opts.fast) await slow4g(page);
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

const grains = new Map<string, Buffer>();

/**
 * Sensor-like grain, gaussian (mean 128, sigma 24) from a seeded generator: the same every run, so a photo
 * near a rule's threshold gets the same score each time (libvips' own noise differed per run, and the
 * synthetic card back's sharpness, 36-40 against 40, then flipped between runs).
 */
function grainOf(width: number, height: number): Buffer {
  const key = `${width}x${height}`;
  const cached = grains.get(key);
  if (cached) return cached;
  let a = 20_261_204;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  const out = Buffer.alloc(width * height * 3);
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const th = 2 * Math.PI * next();
    out[i] = Math.max(0, Math.min(255, Math.round(128 + 24 * r * Math.cos(th))));
    if (i + 1 < out.length) out[i + 1] = Math.max(0, Math.min(255, Math.round(128 + 24 * r * Math.sin(th))));
  }
  grains.set(key, out);
  return out;
}

/**
 * A 12 MP (4000 x 3000) camera-sized JPEG from a good image, with sensor-like grain (soft-light gaussian
 * noise, grainOf) so that it weighs what a phone's 12 MP JPEG weighs (an upscale alone is ~1 MB of smooth pixels).
 */
export async function twelveMp(
  variant: GoodVariant | Buffer,
  orientation?: number,
  portrait = false,
): Promise<Buffer> {
  const [width, height] = portrait ? [3000, 4000] : [4000, 3000];
  const grain = await sharp(grainOf(width, height), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const base = await sharp(Buffer.isBuffer(variant) ? variant : await goodImage(variant))
    .resize(width, height, { fit: 'fill' })
    .toBuffer();
  const p = sharp(base).composite([{ input: grain, blend: 'soft-light' }]);
  return (orientation ? p.withMetadata({ orientation }) : p).jpeg({ quality: 92 }).toBuffer();
}

/**
 * The files the page sent, in order (`from`: only those from that index on). Each crosses from the page
 * as base64: a 4 MB photo as an array of numbers took seconds and gigabytes to serialise.
 */
export async function sentFiles(page: Page, from = 0): Promise<Buffer[]> {
  const all = await page.evaluate(
    async (k) =>
      Promise.all(
        (window as unknown as { __sent: Blob[] }).__sent.slice(k).map(
          (b) =>
            new Promise<string>((resolve, reject) => {
              const r = new FileReader();
              r.onload = () => resolve(String(r.result).slice(String(r.result).indexOf(',') + 1));
              r.onerror = () => reject(r.error);
              r.readAsDataURL(b);
            }),
        ),
      ),
    from,
  );
  return all.map((a) => Buffer.from(a, 'base64'));
}

export async function choose(
  page: Page,
  slot: string,
  name: string,
  buffer: Buffer,
  mimeType = 'image/jpeg',
) {
  await page.locator(`#slot-${slot} input.file`).setInputFiles({ name, mimeType, buffer });
}

export async function accepted(page: Page, slot: string) {
  await page.waitForFunction(
    (s) => document.querySelector(`#slot-${s} .badge`)?.textContent === 'Accepted',
    slot,
    { timeout: 150_000 },
  );
}

export async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  // the documents part of the page (the rest is covered by pages.test.ts)
  await page.locator('#docs').screenshot({ path: path.join(SHOTS, `cap-${name}.png`) });
}

/** The page's limits, as the server rendered them (the downscale target comes from there). */
export interface Limits {
  captureLongSide: number;
  captureQuality: number;
  ocrWidth: number;
  ocrMaxHeight: number;
}
export async function pageLimits(page: Page): Promise<Limits> {
  return JSON.parse((await page.getAttribute('meta[name=limits]', 'content'))!);
}

/**
 * What a w x h photo is sent as: its long side at the target, but never fewer pixels than the server's
 * OCR copy of the original (fitted into ocrWidth x ocrMaxHeight; a portrait keeps more).
 */
export const fitted = (w: number, h: number, l: Limits) => {
  const f = Math.max(l.captureLongSide / Math.max(w, h), Math.min(l.ocrWidth / w, l.ocrMaxHeight / h));
  return [Math.round(w * f), Math.round(h * f)];
};

export const seen = (page: Page) => page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);

export async function lang(page: Page, l: 'en' | 'zh') {
  await page.selectOption('#lang', l);
  await page.waitForFunction((x) => document.documentElement.lang.startsWith(x), l);
}
