// The browser flow against whatever test/support/target.ts opens: in process by default, and in CI again
// against `npm start` on an empty data folder (APPEAL_TARGET=embedded, PGlite) and on PostgreSQL
// (APPEAL_TARGET=postgres). A buyer uploads through the page and submits; the reviewer's console queue,
// which sends ?status=SUBMITTED,IN_REVIEW, lists the case (on PGlite it showed "Something went wrong");
// the reviewer opens it and rejects it; finance sees the refund. Everything over HTTP, no database handle.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedOrder, tokenFromUrl } from '../support/factories.ts';
import { goodImage } from '../support/images.ts';
import { openTarget, type Target, until } from '../support/target.ts';
import { DESKTOP, launch, PHONE, shoot } from './browser.ts';

let t: Target;
let browser: Browser;
type Staff = Awaited<ReturnType<Target['staff']>>;
let reviewer: Staff;
let finance: Staff;
const kind = process.env.APPEAL_TARGET ?? 'in-process';
const errors: string[] = [];

function watch(page: Page) {
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
}

async function signIn(ctx: BrowserContext, s: Staff): Promise<Page> {
  const page = await ctx.newPage();
  watch(page);
  await page.goto(`${t.url}/console`);
  await page.waitForSelector('#email');
  await page.fill('#email', s.email);
  await page.fill('#password', s.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#logout:not([hidden])');
  return page;
}

beforeAll(async () => {
  t = await openTarget();
  reviewer = await t.staff(['REVIEWER'], 'Rita Reviewer');
  finance = await t.staff(['FINANCE'], 'Fred Finance');
  browser = await launch();
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
}, 60_000);

describe(`browser flow against the ${kind} target`, () => {
  it('buyer uploads and submits; the reviewer queue lists the case; reject; finance sees the refund', async () => {
    const order = blockedOrder();
    const reg = await t.call('POST', '/api/v1/blocked-orders', { token: t.riskKey, body: order });
    expect(reg.status).toBe(201);
    const appealId = reg.body.appealId as string;
    const token = tokenFromUrl(reg.body.appealUrl);

    const buyerCtx = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
    const buyer = await buyerCtx.newPage();
    watch(buyer);
    await buyer.goto(`${t.url}/a/${token}`);
    await buyer.waitForSelector('#page:not([hidden])');
    expect(await buyer.textContent('#f-order')).toBe(order.orderId);
    await buyer.check('input[value=PASSPORT]');
    for (const slot of ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'] as const) {
      if (slot === 'CARD_FRONT') await buyer.fill('#slot-CARD_FRONT .l4', '4242');
      await buyer
        .locator(`#slot-${slot} input.file`)
        .setInputFiles({ name: `${slot}.jpg`, mimeType: 'image/jpeg', buffer: await goodImage(slot) });
      await buyer.waitForFunction(
        (s) => document.querySelector(`#slot-${s} .badge`)?.textContent === 'Accepted',
        slot,
        { timeout: 60_000 },
      );
    }
    await buyer.click('#submit');
    await buyer.waitForSelector('#docs[hidden]', { state: 'attached' });
    await shoot(buyer, `target-${kind}-buyer-submitted`);

    const revCtx = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const rev = await signIn(revCtx, reviewer);
    await until('the case routed to the reviewer', async () => {
      const r = await t.call('GET', `/api/v1/cases/${appealId}`, { token: reviewer.token });
      return r.status === 200 && r.body.assignee?.id === reviewer.id;
    });
    await rev.reload();
    await rev.waitForSelector(`tr[data-id="${appealId}"]`, { timeout: 30_000 });
    expect(await rev.locator('body').textContent()).not.toContain('Something went wrong');
    await shoot(rev, `target-${kind}-console-queue`);

    await rev.goto(`${t.url}/console/cases/${appealId}`);
    await rev.waitForSelector('#h-decision');
    await rev.check('input[value=REJECT]');
    await rev.locator('input[name=reason]').first().check();
    await rev.fill('#buyerMessage', 'The name on the card does not match.');
    rev.on('dialog', (d) => void d.accept()); // a confirmation before an order-cancelling decision
    await rev.click('#h-decision ~ p button[type=submit]');
    await until('the decision', async () => {
      const r = await t.call('GET', `/api/v1/cases/${appealId}`, { token: reviewer.token });
      return r.body.status === 'REJECTED';
    });

    const finCtx = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const fin = await signIn(finCtx, finance);
    await fin.waitForURL('**/console/refunds');
    await fin.waitForFunction((id) => document.body.textContent?.includes(id), order.orderId, {
      timeout: 30_000,
    });
    await shoot(fin, `target-${kind}-finance`);
    expect(errors).toEqual([]);
  });
});
