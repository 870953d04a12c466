// My Appeal for a screen-reader and keyboard user, at 200% zoom, in English and Chinese (issue 20 point 6).
// axe-core (node_modules/axe-core/axe.min.js injected into the page) runs at 390x844 in the main states:
// no ID type chosen, slots open with a verdict, a refused upload with its error, submitted with the
// timeline; no violation of impact serious or critical may remain (the list is printed when one does).
// 200% zoom: a 640x400 CSS-pixel viewport at deviceScaleFactor 2 - what chromium lays out when a
// 1280x800 window is zoomed to 200% (the viewport in CSS pixels halves, media queries see 640 px); CSS
// `zoom` on <html> would not change the viewport the media queries and the scroll width answer to.
// Keyboard: Tab reaches the ID-type radios, each slot's "Take a photo" and "Choose a file" and Submit in
// document order, and each focused control shows an outline.
// Screenshots: test-results/screenshots/a11y-*.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { goodImage } from '../support/images.ts';
import { PHONE, SHOTS, slow4g } from './browser.ts';
import { submitted, useConsoleEnv } from './console-env.ts';

const c = useConsoleEnv();
const AXE = path.resolve('node_modules/axe-core/axe.min.js');
const ZOOM_200 = { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 };
let n = 0;

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[]; failureSummary: string }[];
}

async function newAppeal(locale = 'en-GB') {
  n += 1;
  const body = blockedOrder({
    buyer: { id: `a11y-${n}`, email: `a11y${n}@example.com`, name: 'Ally', locale },
  });
  const reg = await c.call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
  expect(reg.status, reg.text).toBe(201);
  return { token: tokenFromUrl(reg.body.appealUrl), last4: (body.card as { last4: string }).last4 };
}

async function open(
  token: string,
  ctxOpts: { viewport: { width: number; height: number }; deviceScaleFactor?: number } = { viewport: PHONE },
  locale = 'en-GB',
): Promise<Page> {
  // bypassCSP: the page's CSP (script-src 'self') would block the injected axe script, not the page's own
  const ctx = await c.browser.newContext({ ...ctxOpts, locale, bypassCSP: true });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => c.errors.push(String(e)));
  await slow4g(page); // the buyer on a mobile connection
  await page.goto(`${c.server.url}/a/${token}`);
  await page.waitForSelector('#page:not([hidden])');
  return page;
}

async function lang(page: Page, l: 'en' | 'zh') {
  await page.selectOption('#lang', l);
  await page.waitForFunction((x) => document.documentElement.lang.startsWith(x), l);
}

/** axe's serious and critical violations on the page as it is now (the minor/moderate ones are printed). */
async function axe(page: Page, state: string): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const r = (await page.evaluate(async () => {
    const out = await (
      window as unknown as {
        axe: { run: (o: object) => Promise<{ violations: unknown[]; passes: unknown[] }> };
      }
    ).axe.run({ resultTypes: ['violations'] });
    return { violations: out.violations, passes: out.passes.length };
  })) as { violations: Violation[]; passes: number };
  expect(r.passes, 'axe ran its rules').toBeGreaterThan(10);
  const lesser = r.violations.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
  if (lesser.length)
    console.log(`[a11y] ${state} minor/moderate: ${lesser.map((v) => `${v.impact} ${v.id}`).join(', ')}`);
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Runs axe in en and zh; every serious/critical violation is printed and then fails the test. */
async function noSerious(page: Page, state: string) {
  const all: string[] = [];
  for (const l of ['en', 'zh'] as const) {
    await lang(page, l);
    for (const v of await axe(page, `${state} ${l}`))
      all.push(
        `[a11y] ${state} ${l}: ${v.impact} ${v.id} (${v.help}): ` +
          v.nodes.map((x) => `${x.target.join(' ')} - ${x.failureSummary.replace(/\s+/g, ' ')}`).join(' | '),
      );
  }
  if (all.length) console.log(all.join('\n'));
  expect(all).toEqual([]);
}

async function upload(page: Page, slot: string, name: string, buffer: Buffer) {
  await page.locator(`#slot-${slot} input.file`).setInputFiles({ name, mimeType: 'image/jpeg', buffer });
}

async function good(slot: 'ID_FRONT' | 'CARD_FRONT' | 'CARD_BACK' | 'BILLING_STATEMENT') {
  return sharp(await goodImage(slot))
    .jpeg()
    .toBuffer();
}

async function tooSmall() {
  return sharp(await goodImage('CARD_BACK'))
    .resize(600, 400, { fit: 'fill' })
    .jpeg()
    .toBuffer();
}

async function accepted(page: Page, slot: string) {
  await page.waitForSelector(`#slot-${slot} .badge.b-ACCEPTED`, { timeout: 60_000 });
}

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `a11y-${name}.png`), fullPage: true });
}

/** No horizontal scroll; the element is on screen once scrolled to, at least 24 px square and not covered. */
async function usable(page: Page, sel: string) {
  const el = page.locator(sel).first();
  await el.scrollIntoViewIfNeeded();
  const r = await el.evaluate((e) => {
    const b = e.getBoundingClientRect();
    const hit = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
    return {
      w: b.width,
      h: b.height,
      inside: b.left >= 0 && b.right <= document.documentElement.clientWidth,
      reachable: !!hit && (e === hit || e.contains(hit) || hit.contains(e)),
    };
  });
  expect({ sel, ...r, big: r.w >= 24 && r.h >= 24 }).toMatchObject({
    sel,
    inside: true,
    reachable: true,
    big: true,
  });
}

async function noHorizontalScroll(page: Page, state: string) {
  const s = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(s.scroll, `${state}: scrollWidth ${s.scroll} > clientWidth ${s.client}`).toBeLessThanOrEqual(
    s.client,
  );
}

describe('My Appeal accessibility', () => {
  it('axe at 390x844 in en and zh: no ID type, slots with a verdict, a refused upload, submitted', async () => {
    const a = await newAppeal();
    const page = await open(a.token);
    // the check itself: an unlabelled field added to the page is reported (critical), then taken away
    await page.evaluate(() =>
      document
        .querySelector('#main')!
        .append(Object.assign(document.createElement('input'), { id: 'probe' })),
    );
    expect((await axe(page, 'probe')).map((v) => v.id)).toContain('label');
    await page.evaluate(() => document.querySelector('#probe')!.remove());
    await noSerious(page, 'no ID type');
    await lang(page, 'en');
    await page.check('input[value=PASSPORT]');
    await page.waitForSelector('#slot-ID_FRONT:not([hidden])');
    await upload(page, 'ID_FRONT', 'id.jpg', await good('ID_FRONT'));
    await accepted(page, 'ID_FRONT');
    await noSerious(page, 'slots with a verdict');
    await lang(page, 'en');
    await upload(page, 'CARD_BACK', 'small.jpg', await tooSmall());
    await page.waitForSelector('#slot-CARD_BACK .verdict.bad');
    await noSerious(page, 'refused upload');
    // the page now speaks Chinese; the server worded the verdict in English: the lines say so
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.getAttribute('#slot-CARD_BACK .verdict li', 'lang')).toBe('en');
    expect(await page.textContent('#slot-CARD_BACK .verdict li')).toContain('600 x 400');
    await shot(page, 'refused-zh');
    await page.context().close();

    const s = await submitted(c, {
      buyer: { id: 'a11y-s', email: 'a11ys@example.com', name: 'S', locale: 'zh-CN' },
    });
    const done = await open(s.token, { viewport: PHONE }, 'zh-CN');
    await done.waitForSelector('#timeline li');
    expect(await done.getAttribute('html', 'lang')).toMatch(/^zh/);
    await noSerious(done, 'submitted');
    await shot(done, 'submitted-zh');
    await done.context().close();
    expect(c.errors).toEqual([]);
  });

  it('200% zoom (640x400 CSS px at 2x): no horizontal scroll, axe clean, upload and submit usable', async () => {
    const a = await newAppeal();
    const page = await open(a.token, ZOOM_200);
    await noHorizontalScroll(page, 'no ID type');
    await page.check('input[value=PASSPORT]');
    await page.waitForSelector('#slot-BILLING_STATEMENT:not([hidden])');
    for (const l of ['en', 'zh'] as const) {
      await lang(page, l);
      await noHorizontalScroll(page, `slots ${l}`);
      for (const slot of ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT']) {
        await usable(page, `#slot-${slot} label.btn:has(input.cam)`);
        await usable(page, `#slot-${slot} label.btn:has(input.file)`);
      }
    }
    await lang(page, 'en');
    await upload(page, 'CARD_BACK', 'small.jpg', await tooSmall());
    await page.waitForSelector('#slot-CARD_BACK .verdict.bad');
    await noHorizontalScroll(page, 'refused upload');
    await noSerious(page, 'zoom 200% refused upload');
    // every slot accepted: Submit is enabled and can be pressed
    await page.fill('#slot-CARD_FRONT .l4', a.last4);
    for (const slot of ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'] as const) {
      await upload(page, slot, `${slot}.jpg`, await good(slot));
      await accepted(page, slot);
    }
    await usable(page, '#submit');
    await lang(page, 'en');
    await shot(page, 'zoom200-en');
    await lang(page, 'zh');
    await noHorizontalScroll(page, 'all accepted zh');
    await shot(page, 'zoom200-zh');
    await page.locator('#submit').click();
    await page.waitForSelector('#timeline li');
    await noHorizontalScroll(page, 'submitted zh');
    await page.context().close();
    expect(c.errors).toEqual([]);
  });

  it('keyboard only: Tab reaches the radios, each slot picker and Submit in order, with a visible focus', async () => {
    const a = await newAppeal();
    const page = await open(a.token);
    await page.check('input[value=PASSPORT]');
    await page.waitForSelector('#slot-BILLING_STATEMENT:not([hidden])');
    await page.fill('#slot-CARD_FRONT .l4', a.last4);
    for (const slot of ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'] as const) {
      await upload(page, slot, `${slot}.jpg`, await good(slot));
      await accepted(page, slot);
    }
    await page.waitForSelector('#submit:not([disabled])');
    // from the top of the page, by Tab only
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.click('header h1'); // the sequential focus starting point: the top of the page
    const stops: { key: string; outline: string }[] = [];
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const e = document.activeElement as HTMLElement | null;
        if (!e || e === document.body) return null;
        const slot = e.closest('.slot')?.id ?? '';
        const key = e.matches('input[type=radio]')
          ? `radio:${(e as HTMLInputElement).value}`
          : e.matches('input.cam')
            ? `${slot}:cam`
            : e.matches('input.file')
              ? `${slot}:file`
              : e.id
                ? `#${e.id}`
                : `${e.tagName.toLowerCase()}${slot ? `@${slot}` : ''}`;
        // a visually hidden file input shows its focus on the label around it
        const shown = e.matches('input.vh') ? (e.closest('label') as HTMLElement) : e;
        const st = getComputedStyle(shown);
        return { key, outline: `${st.outlineStyle} ${st.outlineWidth}` };
      });
      if (!f) continue;
      if (stops.some((s) => s.key === f.key)) break; // back at the start
      stops.push(f);
      if (f.key === '#submit') break;
    }
    const keys = stops.map((s) => s.key);
    // a radio group is one Tab stop: the checked radio
    const want = [
      'radio:PASSPORT',
      ...['ID_FRONT', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'].flatMap((s) => [
        `slot-${s}:cam`,
        `slot-${s}:file`,
      ]),
      '#submit',
    ];
    const order = keys.filter((k) => want.includes(k));
    expect(order).toEqual(want);
    for (const s of stops.filter((x) => want.includes(x.key)))
      expect({ key: s.key, none: s.outline.startsWith('none') || s.outline.endsWith(' 0px') }).toEqual({
        key: s.key,
        none: false,
      });
    // the radios themselves: arrow keys move between them (one Tab stop), and each shows its focus
    await page.focus('input[value=PASSPORT]');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).value)).toBe('ID_CARD');
    await page.context().close();
    expect(c.errors).toEqual([]);
  });
});
