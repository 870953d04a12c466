// The staff second factor (TOTP) and the idle timeout: enrolment, the two-step sign-in that keeps the
// SPEC 7 answer {token, csrfToken, user}, a code used once, identity documents refused without a second
// factor (STAFF_TOTP_REQUIRED), and sessions ending after STAFF_IDLE_MINUTES without use.
import { createHash } from 'node:crypto';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { makeStaff, STAFF_PASSWORD } from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
const NO_SUCH = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  env = await createTestEnv({ STAFF_TOTP_REQUIRED: 'true', STAFF_IDLE_MINUTES: '30' });
  env.clock.set('2026-05-04T09:00:00Z');
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterAll(async () => {
  await server.close();
  await env.close();
});

const codeAt = (secret: string, offsetS = 0) =>
  generate({ secret, epoch: Math.floor(env.clock.now().getTime() / 1000) + offsetS });

describe('TOTP second factor', () => {
  it('enrol, then sign in in two steps; identity documents need it; a code works once', async () => {
    const lead = await makeStaff(env.deps, ['LEAD']);
    const order = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
    const image = (token: string) =>
      call('GET', `/api/v1/cases/${order.body.appealId}/documents/${NO_SUCH}/image`, { token });
    const first = await call('POST', '/api/v1/auth/login', {
      body: { email: lead.email, password: STAFF_PASSWORD },
    });
    expect(first.status).toBe(200);
    const refused = await image(first.body.token);
    expect([refused.status, refused.body.error.code]).toEqual([403, 'AUTH.MFA_REQUIRED']);

    const start = await call('POST', '/api/v1/me/totp', { token: first.body.token });
    expect(start.status).toBe(200);
    expect(start.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    const secret: string = start.body.secret;
    const row = await env.deps.prisma.staffUser.findUniqueOrThrow({ where: { id: lead.id } });
    expect(row.totpSecret).toMatch(/^s1:/);
    expect(row.totpSecret).not.toContain(secret);
    const bad = await call('POST', '/api/v1/me/totp/confirm', {
      token: first.body.token,
      body: { totpCode: (Number(await codeAt(secret)) ^ 1).toString().padStart(6, '0') },
    });
    expect(bad.body.error.code).toBe('AUTH.TOTP_INVALID');
    const ok = await call('POST', '/api/v1/me/totp/confirm', {
      token: first.body.token,
      body: { totpCode: await codeAt(secret) },
    });
    expect(ok.status).toBe(204);
    // the session that proved the code may now open documents (404: no such document, past the guard)
    expect((await image(first.body.token)).status).toBe(404);
    expect((await call('GET', '/api/v1/me', { token: lead.token })).status).toBe(401); // other sessions ended

    env.clock.advance(30_000);
    const step1 = await call('POST', '/api/v1/auth/login', {
      body: { email: lead.email, password: STAFF_PASSWORD },
    });
    expect(step1.status).toBe(401);
    expect(step1.body.error.code).toBe('AUTH.TOTP_REQUIRED');
    expect(step1.body.error.details).toEqual({ secondFactor: 'totp' });
    expect(step1.headers.get('set-cookie')).toBeNull();
    const wrongPassword = await call('POST', '/api/v1/auth/login', {
      body: { email: lead.email, password: 'not the password', totpCode: await codeAt(secret) },
    });
    expect(wrongPassword.body.error.code).toBe('AUTH.INVALID');
    const code = await codeAt(secret);
    const step2 = await call('POST', '/api/v1/auth/login', {
      body: { email: lead.email, password: STAFF_PASSWORD, totpCode: code },
    });
    expect(step2.status).toBe(200);
    expect(Object.keys(step2.body).sort()).toEqual(['csrfToken', 'token', 'user']);
    expect((await image(step2.body.token)).status).toBe(404);
    const replay = await call('POST', '/api/v1/auth/login', {
      body: { email: lead.email, password: STAFF_PASSWORD, totpCode: code },
    });
    expect(replay.body.error.code).toBe('AUTH.TOTP_INVALID');
    const audit = await env.deps.prisma.auditLog.findMany({
      where: { action: { in: ['TOTP_ENABLED', 'LOGIN_SUCCEEDED'] }, actorId: lead.id },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toContain('TOTP_ENABLED');
    expect(audit.at(-1)!.data).toEqual({ secondFactor: 'totp' });
    expect(JSON.stringify(audit.map((a) => a.data))).not.toContain(secret);
  });
});

describe('idle timeout', () => {
  it('a session unused for STAFF_IDLE_MINUTES ends; use restarts the idle clock', async () => {
    const u = await makeStaff(env.deps, ['FINANCE']);
    const login = await call('POST', '/api/v1/auth/login', {
      body: { email: u.email, password: STAFF_PASSWORD },
    });
    const token = login.body.token;
    env.clock.advance(29 * 60_000);
    expect((await call('GET', '/api/v1/me', { token })).status).toBe(200);
    env.clock.advance(29 * 60_000);
    expect((await call('GET', '/api/v1/me', { token })).status).toBe(200);
    env.clock.advance(30 * 60_000);
    const idle = await call('GET', '/api/v1/me', { token });
    expect([idle.status, idle.body.error.code]).toEqual([401, 'AUTH.SESSION_EXPIRED']);
    const s = await env.deps.prisma.staffSession.findUniqueOrThrow({
      where: { id: createHash('sha256').update(token).digest('hex') },
    });
    expect(s.revokedAt).not.toBeNull();
  });
});
