// Security headers (helmet), request limits and hostile paths: each refused cleanly with the error shape.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { newToken, sha256, STAFF_TOKEN_PREFIX } from '../../src/http/auth.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let buyer: string;
let appealId: string;
let admin: string;

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
  const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
  buyer = tokenFromUrl(r.body.appealUrl);
  appealId = r.body.appealId;
  const user = await env.deps.prisma.staffUser.findFirstOrThrow({ where: { email: env.config.ADMIN_EMAIL } });
  admin = newToken(STAFF_TOKEN_PREFIX);
  await env.deps.prisma.staffSession.create({
    data: { id: sha256(admin), userId: user.id, csrfToken: 'c', expiresAt: new Date(Date.UTC(2100, 0)) },
  });
});
afterAll(async () => {
  await server.close();
  await env.close();
});

const ERROR_SHAPE = { error: { code: expect.any(String), message: expect.any(String) } };

describe('security headers', () => {
  it.each([
    ['a JSON answer', '/api/v1/payment-errors', 200],
    ['an error', '/api/v1/nothing-here', 404],
    ['the appeal link page', '/a/apl_not-a-real-token', 401],
  ])('on %s: CSP with frame-ancestors none, nosniff, no X-Powered-By', async (_what, path, status) => {
    const r = await call('GET', path);
    expect(r.status).toBe(status);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('x-powered-by')).toBeNull();
  });
});

describe('request limits', () => {
  it('refuses a 64 KB header with 431, and the server keeps serving', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${server.url}/api/v1/payment-errors`);
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname, headers: { 'x-big': 'a'.repeat(64 * 1024) } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(431);
    expect((await call('GET', '/api/v1/payment-errors')).status).toBe(200);
  });

  it('answers 413 with the error shape for a JSON body over 64 KB, and writes nothing', async () => {
    const before = await env.deps.prisma.blockedOrder.count();
    const big = blockedOrder({
      buyer: { id: 'b', email: 'b@example.com', name: 'x'.repeat(70 * 1024), locale: 'en' },
    });
    const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: big });
    expect(r.status).toBe(413);
    expect(r.body).toEqual({
      error: { code: 'UPLOAD.TOO_LARGE', message: 'The request body is too large.' },
    });
    expect(await env.deps.prisma.blockedOrder.count()).toBe(before);
  });

  it('malformed JSON is 400 REQUEST.MALFORMED_JSON; prototype-pollution keys are refused', async () => {
    const bad = await call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      rawBody: '{"orderId": "x",',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('REQUEST.MALFORMED_JSON');
    const before = await env.deps.prisma.blockedOrder.count();
    const body = JSON.stringify(blockedOrder()).replace(
      /^\{/,
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
    );
    const r = await call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      rawBody: body,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'REQUEST.INVALID' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await env.deps.prisma.blockedOrder.count()).toBe(before);
  });
});

describe('path traversal and metacharacters in ids', () => {
  const traversal = '..%2F..%2Fetc%2Fpasswd';
  it.each([
    ['buyer', `/api/v1/appeals/${traversal}`, () => buyer, 404, 'APPEAL.NOT_FOUND'],
    ['admin', `/api/v1/appeals/${traversal}`, () => admin, 404, 'APPEAL.NOT_FOUND'],
    ['anonymous', `/api/v1/appeals/${traversal}`, () => undefined, 401, 'AUTH.REQUIRED'],
    ['admin, null byte', '/api/v1/appeals/%00', () => admin, 404, 'APPEAL.NOT_FOUND'],
    [
      'admin, SQL',
      `/api/v1/appeals/${encodeURIComponent("' OR '1'='1")}`,
      () => admin,
      404,
      'APPEAL.NOT_FOUND',
    ],
    ['anyone, catalogue', `/api/v1/payment-errors/${traversal}`, () => undefined, 400, 'REQUEST.INVALID'],
    [
      'admin, audit filter',
      `/api/v1/audit?appealId=${encodeURIComponent("x' OR 1=1 --")}`,
      () => admin,
      400,
      'REQUEST.INVALID',
    ],
    ['anyone, top level', `/${traversal}`, () => undefined, 404, 'NOT_FOUND'],
    ['anyone, static-looking', '/api/v1/../../../etc/passwd', () => undefined, 404, 'NOT_FOUND'],
  ])('%s: %s -> %i %s', async (_who, path, token, status, code) => {
    const r = await call('GET', path, { token: token() });
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject(ERROR_SHAPE);
    expect(r.body.error.code).toBe(code);
    expect(r.text).not.toContain('root:');
  });

  it('the buyer still reaches their own appeal (the cases above are not a blanket refusal)', async () => {
    const r = await call('GET', `/api/v1/appeals/${appealId}`, { token: buyer });
    expect(r.status).toBe(200);
    expect((await call('GET', `/api/v1/appeals/${randomUUID()}`, { token: buyer })).status).toBe(404);
  });
});
