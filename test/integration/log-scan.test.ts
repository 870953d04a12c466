// No secrets in logs: a full appeal through the API and the real workers (registration with a known card
// and buyer, uploads of generated photos, submission, routing, a staff login with a known password, a
// cookie request with the CSRF token, a rejection, a refund event, the e-mails), plus attempts to slip a
// full card number into text fields. Everything the process logged (API and workers share the pino
// destination env.logLines, at level trace) and everything written to stdout/stderr is then scanned:
// no appeal token, password, session or CSRF token, and no 13-19 digit run may appear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { generate } from 'otplib';
import { buyerCsrfToken } from '../../src/http/auth.ts';
import { setHostResolver } from '../../src/modules/webhooks/webhooks.address.ts';
import { startWorkers } from '../../workers/main.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage } from '../support/images.ts';
import { eventually, upload } from '../support/intake.ts';

const ADMIN_PASSWORD = 'Known-Admin-Secret-5519';
const REVIEWER_PASSWORD = 'Known-Reviewer-Secret-8842';
const WRONG_PASSWORD = 'Wrong-Guess-Secret-3307';
const TEST_CARD = '4111111111111111';
const PROVIDER_KEY = 'log-scan-provider-key-0042';
const BUYER_EMAIL = 'log.scan.buyer@example.com';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let workers: Awaited<ReturnType<typeof startWorkers>>;
const written: string[] = [];
const restore: (() => void)[] = [];

/** Tees a stream's writes into `written` (the test runner still prints them). */
function tee(stream: NodeJS.WriteStream): void {
  const original = stream.write.bind(stream);
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stream.write;
  restore.push(() => {
    stream.write = original as typeof stream.write;
  });
}

beforeAll(async () => {
  tee(process.stdout);
  tee(process.stderr);
  env = await createTestEnv({
    LOG_LEVEL: 'trace',
    ADMIN_PASSWORD,
    REFUND_PROVIDER_KEYS: PROVIDER_KEY,
  });
  server = await listen(createApp(env.deps));
  call = client(server.url);
  // the real mailer of the configuration (no SMTP_URL: .eml files under DATA_DIR, paths logged)
  workers = await startWorkers(env.runtime, { relay: true });
});
afterAll(async () => {
  await workers?.close();
  await server?.close();
  await env?.close();
  for (const r of restore) r();
});

/** Digit runs of 13-19 digits (also split by spaces or dashes) anywhere in a text. */
function digitRuns(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\d(?:[ -]?\d){12,18}/g)) {
    const digits = m[0].replace(/\D/g, '');
    if (digits.length >= 13 && digits.length <= 19) out.push(m[0]);
  }
  return out;
}

/**
 * A line without what is known not to be a card number: UUIDs (their hex groups can hold 13 digits in a
 * row across a dash) and BullMQ job-scheduler ids `repeat:<scheduler>:<epoch ms>` (13 digits by design).
 */
function withoutKnownIds(line: string): string {
  return line
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/"jobId":"repeat:[a-z0-9.-]+:\d{13}"/g, '"jobId":"repeat:<scheduler>:<ms>"');
}

describe('a full appeal leaves no secret in the logs', () => {
  it('token, passwords, session and CSRF tokens, card digits: none logged', async () => {
    const secrets: Record<string, string> = {
      'admin password': ADMIN_PASSWORD,
      'reviewer password': REVIEWER_PASSWORD,
      'wrong password': WRONG_PASSWORD,
      'provider key': PROVIDER_KEY,
      'test card': TEST_CARD,
    };

    // registration by the risk system, with a known card (last 4 only) and buyer
    const order = blockedOrder({
      buyer: { id: 'buyer-log-scan', email: BUYER_EMAIL, name: 'Lena Logscan', locale: 'en-GB' },
      card: { brand: 'VISA', last4: '1111', issuerCountry: 'GB' },
    });
    const reg = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: order });
    expect(reg.status).toBe(201);
    const appealId = reg.body.appealId as string;
    const token = tokenFromUrl(reg.body.appealUrl);
    secrets['appeal token'] = token;
    secrets['buyer csrf token'] = buyerCsrfToken(token);
    secrets['risk key'] = RISK_KEY;

    // a full card number where only free text or 4 digits belong: refused (400) or at least not logged
    const cardInName = await call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      body: blockedOrder({
        buyer: { id: 'b2', email: 'b2@example.com', name: `Card ${TEST_CARD}`, locale: 'en-GB' },
      }),
    });
    expect(cardInName.status).toBe(400);
    expect(cardInName.text).not.toContain(TEST_CARD);
    // an order id is the marketplace's own identifier (long numeric ids are normal): accepted, not logged
    const cardInOrderId = await call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      body: blockedOrder({ orderId: `ORD-${TEST_CARD}` }),
    });

    // the buyer: the link, then uploads through the cookie with the CSRF token
    const link = await call('GET', `/a/${token}`);
    expect(link.status).toBe(302);
    const buyerCookie = `ad_buyer=${token}`;
    const idType = await call('PUT', `/api/v1/appeals/${appealId}/id-type`, {
      body: { idType: 'PASSPORT' },
      headers: { cookie: buyerCookie, 'x-csrf-token': buyerCsrfToken(token) },
    });
    expect(idType.status).toBe(200);
    const a = { appealId, token, orderId: order.orderId };
    const badLast4 = await upload(call, a, {
      slot: 'CARD_FRONT',
      file: await goodImage('CARD_FRONT'),
      fields: { cardLast4: TEST_CARD },
    });
    expect(badLast4.status).toBe(400);
    for (const [slot, fields] of [
      ['ID_FRONT', {}],
      ['CARD_FRONT', { cardLast4: '1111' }],
      ['CARD_BACK', {}],
      ['BILLING_STATEMENT', {}],
    ] as const) {
      const r = await upload(call, a, { slot, file: await goodImage(slot), fields });
      expect(r.status).toBe(201);
    }

    // staff: the admin signs in (known password) and creates a reviewer; a wrong password is tried
    const adminLogin = await call('POST', '/api/v1/auth/login', {
      body: { email: env.config.ADMIN_EMAIL, password: ADMIN_PASSWORD },
    });
    expect(adminLogin.status).toBe(200);
    secrets['admin session'] = adminLogin.body.token;
    secrets['admin csrf'] = adminLogin.body.csrfToken;
    const created = await call('POST', '/api/v1/staff', {
      token: adminLogin.body.token,
      body: {
        email: 'log.scan.reviewer@staff.test',
        name: 'Rex Reviewer',
        password: REVIEWER_PASSWORD,
        roles: ['REVIEWER'],
      },
    });
    expect(created.status).toBe(201);
    // the admin enrols a TOTP second factor and signs in with a code: seed and codes are secrets too
    const enrol = await call('POST', '/api/v1/me/totp', { token: adminLogin.body.token });
    expect(enrol.status).toBe(200);
    secrets['totp seed'] = enrol.body.secret;
    const epoch = () => Math.floor(env.clock.now().getTime() / 1000);
    const firstCode = await generate({ secret: enrol.body.secret, epoch: epoch() });
    const confirm = await call('POST', '/api/v1/me/totp/confirm', {
      token: adminLogin.body.token,
      body: { totpCode: firstCode },
    });
    expect(confirm.status).toBe(204);
    env.clock.advance(30_000);
    const code = await generate({ secret: enrol.body.secret, epoch: epoch() });
    const mfaLogin = await call('POST', '/api/v1/auth/login', {
      body: { email: env.config.ADMIN_EMAIL, password: ADMIN_PASSWORD, totpCode: code },
    });
    expect(mfaLogin.status).toBe(200);
    secrets['admin mfa session'] = mfaLogin.body.token;
    // a webhook registration: its signing secret is shown once and never logged
    setHostResolver(async () => [{ address: '93.184.215.14', family: 4 }]);
    const hook = await call('POST', '/api/v1/webhooks', {
      token: RISK_KEY,
      body: { url: 'https://hooks.log-scan.example/in' },
    });
    setHostResolver(null);
    expect(hook.status).toBe(201);
    secrets['webhook secret'] = hook.body.secret;
    await call('DELETE', `/api/v1/webhooks/${hook.body.id}`, { token: RISK_KEY });
    const wrong = await call('POST', '/api/v1/auth/login', {
      body: { email: 'log.scan.reviewer@staff.test', password: WRONG_PASSWORD },
    });
    expect(wrong.status).toBe(401);
    const cardAsEmail = await call('POST', '/api/v1/auth/login', {
      body: { email: TEST_CARD, password: TEST_CARD },
    });
    expect(cardAsEmail.status).toBe(401);
    const login = await call('POST', '/api/v1/auth/login', {
      body: { email: 'log.scan.reviewer@staff.test', password: REVIEWER_PASSWORD },
    });
    expect(login.status).toBe(200);
    secrets['reviewer session'] = login.body.token;
    secrets['reviewer csrf'] = login.body.csrfToken;
    const staffCookie = `ad_staff=${login.body.token}`;

    // submission; the workers route it to the only reviewer
    const submit = await call('POST', `/api/v1/appeals/${appealId}/submit`, { token });
    expect(submit.status).toBe(200);
    await eventually(async () => {
      const row = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: appealId } });
      return row.assigneeId === created.body.id;
    }, 20_000);
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: appealId } })).assigneeId).toBe(
      created.body.id,
    );

    // the rejection through the cookie with the CSRF header; a card number in the buyer message
    const decision = await call('POST', `/api/v1/cases/${appealId}/decision`, {
      body: {
        decision: 'REJECT',
        reasonCodes: ['IMAGE_BLURRY'],
        buyerMessage: `Please do not send ${TEST_CARD}.`,
        internalNote: `card ${TEST_CARD}`,
      },
      headers: { cookie: staffCookie, 'x-csrf-token': login.body.csrfToken },
    });
    // refused without repeating the number; the decision is then made without it
    expect(decision.status).toBe(400);
    expect(decision.text).not.toContain(TEST_CARD);
    const ok = await call('POST', `/api/v1/cases/${appealId}/decision`, {
      body: { decision: 'REJECT', reasonCodes: ['IMAGE_BLURRY'], buyerMessage: 'Please retake the photos.' },
      headers: { cookie: staffCookie, 'x-csrf-token': login.body.csrfToken },
    });
    expect(ok.status).toBe(200);
    const refundId = ok.body.refundId as string;
    expect(refundId).toMatch(/^[0-9a-f-]{36}$/);

    // the provider's callback
    const ev = await call('POST', `/api/v1/refunds/${refundId}/events`, {
      token: PROVIDER_KEY,
      body: { type: 'SUBMITTED', providerRef: 'psp-ref-778' },
      headers: { 'idempotency-key': 'log-scan-event-1' },
    });
    expect(ev.status).toBe(200);

    // logout (the session ends), then the e-mails go out through the worker
    const out = await call('POST', '/api/v1/auth/logout', { token: login.body.token });
    expect(out.status).toBe(204);
    await eventually(
      async () => (await env.deps.prisma.outboxMessage.count({ where: { status: { not: 'DONE' } } })) === 0,
      20_000,
    );
    const pending = await env.deps.prisma.outboxMessage.findMany({
      where: { status: { not: 'DONE' } },
      select: { topic: true, status: true },
    });
    expect(pending).toEqual([]);

    // what was logged: enough to show the flow was captured (requests, jobs, mail)
    const lines = env.logLines;
    const all = [...lines, ...written];
    expect(lines.some((l) => l.includes(appealId))).toBe(true);
    expect(lines.some((l) => l.includes('"queue"'))).toBe(true);
    expect(lines.filter((l) => l.includes('"req"')).length).toBeGreaterThan(15);

    const leaks: string[] = [];
    for (const [what, secret] of Object.entries(secrets)) {
      const hits = all.filter((l) => l.includes(secret));
      if (hits.length) leaks.push(`${what}: ${hits.length} line(s), e.g. ${hits[0]!.slice(0, 300)}`);
    }
    const runs = all.flatMap((l) => digitRuns(withoutKnownIds(l)).map((r) => `${r} in ${l.slice(0, 300)}`));
    expect(leaks).toEqual([]);
    expect(runs).toEqual([]);
    console.log(
      `log-scan: ${lines.length} log lines, ${written.length} stdout/stderr writes scanned; ` +
        `card in buyer name -> ${cardInName.status}, in orderId -> ${cardInOrderId.status}, ` +
        `in decision message -> ${decision.status}`,
    );
  }, 120_000);
});
