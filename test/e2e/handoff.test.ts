// "Continue on your phone" in a real browser (issue 20 point 4): the desktop page (1280x800) shows a QR
// code for a one-time code; a second browser context at 390x844 (the phone, its own cookies) opens the
// code's URL, presses the button, lands on My Appeal with a session and uploads a photo; the desktop page
// shows it without a reload. The used code then gives the phone a clear page (in Chinese here).
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { goodImage } from '../support/images.ts';
import { PHONE, SHOTS, slow4g } from './browser.ts';
import { useConsoleEnv } from './console-env.ts';

const c = useConsoleEnv();

describe('continue on your phone', () => {
  it('desktop QR -> phone exchanges it -> phone upload appears on the desktop page', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const reg = await c.call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      body: blockedOrder({ buyer: { id: 'b-qr', email: 'qr@example.com', name: 'Q R', locale: 'en-GB' } }),
    });
    const token = tokenFromUrl(reg.body.appealUrl);

    const desk = await c.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    const dp = await desk.newPage();
    dp.on('pageerror', (e) => c.errors.push(String(e)));
    await dp.goto(`${c.server.url}/a/${token}`);
    await dp.waitForSelector('#page:not([hidden])');
    await dp.check('input[value=PASSPORT]');
    await dp.waitForSelector('#slot-ID_FRONT');
    await dp.waitForSelector('#handoff:not([hidden])');
    expect(await dp.textContent('#h-handoff')).toBe('Continue on your phone');
    await dp.click('#handoff-start');
    await dp.waitForSelector('#handoff-img[src^="data:image/svg+xml"]');
    expect(await dp.isVisible('#handoff-img')).toBe(true);
    expect(await dp.textContent('#handoff-timer')).toMatch(/^Valid for [23]:\d\d$/);
    const url = (await dp.textContent('#handoff-link'))!;
    expect(url).toMatch(/\/h\/[A-Za-z0-9_-]{32}$/);
    expect(url).not.toContain(token);
    // the QR image really is the server's SVG, drawn at its size
    const box = await dp.locator('#handoff-img').boundingBox();
    expect(box?.width).toBe(220);
    await dp.locator('#handoff').screenshot({ path: `${SHOTS}/qr-desktop-card.png` });
    await dp.screenshot({ path: `${SHOTS}/qr-desktop.png`, fullPage: true });

    // the phone: its own context and cookies, a touch screen
    const phone = await c.browser.newContext({
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      locale: 'en-GB',
    });
    const pp = await phone.newPage();
    pp.on('pageerror', (e) => c.errors.push(String(e)));
    await slow4g(pp); // a phone on a mobile connection
    const path = new URL(url).pathname;
    const opened = await pp.goto(`${c.server.url}${path}`);
    expect(opened?.status()).toBe(200);
    expect(await phone.cookies()).toHaveLength(0);
    await pp.screenshot({ path: `${SHOTS}/qr-phone-button.png`, fullPage: true });
    await pp.click('#handoff-continue');
    await pp.waitForURL(/\/appeal$/);
    await pp.waitForSelector('#page:not([hidden])');
    const cookies = await phone.cookies();
    expect(cookies.map((k) => k.name)).toEqual(['ad_buyer']);
    expect(cookies[0]!.httpOnly).toBe(true);
    // the desktop sees the code was used: the QR goes, the page says the phone opened the appeal
    await dp.waitForFunction(() =>
      /^Opened on your phone at /.test(document.querySelector('#handoff-timer')?.textContent ?? ''),
    );
    expect(await dp.isVisible('#handoff-img')).toBe(false);
    expect(await dp.textContent('#handoff-msg')).toBe('Your phone opened the appeal.');
    // no QR card on the phone itself
    expect(await pp.isVisible('#handoff')).toBe(false);
    await pp.waitForSelector('#slot-ID_FRONT:not([hidden])');
    await pp.locator('#slot-ID_FRONT input.file').setInputFiles({
      name: 'passport.jpg',
      mimeType: 'image/jpeg',
      buffer: await goodImage('ID_FRONT'),
    });
    await pp.waitForSelector('#slot-ID_FRONT .badge.b-ACCEPTED', { timeout: 60_000 });
    await pp.screenshot({ path: `${SHOTS}/qr-phone-uploaded.png`, fullPage: true });

    // the desktop page shows it without a reload (it polls the appeal every 3 s)
    let navigations = 0;
    dp.on('framenavigated', () => {
      navigations += 1;
    });
    await dp.waitForSelector('#handoff-arrived li[data-slot=ID_FRONT]', { timeout: 30_000 });
    await dp.waitForSelector('#slot-ID_FRONT .badge.b-ACCEPTED');
    expect(navigations).toBe(0);
    expect(await dp.textContent('#handoff-arrived li')).toMatch(/^ID: front or photo page · photo · /);
    await dp.locator('#handoff').screenshot({ path: `${SHOTS}/qr-desktop-arrived.png` });
    await dp.screenshot({ path: `${SHOTS}/qr-desktop-after.png`, fullPage: true });

    // the code is used: another phone (Chinese) gets a clear page, 410, and no session
    const other = await c.browser.newContext({ viewport: PHONE, isMobile: true, locale: 'zh-CN' });
    const op = await other.newPage();
    const again = await op.goto(`${c.server.url}${path}`);
    expect(again?.status()).toBe(410);
    expect(await op.textContent('h1')).toBe('此验证码已被使用');
    expect(await other.cookies()).toHaveLength(0);
    await op.screenshot({ path: `${SHOTS}/qr-phone-used-zh.png`, fullPage: true });

    // Chinese on the desktop card
    await dp.selectOption('#lang', 'zh');
    await dp.waitForFunction(() => document.documentElement.lang.startsWith('zh'));
    expect(await dp.textContent('#h-handoff')).toBe('在手机上继续');
    expect(await dp.textContent('#handoff-msg')).toBe('您的手机已打开申诉。');
    expect(await dp.textContent('#handoff-timer')).toMatch(/^已于 .+ 在手机上打开。$/);
    await dp.locator('#handoff').screenshot({ path: `${SHOTS}/qr-desktop-card-zh.png` });

    expect(c.errors).toEqual([]);
    await Promise.all([desk.close(), phone.close(), other.close()]);
  });

  it('the countdown: an expired code leaves the screen, "New code" shows another; no card on a narrow window', async () => {
    const reg = await c.call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      body: blockedOrder({ buyer: { id: 'b-qr2', email: 'qr2@example.com', name: 'Q R', locale: 'en-GB' } }),
    });
    const token = tokenFromUrl(reg.body.appealUrl);
    const desk = await c.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    const dp = await desk.newPage();
    dp.on('pageerror', (e) => c.errors.push(String(e)));
    // the page's own clock, so 3 minutes pass at once (the server's code expiry has its own test)
    await dp.clock.install();
    await dp.goto(`${c.server.url}/a/${token}`);
    await dp.waitForSelector('#handoff:not([hidden])');
    await dp.click('#handoff-start');
    await dp.waitForSelector('#handoff-img[src^="data:image/svg+xml"]');
    const first = await dp.textContent('#handoff-link');
    await dp.clock.fastForward('03:01');
    await dp.waitForFunction(() => (document.querySelector('#handoff-img') as HTMLImageElement).hidden);
    expect(await dp.textContent('#handoff-timer')).toBe('Code expired');
    expect(await dp.textContent('#handoff-msg')).toBe(
      'This code has expired. Press "New code" for another one.',
    );
    expect(await dp.isVisible('#handoff-alt')).toBe(false);
    await dp.locator('#handoff').screenshot({ path: `${SHOTS}/qr-desktop-expired.png` });
    await dp.click('#handoff-new');
    await dp.waitForFunction((f) => document.querySelector('#handoff-link')?.textContent !== f, first);
    expect(await dp.isVisible('#handoff-img')).toBe(true);
    expect(await dp.textContent('#handoff-timer')).toMatch(/^Valid for [23]:\d\d$/);
    // Hide stops it and gives the button back
    await dp.click('#handoff-stop');
    expect(await dp.isVisible('#handoff-qr')).toBe(false);
    expect(await dp.isVisible('#handoff-start')).toBe(true);
    // the same buyer in a narrow window: no card
    const narrow = await desk.newPage();
    await narrow.setViewportSize({ width: 600, height: 800 });
    await narrow.goto(`${c.server.url}/appeal`);
    await narrow.waitForSelector('#page:not([hidden])');
    expect(await narrow.isVisible('#handoff')).toBe(false);
    expect(c.errors).toEqual([]);
    await desk.close();
  });
});
