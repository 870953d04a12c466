// Abuse limits on the real Redis (each test env has its own key prefix), driven by the FakeClock.
// TRUST_PROXY=1 (one proxy hop) so each test can speak from its own client address (X-Forwarded-For).
import { randomUUID } from 'node:crypto';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { errorHandler } from '../../src/http/error-handler.ts';
import { LIMITS, rateLimit, rateLimitKey } from '../../src/http/rate-limit.ts';
import { producerConnection } from '../../src/platform/redis.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let n = 0;
const newIp = () => `198.51.100.${++n}`;
const from = (ip: string, more: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...more });

beforeAll(async () => {
  env = await createTestEnv({ TRUST_PROXY: '1' });
  env.clock.set('2026-03-02T09:00:00Z'); // on a 10-minute (and hour) boundary
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterAll(async () => {
  await server.close();
  await env.close();
});

/** Spends `count` of a limit's budget for `key` in the current window, as that many requests would. */
async function preSpend(name: string, windowMs: number, key: string, count: number) {
  const bucket = Math.floor(env.clock.now().getTime() / windowMs);
  await env.deps.redis.set(
    rateLimitKey(env.config.QUEUE_PREFIX, name, bucket, key),
    String(count),
    'PX',
    windowMs,
  );
}

async function miniApp(rule: Parameters<typeof rateLimit>[1], deps = env.deps) {
  const app = express();
  app.set('trust proxy', 1);
  app.get('/x', rateLimit(deps, rule), (_req, res) => {
    res.status(res.req.query.fail ? 401 : 200).json({ ok: true });
  });
  app.use(errorHandler);
  const s = await listen(app);
  return { s, get: (q = '', ip = '203.0.113.1') => client(s.url)('GET', `/x${q}`, { headers: from(ip) }) };
}

describe('rateLimit', () => {
  it('counts requests per key in fixed windows; 429 RATE_LIMITED with Retry-After to the window end', async () => {
    const { s, get } = await miniApp({
      name: `t-${randomUUID()}`,
      windowMs: 60_000,
      max: 3,
      key: (r) => r.ip!,
    });
    env.clock.set('2026-03-02T09:00:15Z');
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    const r = await get();
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('45');
    expect(r.body).toEqual({
      error: {
        code: 'RATE_LIMITED',
        message: 'Too many requests; try again later.',
        details: { limit: expect.any(String), retryAfterSeconds: 45 },
      },
    });
    expect((await get('', '203.0.113.2')).status).toBe(200); // another key has its own budget
    env.clock.set('2026-03-02T09:01:00Z');
    expect((await get()).status).toBe(200); // next window
    await s.close();
  });

  it('with countIf, only counted responses spend the budget', async () => {
    const { s, get } = await miniApp({
      name: `t-${randomUUID()}`,
      windowMs: 60_000,
      max: 2,
      key: (r) => r.ip!,
      countIf: (_req, res) => res.statusCode === 401,
    });
    for (let i = 0; i < 10; i++) expect((await get()).status).toBe(200);
    expect((await get('?fail=1')).status).toBe(401);
    expect((await get('?fail=1')).status).toBe(401);
    expect((await get()).status).toBe(429); // the budget of failures is spent: everything is refused
    await s.close();
  });

  it('fails open when Redis is down (logged once), or closed with 503 when asked to', async () => {
    const dead = producerConnection('redis://127.0.0.1:1', { retryStrategy: () => null });
    dead.on('error', () => {});
    const deps = { ...env.deps, redis: dead };
    const before = env.logLines.length;
    const open = await miniApp({ name: 'down-open', windowMs: 60_000, max: 1, key: () => 'k' }, deps);
    for (let i = 0; i < 3; i++) expect((await open.get()).status).toBe(200);
    const warnings = env.logLines.slice(before).filter((l) => l.includes('rate limit skipped'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ limit: 'down-open', onRedisDown: 'open', level: 40 });
    const closed = await miniApp(
      { name: 'down-closed', windowMs: 60_000, max: 1, key: () => 'k', onRedisDown: 'closed' },
      deps,
    );
    const r = await closed.get();
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('DEPENDENCY.UNAVAILABLE');
    await open.s.close();
    await closed.s.close();
    dead.disconnect();
  });
});

describe('limits mounted in the app', () => {
  it('token guessing: 20 failed appeal tokens per IP in 10 minutes, then 429 even for a good token', async () => {
    const reg = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
    const good = tokenFromUrl(reg.body.appealUrl);
    const ip = newIp();
    const { max } = LIMITS.appealTokenFailures;
    for (let i = 0; i < max; i++) {
      const r =
        i % 2
          ? await call('GET', `/api/v1/appeals/${reg.body.appealId}`, {
              token: `apl_guess${i}`,
              headers: from(ip),
            })
          : await call('GET', `/a/apl_guess${i}`, { headers: from(ip) });
      expect(r.status).toBe(401);
    }
    const blocked = await call('GET', `/api/v1/appeals/${reg.body.appealId}`, {
      token: good,
      headers: from(ip),
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call('GET', `/a/${good}`, { headers: from(ip) })).status).toBe(429);
    // another address is unaffected, and the good token works there
    const other = await call('GET', `/api/v1/appeals/${reg.body.appealId}`, {
      token: good,
      headers: from(newIp()),
    });
    expect(other.status).toBe(200);
    // successful requests never count
    const ip2 = newIp();
    for (let i = 0; i < max + 5; i++)
      expect(
        (await call('GET', `/api/v1/appeals/${reg.body.appealId}`, { token: good, headers: from(ip2) }))
          .status,
      ).toBe(200);
    env.clock.advance(LIMITS.appealTokenFailures.windowMs);
    expect((await call('GET', `/a/${good}`, { headers: from(ip) })).status).toBe(302);
  });

  it('appeal URLs without credentials: a generous per-IP cap', async () => {
    const ip = newIp();
    const { max, windowMs } = LIMITS.appealAnonymous;
    // spend all but 2 of the budget directly, then watch the last 2 pass and the next one fail
    await preSpend('appeal-anonymous', windowMs, ip, max - 2);
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await call('GET', `/api/v1/appeals/${randomUUID()}`, { headers: from(ip) })).status);
    expect(statuses).toEqual([401, 401, 429]);
    // with a credential the anonymous budget does not apply
    expect(
      (await call('GET', `/api/v1/appeals/${randomUUID()}`, { token: 'apl_x', headers: from(ip) })).status,
    ).toBe(401);
  });

  it('failed logins per IP: 30 in 15 minutes, then 429 for that address only', async () => {
    env.clock.set('2026-03-03T09:00:00Z');
    const ip = newIp();
    const { max, windowMs } = LIMITS.loginFailuresPerIp;
    const login = (email: string, password: string, addr: string) =>
      call('POST', '/api/v1/auth/login', { body: { email, password }, headers: from(addr) });
    // a success does not count
    expect((await login(env.config.ADMIN_EMAIL, env.config.ADMIN_PASSWORD, ip)).status).toBe(200);
    await preSpend('login-failures-ip', windowMs, ip, max - 2);
    expect((await login('nobody1@staff.test', 'wrong-password-123', ip)).status).toBe(401);
    expect((await login('nobody2@staff.test', 'wrong-password-123', ip)).status).toBe(401);
    const blocked = await login(env.config.ADMIN_EMAIL, env.config.ADMIN_PASSWORD, ip);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    expect(blocked.headers.get('retry-after')).toBe(String(windowMs / 1000));
    expect((await login(env.config.ADMIN_EMAIL, env.config.ADMIN_PASSWORD, newIp())).status).toBe(200);
  });

  it('uploads: 30 per appeal per hour, counted for the buyer of that appeal only', async () => {
    env.clock.set('2026-03-04T10:00:00Z');
    const a = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
    const b = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
    const tokenA = tokenFromUrl(a.body.appealUrl);
    const tokenB = tokenFromUrl(b.body.appealUrl);
    const upload = (appealId: string, token: string) =>
      call('POST', `/api/v1/appeals/${appealId}/documents`, {
        token,
        rawBody: new FormData(), // no file: refused by the route, still an attempt
        headers: from(newIp()),
      });
    // another buyer posting to A's id does not spend A's budget
    for (let i = 0; i < 5; i++) expect((await upload(a.body.appealId, tokenB)).status).toBe(404);
    const { max } = LIMITS.uploadsPerAppeal;
    for (let i = 0; i < max; i++) expect((await upload(a.body.appealId, tokenA)).status).not.toBe(429);
    const blocked = await upload(a.body.appealId, tokenA);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('3600');
    expect((await upload(b.body.appealId, tokenB)).status).not.toBe(429);
    env.clock.advance(60 * 60_000);
    expect((await upload(a.body.appealId, tokenA)).status).not.toBe(429);
  });

  it('TRUST_PROXY=1: a rotated X-Forwarded-For does not reset a limit (the proxy-appended entry counts)', async () => {
    env.clock.set('2026-03-05T09:00:00Z');
    const real = newIp();
    const { max } = LIMITS.loginFailuresPerIp;
    // the client writes whatever it likes in front; the proxy (one hop) appends the address it saw
    const spoofed = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i % 250}, ${real}` });
    for (let i = 0; i < max; i++) {
      const r = await call('POST', '/api/v1/auth/login', {
        body: { email: `rot${i}@staff.test`, password: 'wrong-password-123' },
        headers: spoofed(i),
      });
      expect(r.status).toBe(401);
    }
    const blocked = await call('POST', '/api/v1/auth/login', {
      body: { email: env.config.ADMIN_EMAIL, password: env.config.ADMIN_PASSWORD },
      headers: spoofed(999),
    });
    expect([blocked.status, blocked.body.error?.code]).toEqual([429, 'RATE_LIMITED']);
    // and the audited address is the one the proxy saw, not the client's invention
    const last = await env.deps.prisma.auditLog.findFirst({
      where: { action: 'LOGIN_FAILED' },
      orderBy: { id: 'desc' },
    });
    expect(last?.ip).toBe(real);
  });

  it('parallel failures are reserved before they run: 30 at once spend the budget, never more pass', async () => {
    const { s, get } = await miniApp({
      name: `par-${randomUUID()}`,
      windowMs: 60_000,
      max: 5,
      key: () => 'same',
      countIf: (_req, res) => res.statusCode === 401,
    });
    const answers = await Promise.all(Array.from({ length: 30 }, () => get('?fail=1')));
    const passed = answers.filter((a) => a.status === 401).length;
    expect(passed).toBe(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(25);
    await s.close();
  });

  it('service-key guessing: 10 refused keys per IP, then 429 even for the right key', async () => {
    env.clock.set('2026-03-06T09:00:00Z');
    const ip = newIp();
    const { max } = LIMITS.serviceKeyFailures;
    for (let i = 0; i < max; i++) {
      const r = await call('GET', '/api/v1/webhooks', { token: `guess-${i}`, headers: from(ip) });
      expect(r.status).toBe(401);
    }
    const blocked = await call('GET', '/api/v1/webhooks', { token: RISK_KEY, headers: from(ip) });
    expect(blocked.status).toBe(429);
    // a good key from another address is not affected, and successes do not spend the budget
    for (let i = 0; i < max + 2; i++)
      expect(
        (await call('GET', '/api/v1/webhooks', { token: RISK_KEY, headers: from(newIp()) })).status,
      ).toBe(200);
  });
});
