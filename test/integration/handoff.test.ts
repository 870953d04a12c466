// "Continue on your phone" (issue 20 point 4): a one-time code issued to the buyer of the appeal, stored
// only as its hash, exchanged once (POST /h/:code) for the same session cookie the appeal link gives,
// refused when used (410), expired after 3 minutes of the business clock (410) or unknown (404), never
// containing the appeal token, rate-limited per appeal and per IP, and audited.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/platform/crypto.ts';
import type { TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import type { TestServer } from '../support/http.ts';
import { type Call, startApiEnv, stopApiEnv } from '../support/api-env.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;

beforeAll(async () => {
  ({ env, server, call } = await startApiEnv());
});
afterAll(() => stopApiEnv(env, server));
// every test in a fresh rate-limit window (the windows follow the fake business clock)
beforeEach(() => env.clock.advance(60 * 60_000));

let n = 0;
async function newAppeal(): Promise<{ id: string; token: string }> {
  n += 1;
  const body = blockedOrder({
    orderId: `HO-${Date.now()}-${n}`,
    buyer: { id: `b-ho-${n}`, email: `ho${n}@example.com`, name: 'Hand Off', locale: 'en-GB' },
  });
  const reg = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
  expect(reg.status).toBe(201);
  return { id: reg.body.appealId, token: tokenFromUrl(reg.body.appealUrl) };
}

const issue = (a: { id: string; token: string }) =>
  call('POST', `/api/v1/appeals/${a.id}/handoff`, { token: a.token });

describe('hand-off codes', () => {
  it('issue -> the page does not use it -> exchange once gives the buyer cookie -> second exchange 410', async () => {
    const a = await newAppeal();
    const r = await issue(a);
    expect(r.status).toBe(201);
    const { code, url, expiresAt, qrSvg } = r.body;
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/); // 24 random bytes = 192 bits
    expect(url).toBe(`${env.config.PUBLIC_BASE_URL}/h/${code}`);
    expect(new Date(expiresAt).getTime()).toBe(env.clock.now().getTime() + 3 * 60_000);
    expect(qrSvg).toMatch(/^<svg[^>]*viewBox/);
    // the page opened twice (link scanners, previews) does not use the code
    for (let i = 0; i < 2; i++) {
      const p = await call('GET', `/h/${code}`);
      expect(p.status).toBe(200);
      expect(p.text).toContain(`action="/h/${code}"`);
      expect(p.headers.get('set-cookie')).toBeNull();
    }
    const x = await call('POST', `/h/${code}`);
    expect(x.status).toBe(303);
    expect(x.headers.get('location')).toBe('/appeal');
    const cookie = x.headers.get('set-cookie') ?? '';
    // exactly the cookie the appeal link sets
    const link = await call('GET', `/a/${a.token}`);
    const linkCookie = link.headers.get('set-cookie') ?? '';
    expect(cookie).toBe(linkCookie);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    // and it is a working session on the phone
    const session = cookie.split(';')[0]!;
    const view = await call('GET', `/api/v1/appeals/${a.id}`, { headers: { cookie: session } });
    expect(view.status).toBe(200);
    expect(view.body.id ?? view.body.appealId).toBe(a.id);
    // second exchange: gone, and no cookie
    const again = await call('POST', `/h/${code}`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(again.status).toBe(410);
    expect(again.headers.get('x-error-code')).toBe('HANDOFF.USED');
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(again.text).toContain('此验证码已被使用');
    const page = await call('GET', `/h/${code}`);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This code was already used');
    // request logs name the path without the code
    const logs = env.logLines.join('\n');
    expect(logs).toContain('/h/[redacted]');
    expect(logs).not.toContain(code);
  });

  it('GET /handoff lists the recent codes with when they were used, never the code; only to the buyer', async () => {
    const a = await newAppeal();
    const { code, expiresAt } = (await issue(a)).body;
    const before = await call('GET', `/api/v1/appeals/${a.id}/handoff`, { token: a.token });
    expect(before.status).toBe(200);
    expect(before.body.handoffs).toEqual([
      { issuedAt: env.clock.now().toISOString(), expiresAt, usedAt: null },
    ]);
    expect(before.text).not.toContain(code);
    expect(before.text).not.toContain(sha256(code));
    await call('POST', `/h/${code}`);
    const after = await call('GET', `/api/v1/appeals/${a.id}/handoff`, { token: a.token });
    expect(after.body.handoffs[0].usedAt).toBe(env.clock.now().toISOString());
    const other = await newAppeal();
    expect((await call('GET', `/api/v1/appeals/${a.id}/handoff`, { token: other.token })).status).toBe(404);
  });

  it('two phones pressing at once: exactly one gets the session', async () => {
    const a = await newAppeal();
    const { code } = (await issue(a)).body;
    const answers = await Promise.all(Array.from({ length: 6 }, () => call('POST', `/h/${code}`)));
    const statuses = answers.map((x) => x.status).sort();
    expect(statuses).toEqual([303, 410, 410, 410, 410, 410]);
    expect(answers.filter((x) => x.headers.get('set-cookie'))).toHaveLength(1);
  });

  it("issuing removes the appeal's codes that ended more than 10 minutes ago", async () => {
    const a = await newAppeal();
    await issue(a);
    env.clock.advance(14 * 60_000);
    await issue(a);
    expect(await env.deps.prisma.appealHandoff.count({ where: { appealId: a.id } })).toBe(1);
  });

  it('a code expires after 3 minutes of the business clock', async () => {
    const a = await newAppeal();
    const fresh = (await issue(a)).body.code as string;
    const old = (await issue(a)).body.code as string;
    env.clock.advance(3 * 60_000 - 1000);
    expect((await call('POST', `/h/${fresh}`)).status).toBe(303);
    env.clock.advance(1000);
    const p = await call('GET', `/h/${old}`);
    expect(p.status).toBe(410);
    expect(p.text).toContain('This code has expired');
    const x = await call('POST', `/h/${old}`);
    expect(x.status).toBe(410);
    expect(x.headers.get('x-error-code')).toBe('HANDOFF.EXPIRED');
    expect(x.headers.get('set-cookie')).toBeNull();
  });

  it('an unknown or malformed code is 404, in the language of the browser', async () => {
    const unknown = 'A'.repeat(32);
    const x = await call('POST', `/h/${unknown}`, { headers: { 'accept-language': 'zh-CN' } });
    expect(x.status).toBe(404);
    expect(x.headers.get('x-error-code')).toBe('HANDOFF.NOT_FOUND');
    expect(x.text).toContain('此验证码无效');
    expect((await call('GET', '/h/not-a-code')).status).toBe(404);
  });

  it('the code is not the appeal token, contains no part of it, and only its hash is stored', async () => {
    const a = await newAppeal();
    const { code, url } = (await issue(a)).body;
    const secret = a.token.replace(/^apl_/, '');
    expect(code).not.toBe(a.token);
    expect(url).not.toContain(a.token);
    expect(url).not.toContain(secret);
    // no 8-character run of the token's secret part appears in the code
    for (let i = 0; i + 8 <= secret.length; i++) expect(code).not.toContain(secret.slice(i, i + 8));
    const rows = await env.deps.prisma.$queryRawUnsafe<Record<string, unknown>[]>(
      'SELECT * FROM appeal_handoffs WHERE appeal_id = $1::uuid',
      a.id,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.code_hash).toBe(sha256(code));
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(code);
    expect(dump).not.toContain(a.token);
  });

  it('only the buyer of the appeal may issue one: another buyer 404, no credential 401', async () => {
    const a = await newAppeal();
    const other = await newAppeal();
    const r = await call('POST', `/api/v1/appeals/${a.id}/handoff`, { token: other.token });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('APPEAL.NOT_FOUND');
    expect((await call('POST', `/api/v1/appeals/${a.id}/handoff`)).status).toBe(401);
    // a cookie session needs the CSRF token like every buyer change
    const cookie = `ad_buyer=${a.token}`;
    const noCsrf = await call('POST', `/api/v1/appeals/${a.id}/handoff`, { headers: { cookie } });
    expect(noCsrf.status).toBe(403);
    expect(await env.deps.prisma.appealHandoff.count({ where: { appealId: a.id } })).toBe(0);
  });

  it('a cross-site form post cannot exchange a code (login CSRF)', async () => {
    const a = await newAppeal();
    const { code } = (await issue(a)).body;
    const x = await call('POST', `/h/${code}`, {
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(x.status).toBe(403);
    expect(x.body.error.code).toBe('AUTH.CSRF');
    // the code is still good from our own page
    const ok = await call('POST', `/h/${code}`, {
      headers: { origin: server.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(ok.status).toBe(303);
  });

  it('rate limits: 5 codes per appeal per 10 minutes, 10 exchanges per IP per minute (429, SPEC shape)', async () => {
    const a = await newAppeal();
    for (let i = 0; i < 5; i++) expect((await issue(a)).status).toBe(201);
    const sixth = await issue(a);
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe('RATE_LIMITED');
    expect(sixth.body.error.details.limit).toBe('handoff-issue');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    // another appeal is not affected
    expect((await issue(await newAppeal())).status).toBe(201);

    for (let i = 0; i < 10; i++) expect((await call('POST', `/h/${'B'.repeat(32)}`)).status).toBe(404);
    const limited = await call('POST', `/h/${'B'.repeat(32)}`);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 'handoff-exchange-ip' },
    });
    env.clock.advance(60_000);
    expect((await call('POST', `/h/${'B'.repeat(32)}`)).status).toBe(404);
  });

  it('issuing and exchanging are audited, without the code or the token', async () => {
    const a = await newAppeal();
    const { code } = (await issue(a)).body;
    await call('POST', `/h/${code}`, { headers: { 'user-agent': 'phone-test/1.0' } });
    const rows = await env.deps.prisma.auditLog.findMany({
      where: { appealId: a.id, action: { in: ['HANDOFF_ISSUED', 'HANDOFF_EXCHANGED'] } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => r.action)).toEqual(['HANDOFF_ISSUED', 'HANDOFF_EXCHANGED']);
    expect(rows[0]!.actorType).toBe('BUYER');
    expect(rows[0]!.actorId).toBe(a.id);
    expect(rows[1]!.actorType).toBe('BUYER');
    expect(rows[1]!.userAgent).toBe('phone-test/1.0');
    expect(rows[1]!.ip).toBeTruthy();
    const dump = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    expect(dump).not.toContain(code);
    expect(dump).not.toContain(a.token);
  });
});
