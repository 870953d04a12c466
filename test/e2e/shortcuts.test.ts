// Decision shortcuts on the case page in a real browser (issue 19 point 3): off by default (WCAG 2.1.4),
// turned on in the help panel, `?` toggles the panel, a/r/m choose a decision without sending it, never
// inside a text field or with a modifier, n/p walk the queue's order, +/-/o drive the last-used viewer.
// Screenshots of the panel at 1280x800 and 390x844 in English and Chinese.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { lang, signIn, submitted, useConsoleEnv, waitFor } from './console-env.ts';
import { shootSizes } from './browser.ts';

const c = useConsoleEnv();

const checked = (page: Page) =>
  page.$eval(
    'form',
    (f) => (f.querySelector('input[name=decision]:checked') as HTMLInputElement | null)?.value ?? null,
  );

describe('case page shortcuts', () => {
  it('off by default; on through the panel; decisions chosen, never sent; not while typing', async () => {
    const a = await submitted(c);
    const page = await signIn(c, c.who.reviewer.email);
    await page.goto(`${c.server.url}/console/cases/${a.appealId}`);
    await page.waitForSelector('#h-decision');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    // off by default: single keys do nothing
    await page.keyboard.press('a');
    await page.keyboard.press('?');
    expect(await checked(page)).toBeNull();
    expect(await page.isHidden('#shortcuts-help')).toBe(true);

    // the button opens the panel; its switch turns the keys on
    await page.click('#shortcuts-btn');
    expect(await page.isVisible('#shortcuts-help')).toBe(true);
    expect(await page.textContent('#shortcuts-help')).toContain('Next case in the queue');
    await shootSizes(page, 'shortcuts-panel-en');
    await lang(page, 'zh');
    await page.click('#shortcuts-btn');
    expect(await page.textContent('#shortcuts-help')).toContain('队列中的下一个案件');
    await shootSizes(page, 'shortcuts-panel-zh');
    await lang(page, 'en');
    await page.click('#shortcuts-btn');
    await page.check('#sc-on');
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#shortcuts-help')).toBe(true);

    await page.keyboard.press('a');
    expect(await checked(page)).toBe('APPROVE');
    // the focus is on Send: the decision is chosen, not sent
    expect(await page.evaluate(() => (document.activeElement as HTMLButtonElement).type)).toBe('submit');
    expect((await c.env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } })).status).toBe(
      'IN_REVIEW',
    );
    await page.keyboard.press('m');
    expect(await checked(page)).toBe('REQUEST_MORE_INFO');
    expect(await page.isVisible('form fieldset:has(input[name=slot])')).toBe(true);
    // typing in the buyer message: letters are text, not shortcuts
    await page.fill('#buyerMessage', '');
    await page.click('#buyerMessage');
    await page.keyboard.type('ra');
    expect(await page.inputValue('#buyerMessage')).toBe('ra');
    expect(await checked(page)).toBe('REQUEST_MORE_INFO');
    // a modifier is the browser's
    await page.locator('#h-decision').click();
    await page.keyboard.press('Alt+r');
    expect(await checked(page)).toBe('REQUEST_MORE_INFO');
    await page.keyboard.press('r');
    expect(await checked(page)).toBe('REJECT');
    // Send on a rejection still asks first
    await page.keyboard.press('Enter');
    await page.waitForSelector('#reject-confirm:not([hidden])');
    await page.click('#reject-no');

    // `?` toggles the panel once the keys are on
    await page.locator('#h-decision').click();
    await page.keyboard.press('?');
    expect(await page.isVisible('#shortcuts-help')).toBe(true);
    await page.keyboard.press('?');
    expect(await page.isHidden('#shortcuts-help')).toBe(true);
    // the switch is remembered by this browser
    await page.reload();
    await page.waitForSelector('#h-decision');
    await page.locator('#h-decision').click();
    await page.keyboard.press('a');
    expect(await checked(page)).toBe('APPROVE');
    expect(c.errors).toEqual([]);
  });

  it('n / p walk the queue in the order it showed; + and o drive the viewer', async () => {
    const x = await submitted(c);
    const y = await submitted(c);
    const page = await signIn(c, c.who.reviewer.email);
    await page.evaluate(() => localStorage.setItem('console.shortcuts', 'on'));
    await page.goto(`${c.server.url}/console`);
    await page.waitForSelector(`tr[data-id="${x.appealId}"]`);
    const order = await page.$$eval('tbody tr', (rs) => rs.map((r) => (r as HTMLElement).dataset.id));
    const i = order.indexOf(x.appealId);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(order).toContain(y.appealId);
    const first = order[0]!;
    await page.goto(`${c.server.url}/console/cases/${first}`);
    await page.waitForSelector('#h-decision');
    await page.locator('#h-decision').click();
    await page.keyboard.press('n');
    await waitFor('next case', async () => page.url().endsWith(`/console/cases/${order[1]}`));
    await page.waitForSelector('#h-decision');
    await page.locator('#h-decision').click();
    await page.keyboard.press('p');
    await waitFor('previous case', async () => page.url().endsWith(`/console/cases/${first}`));
    await page.waitForSelector('.docs .doc img');
    // the viewer: + zooms the first document, o rotates it
    await page.locator('#h-decision').click();
    const tf = () =>
      page
        .locator('.docs .doc img')
        .first()
        .evaluate((im) => (im as HTMLImageElement).style.transform);
    const before = await tf();
    await page.keyboard.press('o');
    await waitFor('rotated', async () => (await tf()).includes('rotate(90deg)'));
    await page.keyboard.press('+');
    await waitFor('zoomed', async () => (await tf()) !== before && !(await tf()).includes('scale(1)'));
    expect(c.errors).toEqual([]);
  });
});
