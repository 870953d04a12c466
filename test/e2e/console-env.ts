// Shared setup of the console browser tests: the app on a test database with workers, staff of every
// role, a browser, and helpers to submit an appeal through the API, sign in and take screenshots in
// English and Chinese.
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createStaff } from '../../src/modules/staff/staff.service.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage, statementPdf } from '../support/images.ts';
import { DESKTOP, launch, shoot } from './browser.ts';
import { waitUntil } from '../support/wait.ts';

export const PASSWORD = 'e2e-password-long-enough';
const ROLES = [
  ['admin', ['ADMIN']],
  ['reviewer', ['REVIEWER']],
  ['lead', ['LEAD']],
  ['lead2', ['LEAD']],
  ['finance', ['FINANCE']],
  ['security', ['SECURITY']],
] as const;
export type Who = (typeof ROLES)[number][0];

export interface ConsoleEnv {
  env: TestEnv;
  server: TestServer;
  browser: Browser;
  call: ReturnType<typeof client>;
  who: Record<Who, { id: string; email: string }>;
  errors: string[];
  /** the inbound SMTP listener's port (useConsoleEnv({ inbound: true })), else null */
  inboundPort: number | null;
}

/**
 * Registers beforeAll/afterAll; the returned object is filled in once beforeAll has run. `config` overrides
 * settings; `inbound` also starts the e-mail channel's SMTP listener on a free loopback port.
 */
export function useConsoleEnv(opts: { config?: Record<string, string>; inbound?: boolean } = {}): ConsoleEnv {
  const ctx = { who: {}, errors: [] } as unknown as ConsoleEnv;
  let workers: WorkerSet | undefined;
  beforeAll(async () => {
    // the browser computes SLA countdowns with its own clock: keep the server's fake clock near it
    ctx.env = await createTestEnv(opts.config ?? {}, { clock: new FakeClock(new Date()) });
    ctx.server = await listen(createApp(ctx.env.deps));
    ctx.call = client(ctx.server.url);
    workers = await startWorkers(ctx.env.runtime, {
      mailer: createMailer(ctx.env.config, ctx.env.deps.logger),
      schedules: false,
      ...(opts.inbound ? { inboundPort: 0 } : {}),
    });
    ctx.inboundPort = workers.inbound?.port ?? null;
    for (const [k, roles] of ROLES) {
      const u = await createStaff(ctx.env.deps, {
        email: `${k}@console.test`,
        name: `${k[0]!.toUpperCase()}${k.slice(1)} Person`,
        password: PASSWORD,
        roles: [...roles],
        // leads are not routed cases: the reviewer gets them all
        ...(k.startsWith('lead') ? { maxOpenCases: 0 } : {}),
      });
      ctx.who[k] = { id: u.id, email: u.email };
    }
    ctx.browser = await launch();
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await workers?.close();
    await ctx.server?.close();
    await ctx.env?.close();
  });
  return ctx;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 30_000,
): Promise<T> {
  return waitUntil(what, fn, ms, 150);
}

/** A submitted, routed appeal through the API: passport, both card sides and a statement. */
export async function submitted(
  c: ConsoleEnv,
  over: Record<string, unknown> = {},
  opts: { pdf?: boolean; idImage?: Buffer } = {},
) {
  const body = blockedOrder(over);
  const reg = await c.call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
  expect(reg.status).toBe(201);
  const appealId = reg.body.appealId as string;
  const token = tokenFromUrl(reg.body.appealUrl);
  await c.call('PUT', `/api/v1/appeals/${appealId}/id-type`, { token, body: { idType: 'PASSPORT' } });
  for (const slot of ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'] as const) {
    const form = new FormData();
    form.append('slot', slot);
    if (slot === 'CARD_FRONT') form.append('cardLast4', (body.card as { last4: string }).last4);
    const pdf = slot === 'BILLING_STATEMENT' && opts.pdf;
    const bytes = pdf
      ? statementPdf(3)
      : slot === 'ID_FRONT' && opts.idImage
        ? opts.idImage
        : await sharp(await goodImage(slot))
            .jpeg()
            .toBuffer();
    form.append(
      'file',
      new Blob([new Uint8Array(bytes)], { type: pdf ? 'application/pdf' : 'image/jpeg' }),
      pdf ? 'statement.pdf' : 'x.jpg',
    );
    const up = await c.call('POST', `/api/v1/appeals/${appealId}/documents`, { token, rawBody: form });
    expect(up.status, up.text).toBe(201);
  }
  expect((await c.call('POST', `/api/v1/appeals/${appealId}/submit`, { token })).status).toBe(200);
  await waitFor('routing', async () => {
    const a = await c.env.deps.prisma.appeal.findUnique({ where: { id: appealId } });
    return a?.status === 'IN_REVIEW' && a.assigneeId;
  });
  return { appealId, orderId: body.orderId as string, token };
}

export async function signIn(
  c: ConsoleEnv,
  email: string,
  password = PASSWORD,
  context?: BrowserContext,
): Promise<Page> {
  const ctx = context ?? (await c.browser.newContext({ viewport: DESKTOP, locale: 'en-GB' }));
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) c.errors.push(m.text());
  });
  page.on('pageerror', (e) => c.errors.push(String(e)));
  await page.goto(`${c.server.url}/console`);
  await page.waitForSelector('#email');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#logout:not([hidden])');
  // the landing view replaces the sign-in form once its data is in (slow under load: admin's staff page
  // makes three calls); until then #view-title is still the form's
  await page.waitForSelector('#email', { state: 'detached' });
  await page.waitForSelector('#view-title');
  return page;
}

export async function lang(page: Page, l: 'en' | 'zh') {
  // a language change redraws the view: wait for the new one (its heading replaces the old one)
  const before = await page.$('#view-title');
  await page.selectOption('#lang', l);
  await page.waitForFunction((x) => document.documentElement.lang.startsWith(x), l);
  if (before) await page.waitForFunction((h) => !h.isConnected, before);
  await page.waitForSelector('#view-title');
  await page.waitForLoadState('networkidle');
}

/** The page at both sizes in Chinese and English (ends in English). */
export async function shots(page: Page, name: string, ready: string) {
  for (const l of ['zh', 'en'] as const) {
    await lang(page, l);
    await page.waitForSelector(ready);
    await shoot(page, `${name}-${l}`);
  }
}

export async function visibleNav(page: Page) {
  return page.$$eval('#nav a', (as) =>
    as.filter((a) => !(a as HTMLElement).hidden).map((a) => a.getAttribute('href')),
  );
}

/** A staff Bearer token through the login API (for arranging a test's data). */
export async function staffToken(c: ConsoleEnv, email: string, password = PASSWORD): Promise<string> {
  const r = await c.call('POST', '/api/v1/auth/login', { body: { email, password } });
  return r.body.token as string;
}
