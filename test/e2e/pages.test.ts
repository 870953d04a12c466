// The end-to-end flow in a real browser: a buyer opens the link, uploads the five documents (one
// rejected and replaced) and submits; a reviewer asks for one document again; the buyer redoes it; the
// reviewer approves; a second appeal is rejected and its refund appears in the finance view; the CSV
// downloads. Also measures the bytes My Appeal transfers on a first visit. Screenshots of every page at
// phone and desktop sizes go to test-results/screenshots/.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import { createApp } from '../../src/app.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { createStaff } from '../../src/modules/staff/staff.service.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage, type GoodVariant } from '../support/images.ts';
import { DESKTOP, launch, PHONE, shoot } from './browser.ts';
import { waitFor } from './console-env.ts';

const PASSWORD = 'e2e-password-long-enough';
let env: TestEnv;
let server: TestServer;
let workers: WorkerSet;
let browser: Browser;
let call: ReturnType<typeof client>;
const staff: Record<'reviewer' | 'lead' | 'finance', { id: string; email: string }> = {} as never;

async function register(over: Record<string, unknown> = {}) {
  const body = blockedOrder(over);
  const res = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
  expect(res.status).toBe(201);
  return {
    orderId: body.orderId,
    appealId: res.body.appealId as string,
    token: tokenFromUrl(res.body.appealUrl),
  };
}

async function assignedTo(appealId: string) {
  return waitFor('routing to a reviewer', async () => {
    const a = await env.deps.prisma.appeal.findUnique({ where: { id: appealId } });
    return a?.status === 'IN_REVIEW' && a.assigneeId ? a.assigneeId : null;
  });
}

function file(name: string, buffer: Buffer, mimeType = 'image/jpeg') {
  return { name, mimeType, buffer };
}

async function upload(page: Page, slot: string, f: ReturnType<typeof file>) {
  await page.locator(`#slot-${slot} input.file`).setInputFiles(f);
}

async function badge(page: Page, slot: string) {
  return (await page.locator(`#slot-${slot} .badge`).textContent())?.trim();
}

async function signIn(ctx: BrowserContext, email: string): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${server.url}/console`);
  await page.waitForSelector('#email');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('#logout:not([hidden])');
  return page;
}

const consoleErrors: string[] = [];
function watch(page: Page) {
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
}

beforeAll(async () => {
  // the browser computes SLA countdowns with its own clock: keep the server's fake clock near it
  env = await createTestEnv({}, { clock: new FakeClock(new Date()) });
  server = await listen(createApp(env.deps));
  call = client(server.url);
  workers = await startWorkers(env.runtime, {
    mailer: createMailer(env.config, env.deps.logger),
    schedules: false,
  });
  for (const [k, roles] of [
    ['reviewer', ['REVIEWER']],
    ['lead', ['LEAD']],
    ['finance', ['FINANCE']],
  ] as const) {
    const u = await createStaff(env.deps, {
      email: `${k}@appeal.test`,
      name: `${k[0]!.toUpperCase()}${k.slice(1)} Person`,
      password: PASSWORD,
      roles: [...roles],
    });
    staff[k] = { id: u.id, email: u.email };
  }
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await workers?.close();
  await server?.close();
  await env?.close();
});

describe('pages', () => {
  it('serves the pages with a strict CSP, versioned cacheable assets and no inline script', async () => {
    const page = await call('GET', '/appeal');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/<script>|<style|style=|onclick=/i);
    const src = /src="(\/static\/appeal\.js\?v=[0-9a-f]{12})"/.exec(page.text)?.[1];
    expect(src).toBeDefined();
    const js = await call('GET', src!);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=604800, immutable');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await call('GET', '/static/nope.js')).status).toBe(404);
    const consolePage = await call('GET', '/console/cases/x');
    expect(consolePage.status).toBe(200);
    expect(consolePage.text).toContain('/static/console.js?v=');
  });

  it('runs the whole flow: upload with a rejection, more info, approve; reject, refund, CSV', async () => {
    const first = await register({ amount: { value: 12_999, currency: 'EUR' } });
    const images: Record<string, Buffer> = {};
    for (const v of [
      'ID_FRONT',
      'ID_BACK',
      'CARD_FRONT',
      'CARD_BACK',
      'BILLING_STATEMENT',
      'OTHER',
    ] as GoodVariant[])
      images[v] = await goodImage(v);
    const small = await sharp(images.ID_BACK).resize(600, 450, { fit: 'fill' }).jpeg().toBuffer();

    // ---- the buyer, on a phone
    const buyerCtx = await browser.newContext({ viewport: PHONE, locale: 'en-GB', acceptDownloads: true });
    const buyer = await buyerCtx.newPage();
    watch(buyer);
    // the link from the e-mail: sets the cookie and lands on /appeal
    await buyer.goto(`${server.url}/a/${first.token}`);
    expect(new URL(buyer.url()).pathname).toBe('/appeal');
    await buyer.waitForSelector('#page:not([hidden])');
    expect(await buyer.textContent('#f-order')).toBe(first.orderId);
    expect(await buyer.textContent('#f-amount')).toBe('€129.99');
    expect(await buyer.textContent('#f-card')).toBe('Visa ending 4242');
    expect((await buyer.textContent('#why-title'))?.length).toBeGreaterThan(10);
    await shoot(buyer, '01-appeal-start');

    await buyer.check('input[value=ID_CARD]');
    await buyer.waitForSelector('#slot-ID_BACK:not([hidden])');
    expect(await buyer.isDisabled('#submit')).toBe(true);

    await upload(buyer, 'ID_FRONT', file('id-front.jpg', images.ID_FRONT!));
    await buyer.waitForFunction(
      () => document.querySelector('#slot-ID_FRONT .badge')?.textContent === 'Accepted',
    );

    // too small: rejected with the measured size in plain words, then replaced
    await upload(buyer, 'ID_BACK', file('id-back-small.jpg', small));
    await buyer.waitForSelector('#slot-ID_BACK .verdict.bad li');
    const verdict = await buyer.textContent('#slot-ID_BACK .verdict');
    expect(verdict).toMatch(/600/);
    expect(verdict).toMatch(/450/);
    expect(await badge(buyer, 'ID_BACK')).toBe('Needed');
    await shoot(buyer, '02-appeal-rejected-upload');
    await upload(buyer, 'ID_BACK', file('id-back.jpg', images.ID_BACK!));
    await buyer.waitForFunction(
      () => document.querySelector('#slot-ID_BACK .badge')?.textContent === 'Accepted',
    );

    // CARD_FRONT needs the visible last 4 first
    await upload(buyer, 'CARD_FRONT', file('card-front.jpg', images.CARD_FRONT!));
    await buyer.waitForSelector('#slot-CARD_FRONT .verdict.bad');
    expect(await buyer.textContent('#slot-CARD_FRONT .verdict')).toContain('Enter the 4 digits');
    await buyer.fill('#slot-CARD_FRONT .l4', '4242');
    await buyer.click('#slot-CARD_FRONT .retry');
    await buyer.waitForFunction(
      () => document.querySelector('#slot-CARD_FRONT .badge')?.textContent === 'Accepted',
    );
    await upload(buyer, 'CARD_BACK', file('card-back.jpg', images.CARD_BACK!));
    await buyer.waitForFunction(
      () => document.querySelector('#slot-CARD_BACK .badge')?.textContent === 'Accepted',
    );
    expect(await buyer.isDisabled('#submit')).toBe(true);
    await upload(buyer, 'BILLING_STATEMENT', file('statement.jpg', images.BILLING_STATEMENT!));
    await buyer.waitForFunction(
      () => document.querySelector('#slot-BILLING_STATEMENT .badge')?.textContent === 'Accepted',
    );
    expect(await buyer.isDisabled('#submit')).toBe(false);
    await shoot(buyer, '03-appeal-ready');
    await buyer.click('#submit');
    await buyer.waitForSelector('#docs[hidden]', { state: 'attached' });
    expect(await buyer.textContent('#answer-by')).toMatch(
      /^You will get an answer by \w{3}, \d{1,2} \w+ 20\d\d\.$/,
    );
    await shoot(buyer, '04-appeal-submitted');

    // ---- the reviewer, on a desktop
    expect(await assignedTo(first.appealId)).toBe(staff.reviewer.id);
    const revCtx = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const reviewer = await signIn(revCtx, staff.reviewer.email);
    watch(reviewer);
    // The case page shows the real watermarked images (GET .../documents/:docId/image); the page's
    // "image not available" fallback is checked on the second case below with a stubbed 410.
    const docRow = await env.deps.prisma.document.findFirstOrThrow({ where: { appealId: first.appealId } });
    const login = await call('POST', '/api/v1/auth/login', {
      body: { email: staff.reviewer.email, password: PASSWORD },
    });
    const probe = await call('GET', `/api/v1/cases/${first.appealId}/documents/${docRow.id}/image`, {
      token: login.body.token,
    });
    expect([probe.status, probe.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    await reviewer.waitForSelector(`tr[data-id="${first.appealId}"]`);
    await shoot(reviewer, '05-console-queue');
    // keyboard: the first row is selected; Enter opens it
    await reviewer.locator('body').press('j');
    await reviewer.locator('#view-title').focus();
    await reviewer.keyboard.press('Enter');
    await reviewer.waitForURL(`**/console/cases/${first.appealId}`);
    await reviewer.waitForSelector('#h-decision');
    expect(await reviewer.locator('.doc').count()).toBe(5);
    // every document shows its watermarked picture
    await reviewer.waitForFunction(() =>
      [...document.querySelectorAll('.doc img')].every((i) => (i as HTMLImageElement).naturalWidth > 0),
    );
    expect(await reviewer.locator('.doc ul.checks li').count()).toBeGreaterThanOrEqual(5 * 8);
    const firstDoc = reviewer.locator('.doc').first();
    await firstDoc.getByRole('button', { name: 'Zoom in' }).click();
    await firstDoc.getByRole('button', { name: /Rotate/ }).click();
    expect(await firstDoc.locator('img').evaluate((i) => (i as HTMLImageElement).style.transform)).toBe(
      'translate(0px, 0px) rotate(90deg) scale(1.25)',
    );
    await reviewer.check('input[value=REQUEST_MORE_INFO]');
    await reviewer.locator('input[name=reason]').first().check();
    await reviewer.check('input[name=slot][value=CARD_BACK]');
    await reviewer.fill('#buyerMessage', 'Please cover the CVV and take the photo again.');
    const preview = await reviewer.textContent('#buyer-preview');
    expect(preview).toContain('Please cover the CVV and take the photo again.');
    expect(preview!.length).toBeGreaterThan('Please cover the CVV and take the photo again.'.length + 5);
    await shoot(reviewer, '06-console-case');
    await reviewer.click('#h-decision ~ p button[type=submit]');
    await waitFor(
      'more info',
      async () =>
        (await env.deps.prisma.appeal.findUnique({ where: { id: first.appealId } }))?.status ===
        'MORE_INFO_REQUESTED',
    );

    // ---- the buyer redoes the slot
    await buyer.reload();
    await buyer.waitForSelector('#slot-CARD_BACK .badge');
    expect(await badge(buyer, 'CARD_BACK')).toBe('Please send again');
    expect(await buyer.textContent('#timeline')).toContain('Please send again: Card: back');
    expect(await buyer.isHidden('#slot-ID_FRONT .pick')).toBe(true);
    await shoot(buyer, '07-appeal-more-info');
    await upload(buyer, 'CARD_BACK', file('card-back-2.jpg', images.OTHER!));
    await buyer.waitForFunction(
      () => document.querySelector('#slot-CARD_BACK .badge')?.textContent === 'Accepted',
    );
    await buyer.click('#submit');
    await buyer.waitForSelector('#docs[hidden]', { state: 'attached' });

    // ---- the reviewer approves
    expect(await assignedTo(first.appealId)).toBe(staff.reviewer.id);
    await reviewer.goto(`${server.url}/console/cases/${first.appealId}`);
    await reviewer.waitForSelector('#h-decision');
    await reviewer.check('input[value=APPROVE]');
    await reviewer.click('#h-decision ~ p button[type=submit]');
    await waitFor(
      'approved',
      async () =>
        (await env.deps.prisma.appeal.findUnique({ where: { id: first.appealId } }))?.status === 'APPROVED',
    );
    await buyer.reload();
    await buyer.waitForSelector('#timeline li');
    expect(await buyer.textContent('#timeline')).toContain('Approved');
    await shoot(buyer, '08-appeal-approved');

    // ---- a second appeal (through the API) is rejected in the console
    const second = await register({
      amount: { value: 45_000, currency: 'GBP' },
      buyer: { id: 'buyer-2', email: 'buyer2@example.com', name: '李雷', locale: 'zh-CN' },
    });
    const auth = { token: second.token };
    expect(
      (
        await call('PUT', `/api/v1/appeals/${second.appealId}/id-type`, {
          ...auth,
          body: { idType: 'PASSPORT' },
        })
      ).status,
    ).toBe(200);
    for (const [slot, v] of [
      ['ID_FRONT', 'ID_FRONT'],
      ['CARD_FRONT', 'CARD_FRONT'],
      ['CARD_BACK', 'CARD_BACK'],
      ['BILLING_STATEMENT', 'BILLING_STATEMENT'],
    ] as const) {
      const form = new FormData();
      form.append('slot', slot);
      if (slot === 'CARD_FRONT') form.append('cardLast4', '4242');
      form.append(
        'file',
        // mirrored, so the second buyer's photos are not the first buyer's images; not turned upside down:
        // on these photo crops (not documents) the region finder then picks a flat patch and sharpness fails
        new Blob([new Uint8Array(await sharp(images[v]!).flop().jpeg().toBuffer())], {
          type: 'image/jpeg',
        }),
        'x.jpg',
      );
      const up = await call('POST', `/api/v1/appeals/${second.appealId}/documents`, {
        ...auth,
        rawBody: form,
      });
      expect(up.status, up.text).toBe(201);
    }
    expect((await call('POST', `/api/v1/appeals/${second.appealId}/submit`, auth)).status).toBe(200);
    await assignedTo(second.appealId);
    // an image the server cannot give (e.g. purged by retention: 410) leaves a note, not an empty frame
    await reviewer.route('**/api/v1/cases/*/documents/*/image**', (r) =>
      r.fulfill({
        status: 410,
        contentType: 'application/json',
        body: '{"error":{"code":"DOCUMENT.PURGED"}}',
      }),
    );
    await reviewer.goto(`${server.url}/console/cases/${second.appealId}`);
    await reviewer.waitForSelector('#h-decision');
    await reviewer.waitForSelector('.doc .notice:not([hidden])');
    expect(await reviewer.locator('.doc .notice').first().textContent()).toContain(
      'The image is not available',
    );
    expect(await reviewer.locator('.doc .tools').first().isHidden()).toBe(true);
    await reviewer.unroute('**/api/v1/cases/*/documents/*/image**');
    await reviewer.check('input[value=REJECT]');
    await reviewer.locator('input[name=reason]').first().check();
    await reviewer.click('#h-decision ~ p button[type=submit]');
    // a rejection cancels the order: the form asks first
    await reviewer.waitForSelector('#reject-confirm:not([hidden])');
    expect(await reviewer.textContent('#reject-confirm')).toContain('£450.00');
    await reviewer.click('#reject-yes');
    const refund = await waitFor('refund', () =>
      env.deps.prisma.refund.findFirst({ where: { appealId: second.appealId } }),
    );

    // ---- the lead's page
    const leadCtx = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const lead = await signIn(leadCtx, staff.lead.email);
    watch(lead);
    await lead.goto(`${server.url}/console/leads`);
    await lead.waitForSelector('svg.chart rect');
    expect(await lead.locator('svg.chart').first().getAttribute('aria-label')).toMatch(/Within target \d+/);
    await shoot(lead, '09-console-leads');

    // ---- finance sees the refund, records an event and downloads the CSV
    const finCtx = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', acceptDownloads: true });
    const fin = await signIn(finCtx, staff.finance.email);
    watch(fin);
    await fin.waitForURL('**/console/refunds');
    await fin.waitForSelector(`tr[data-id="${refund.id}"]`);
    expect(await fin.textContent(`tr[data-id="${refund.id}"]`)).toContain(second.orderId);
    expect(await fin.textContent('#totals')).toContain('GBP: £450.00 (1)');
    await fin.selectOption(`tr[data-id="${refund.id}"] select`, 'SUBMITTED');
    await fin.fill(`tr[data-id="${refund.id}"] input`, 'PSP-REF-42');
    await fin.click(`tr[data-id="${refund.id}"] button`);
    await fin.waitForFunction(
      (id) => document.querySelector(`tr[data-id="${id}"]`)?.textContent?.includes('PSP-REF-42'),
      refund.id,
    );
    await shoot(fin, '10-console-refunds');
    const [download] = await Promise.all([fin.waitForEvent('download'), fin.click('#csv')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(download.suggestedFilename()).toMatch(/^refunds-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(csv).toContain(second.orderId);
    expect(csv).toContain('PSP-REF-42');

    // the buyer of the rejected appeal sees the refund window
    const buyer2Ctx = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' });
    const buyer2 = await buyer2Ctx.newPage();
    watch(buyer2);
    await buyer2.goto(`${server.url}/a/${second.token}`);
    await buyer2.waitForSelector('#timeline li');
    expect(await buyer2.textContent('h1')).toBe('我的申诉');
    expect(await buyer2.textContent('#timeline')).toContain('未通过');
    // the page speaks the order's locale, and the rejection shows the catalogue text of its reason
    const [reason] = (
      await env.deps.prisma.decision.findFirstOrThrow({ where: { appealId: second.appealId } })
    ).reasonCodes;
    const reasonText = await env.deps.prisma.reasonCode.findUniqueOrThrow({ where: { code: reason! } });
    expect(await buyer2.textContent('#timeline')).toContain(reasonText.buyerTextZh);
    await shoot(buyer2, '11-appeal-rejected-zh');

    // the login page itself
    const anon = await browser.newPage({ viewport: DESKTOP });
    await anon.goto(`${server.url}/console`);
    await anon.waitForSelector('#email');
    await shoot(anon, '00-console-login');
    expect(consoleErrors).toEqual([]);
  });

  it('measures the bytes My Appeal transfers on a first visit (< 100 KB)', async () => {
    const a = await register();
    const ctx = await browser.newContext({ viewport: PHONE });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const urls = new Map<string, string>();
    const bytes = new Map<string, number>();
    cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
    cdp.on('Network.loadingFinished', (e) => bytes.set(e.requestId, e.encodedDataLength));
    await page.goto(`${server.url}/a/${a.token}`);
    await page.waitForSelector('#page:not([hidden])');
    await page.waitForLoadState('networkidle');
    let assets = 0;
    let api = 0;
    const lines: string[] = [];
    for (const [id, n] of bytes) {
      const u = new URL(urls.get(id) ?? 'http://x/unknown');
      if (u.pathname.startsWith('/api/')) api += n;
      else assets += n;
      lines.push(`${String(n).padStart(7)}  ${u.pathname}`);
    }
    console.log(
      `My Appeal first visit:\n${lines.join('\n')}\n  page + assets: ${assets} B; API JSON: ${api} B`,
    );
    expect(assets).toBeGreaterThan(5_000);
    expect(assets + api).toBeLessThan(100 * 1024);
    await ctx.close();
  });

  it('a buyer withdraws the appeal after a confirmation and sees the refund window', async () => {
    const a = await register();
    const ctx = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
    const page = await ctx.newPage();
    watch(page);
    await page.goto(`${server.url}/a/${a.token}`);
    await page.waitForSelector('#page:not([hidden])');
    // the first press only asks; Escape closes the question and gives the focus back
    await page.click('#withdraw');
    expect(await page.isVisible('#withdraw-confirm')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('withdraw-q');
    expect(await page.getAttribute('#withdraw', 'aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#withdraw-confirm')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('withdraw');
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } })).status).toBe(
      'AWAITING_DOCUMENTS',
    );
    await page.click('#withdraw');
    await shoot(page, '12-appeal-withdraw-confirm');
    await page.click('#withdraw-yes');
    await page.waitForFunction(() => document.querySelector('#withdraw-card')?.hasAttribute('hidden'));
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } })).status).toBe(
      'WITHDRAWN',
    );
    const timeline = await page.textContent('#timeline');
    expect(timeline).toContain('You withdrew the appeal; the order was cancelled.');
    expect(timeline).toMatch(/€129\.99 should reach your account between .+ and .+\./);
    expect(timeline).not.toContain('Submitted');
    expect(await page.textContent('#status-msg')).toBe('Your appeal was withdrawn and the order cancelled.');
    expect(await page.isHidden('#docs')).toBe(true);
    await shoot(page, '13-appeal-withdrawn');
    expect(consoleErrors).toEqual([]);
    await ctx.close();
  });
});
