// The authorisation matrix: every route of the Express app (enumerated from the app's own router, so a new
// route without an entry here fails this file) called as nobody, a wrong token, the buyer of this appeal,
// the buyer of another appeal, each staff role (real users signed in through the API), the risk system's
// service key and the refund provider's key - with the exact status expected for each. Requests are valid
// but minimal: an authorised caller gets a deterministic 200/202/204/302/400/404/409 without changing
// anything that a later row depends on. A buyer never learns that another appeal exists (404, not 403).
// Also: forged and replayed session cookies, path traversal in ids and SQL metacharacters in strings.
import type { Express } from 'express';
import { enumerateRoutes } from '../support/routes.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { signWebhook } from '../../src/platform/webhook-signature.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { type CallOptions, client, listen, type TestServer } from '../support/http.ts';

const PRINCIPALS = [
  'anon',
  'wrong',
  'own',
  'other',
  'REVIEWER',
  'LEAD',
  'FINANCE',
  'ADMIN',
  'SECURITY',
  'service',
  'provider',
] as const;
type P = (typeof PRINCIPALS)[number];
const STAFF = ['REVIEWER', 'LEAD', 'FINANCE', 'ADMIN', 'SECURITY'] as const;
type Role = (typeof STAFF)[number];
type Expect = Record<P, number>;

interface Ctx {
  ownId: string;
  ownToken: string;
  otherId: string;
}

interface Entry {
  /** why this route is not in the matrix (health probes, metrics) */
  skip?: string;
  /** the concrete URL (defaults to the route path) */
  url?: (c: Ctx) => string;
  body?: unknown;
  expect?: Expect;
}

// --- expectation builders: who gets through each guard, and what the minimal request answers then ---
function all(status: number): Expect {
  return Object.fromEntries(PRINCIPALS.map((p) => [p, status])) as Expect;
}
/** no guard: everyone gets `ok`; a Bearer token that is not valid is refused before any route */
function open(ok: number): Expect {
  return { ...all(ok), wrong: 401 };
}
/** requireStaff(...roles); roles = [] means any staff user */
function staff(roles: Role[], ok: number): Expect {
  const e = { ...all(403), anon: 401, wrong: 401 };
  for (const r of STAFF) if (roles.length === 0 || roles.includes(r)) e[r] = ok;
  return e;
}
/** requireBuyerOf('id', roles): the other buyer gets 404 - never a hint that the appeal exists */
function buyer(ok: number, roles: Role[] = [], staffOk = ok): Expect {
  const e = { ...all(403), anon: 401, wrong: 401, own: ok, other: 404 };
  for (const r of roles) e[r] = staffOk;
  return e;
}
/** requireService() */
function service(ok: number): Expect {
  return { ...all(403), anon: 401, wrong: 401, service: ok };
}

const NO_SUCH = '00000000-0000-4000-8000-000000000000';
const PAYMENT_ERROR = 'ISC_RS_5100102051';

/** One entry per route of the app, keyed "METHOD path" as Express has it. */
const TABLE: Record<string, Entry> = {
  'GET /healthz': { skip: 'liveness probe: public, no data' },
  'GET /readyz': { skip: 'readiness probe: public, no data' },
  'GET /metrics': { skip: 'metrics: counters only, covered by its own test' },
  'GET /api/openapi.json': { expect: all(200) },
  // the login body is validated before anything else; {} is 400 for every caller that got that far
  'POST /api/v1/auth/login': { body: {}, expect: open(400) },
  'GET /appeal': { expect: open(200) },
  'GET /console,/console/{*rest}': { url: () => '/console/cases', expect: open(200) },
  'POST /api/v1/blocked-orders': { body: {}, expect: service(400) },
  'GET /api/v1/payment-errors': { expect: open(200) },
  'GET /api/v1/payment-errors/:code': {
    url: () => `/api/v1/payment-errors/${PAYMENT_ERROR}`,
    expect: open(200),
  },
  'GET /api/v1/appeals/:id': {
    url: (c) => `/api/v1/appeals/${c.ownId}`,
    // not a case yet and no refund: outside a reviewer's and finance's scope (404, as GET /cases/:id)
    expect: { ...buyer(200, ['LEAD', 'ADMIN']), REVIEWER: 404, FINANCE: 404 },
  },
  // the link itself is the credential: whoever holds it is sent on to the page with the cookie
  'GET /a/:token': { url: (c) => `/a/${c.ownToken}`, expect: open(302) },
  'GET /api/v1/appeals/:id/session': { url: (c) => `/api/v1/appeals/${c.ownId}/session`, expect: buyer(200) },
  // any buyer gets their own session; anyone else is told to open their link
  'GET /api/v1/buyer/session': { expect: { ...all(401), own: 200, other: 200 } },
  'PUT /api/v1/appeals/:id/id-type': {
    url: (c) => `/api/v1/appeals/${c.ownId}/id-type`,
    body: { idType: 'NOPE' },
    expect: buyer(400),
  },
  // no ID type chosen yet: 409 APPEAL.ID_TYPE_REQUIRED, nothing changes
  'POST /api/v1/appeals/:id/submit': { url: (c) => `/api/v1/appeals/${c.ownId}/submit`, expect: buyer(409) },
  // continue on your phone: codes for the buyer only; the code page and its exchange are open (unknown code: 404)
  'POST /api/v1/appeals/:id/handoff': {
    url: (c) => `/api/v1/appeals/${c.ownId}/handoff`,
    expect: buyer(201),
  },
  'GET /api/v1/appeals/:id/handoff': { url: (c) => `/api/v1/appeals/${c.ownId}/handoff`, expect: buyer(200) },
  'GET /h/:code': { url: () => `/h/${'A'.repeat(32)}`, expect: open(404) },
  'POST /h/:code': { url: () => `/h/${'A'.repeat(32)}`, expect: open(404) },
  // JSON instead of multipart: 400 UPLOAD.INVALID (no file)
  'POST /api/v1/appeals/:id/documents': {
    url: (c) => `/api/v1/appeals/${c.ownId}/documents`,
    body: {},
    expect: buyer(400),
  },
  'DELETE /api/v1/appeals/:id/documents/:docId': {
    url: (c) => `/api/v1/appeals/${c.ownId}/documents/${NO_SUCH}`,
    expect: buyer(404),
  },
  'POST /api/v1/appeals/:id/withdraw': {
    url: (c) => `/api/v1/appeals/${c.ownId}/withdraw`,
    body: { bogus: true },
    expect: buyer(400),
  },
  'POST /api/v1/appeal-links/reissue': { body: {}, expect: open(400) },
  'GET /api/v1/audit': { expect: staff(['ADMIN'], 200) },
  'GET /api/v1/incidents': { expect: staff(['SECURITY', 'ADMIN'], 200) },
  // the e-mail channel (src/modules/inbound)
  'POST /api/v1/appeals/:id/unsorted/:docId/place': {
    url: (c) => `/api/v1/appeals/${c.ownId}/unsorted/${NO_SUCH}/place`,
    body: { slot: 'ID_FRONT' },
    expect: buyer(404),
  },
  'GET /api/v1/inbound/quarantine': { expect: staff(['SECURITY', 'ADMIN'], 200) },
  // the signed "send for review" link of an e-mail answer: the link is the credential; a bogus one is 404
  'GET /m/submit/:sig': { url: () => '/m/submit/bogus', expect: open(404) },
  'POST /m/submit/:sig': { url: () => '/m/submit/bogus', expect: open(404) },
  'POST /api/v1/inbound/quarantine/:id/release': {
    url: () => `/api/v1/inbound/quarantine/${NO_SUCH}/release`,
    expect: staff(['SECURITY', 'ADMIN'], 404),
  },
  'POST /api/v1/inbound/quarantine/:id/discard': {
    url: () => `/api/v1/inbound/quarantine/${NO_SUCH}/discard`,
    expect: staff(['SECURITY', 'ADMIN'], 404),
  },
  'PUT /api/v1/cases/:id/legal-hold': {
    url: (c) => `/api/v1/cases/${c.ownId}/legal-hold`,
    body: {},
    expect: staff(['ADMIN'], 400),
  },
  // finance staff or the provider (not ADMIN): the empty body is refused
  'POST /api/v1/refunds/:id/events': {
    url: () => `/api/v1/refunds/${NO_SUCH}/events`,
    body: {},
    expect: { ...staff(['FINANCE'], 400), provider: 400 },
  },
  'GET /api/v1/refunds': { expect: staff(['FINANCE', 'ADMIN'], 200) },
  'GET /api/v1/refunds/summary': { expect: staff(['FINANCE', 'ADMIN'], 200) },
  'GET /api/v1/refunds.csv': { expect: staff(['FINANCE', 'ADMIN'], 200) },
  'GET /api/v1/refunds/:id': {
    url: () => `/api/v1/refunds/${NO_SUCH}`,
    expect: staff(['FINANCE', 'ADMIN'], 404),
  },
  'GET /api/v1/me': { expect: staff([], 200) },
  'GET /api/v1/staff': { expect: staff(['ADMIN', 'LEAD'], 200) },
  'POST /api/v1/staff': { body: {}, expect: staff(['ADMIN'], 400) },
  'PATCH /api/v1/staff/:id': {
    url: () => `/api/v1/staff/${NO_SUCH}`,
    body: { name: 'Nobody' },
    expect: staff(['ADMIN'], 404),
  },
  'POST /api/v1/staff/:id/reset-password': {
    url: () => `/api/v1/staff/${NO_SUCH}/reset-password`,
    expect: staff(['ADMIN'], 404),
  },
  'GET /api/v1/team/second-approvals': { expect: staff(['LEAD'], 200) },
  'GET /api/v1/cases': { expect: staff(['REVIEWER', 'LEAD'], 200) },
  // not a case yet (AWAITING_DOCUMENTS): a lead sees every appeal, a reviewer only their cases and the pool
  'GET /api/v1/cases/:id': {
    url: (c) => `/api/v1/cases/${c.ownId}`,
    expect: { ...staff(['REVIEWER', 'LEAD'], 404), LEAD: 200 },
  },
  'POST /api/v1/cases/:id/decision': {
    url: (c) => `/api/v1/cases/${c.ownId}/decision`,
    body: {},
    expect: staff(['REVIEWER', 'LEAD'], 400),
  },
  'POST /api/v1/cases/:id/assign': {
    url: (c) => `/api/v1/cases/${c.ownId}/assign`,
    body: {},
    expect: staff(['LEAD'], 400),
  },
  // bulk: the empty body is refused; escalate: not a case yet (AWAITING_DOCUMENTS) -> 409, nothing changes
  'POST /api/v1/cases/bulk': { body: {}, expect: staff(['LEAD'], 400) },
  'POST /api/v1/cases/:id/escalate': {
    url: (c) => `/api/v1/cases/${c.ownId}/escalate`,
    expect: staff(['LEAD'], 409),
  },
  'GET /api/v1/admin/warnings': { expect: staff(['ADMIN'], 200) },
  'GET /api/v1/reason-codes': { expect: staff([], 200) },
  'GET /api/v1/team/sla': { expect: staff(['LEAD'], 200) },
  'GET /api/v1/team/reviewers': { expect: staff(['LEAD'], 200) },
  'GET /api/v1/team/reviewers.csv': { expect: staff(['LEAD'], 200) },
  // saved views: the empty body is refused; an unknown view is 404 for whoever passes the role check
  'GET /api/v1/views': { expect: staff(['REVIEWER', 'LEAD'], 200) },
  'POST /api/v1/views': { body: {}, expect: staff(['REVIEWER', 'LEAD'], 400) },
  'PATCH /api/v1/views/:id': {
    url: () => `/api/v1/views/${NO_SUCH}`,
    body: { name: 'x' },
    expect: staff(['REVIEWER', 'LEAD'], 404),
  },
  'DELETE /api/v1/views/:id': {
    url: () => `/api/v1/views/${NO_SUCH}`,
    expect: staff(['REVIEWER', 'LEAD'], 404),
  },
  'GET /api/v1/cases/:id/documents/:docId/image': {
    url: (c) => `/api/v1/cases/${c.ownId}/documents/${NO_SUCH}/image`,
    expect: staff(['REVIEWER', 'LEAD'], 404),
  },
  'GET /api/v1/qa/reviews': { expect: staff(['REVIEWER', 'LEAD'], 200) },
  'GET /api/v1/qa/reviews/:id': {
    url: () => `/api/v1/qa/reviews/${NO_SUCH}`,
    expect: staff(['REVIEWER', 'LEAD'], 404),
  },
  'GET /api/v1/qa/reviews/:id/documents/:docId/image': {
    url: () => `/api/v1/qa/reviews/${NO_SUCH}/documents/${NO_SUCH}/image`,
    expect: staff(['REVIEWER', 'LEAD'], 404),
  },
  'POST /api/v1/qa/reviews/:id/decision': {
    url: () => `/api/v1/qa/reviews/${NO_SUCH}/decision`,
    body: {},
    expect: staff(['REVIEWER', 'LEAD'], 400),
  },
  'GET /api/v1/qa/summary': { expect: staff(['LEAD'], 200) },
  'GET /api/v1/cases/:id/evidence-pack': {
    // the own appeal is not APPROVED: whoever passes the role check gets EVIDENCE_PACK.NOT_APPROVED
    url: (c) => `/api/v1/cases/${c.ownId}/evidence-pack`,
    expect: staff(['LEAD', 'FINANCE'], 409),
  },
  'GET /api/v1/calendar/holidays': { expect: staff(['ADMIN'], 200) },
  'PUT /api/v1/calendar/holidays/:date': {
    url: () => '/api/v1/calendar/holidays/2026-02-30',
    body: { name: 'Not a day' },
    expect: staff(['ADMIN'], 400),
  },
  'DELETE /api/v1/calendar/holidays/:date': {
    url: () => '/api/v1/calendar/holidays/2026-02-30',
    expect: staff(['ADMIN'], 400),
  },
  'GET /api/v1/outbox': { expect: staff(['ADMIN'], 200) },
  'POST /api/v1/outbox/:id/retry': {
    url: () => `/api/v1/outbox/${NO_SUCH}/retry`,
    expect: staff(['ADMIN'], 404),
  },
  'POST /api/v1/webhooks': { body: {}, expect: service(400) },
  'GET /api/v1/webhooks': { expect: service(200) },
  'POST /api/v1/documents/:docId/sensitive-card-data': {
    url: () => `/api/v1/documents/${NO_SUCH}/sensitive-card-data`,
    body: {},
    expect: staff(['SECURITY', 'ADMIN'], 404),
  },
  'POST /api/v1/me/totp': {
    // the enrolment is started (a seed stored, not enforced until confirmed): harmless for later rows
    expect: staff([], 200),
  },
  'POST /api/v1/me/totp/confirm': { body: {}, expect: staff([], 400) },
  'DELETE /api/v1/webhooks/:id': { url: () => `/api/v1/webhooks/${NO_SUCH}`, expect: service(404) },
  // last: it ends the staff sessions used above
  'POST /api/v1/auth/logout': { expect: staff([], 204) },
};

let env: TestEnv;
let app: Express;
let server: TestServer;
let call: ReturnType<typeof client>;
let ctx: Ctx;
const tokens = {} as Record<P, string | undefined>;
let ipSeq = 0;
// provider callbacks signed as in production (refunds.signature.ts): the provider signs every request
const SIGNING_SECRET = 'matrix-provider-signing-secret-0123456789abcdef';

function providerSignature(opts: CallOptions): Record<string, string> {
  const ts = Math.floor(env.clock.now().getTime() / 1000);
  const raw = opts.body === undefined ? '' : JSON.stringify(opts.body);
  return { 'X-Provider-Timestamp': String(ts), 'X-Provider-Signature': signWebhook(SIGNING_SECRET, ts, raw) };
}

/** Each request from its own address: the per-IP abuse limits must not decide any cell of the matrix. */
function as(p: P, method: string, url: string, opts: CallOptions = {}) {
  ipSeq++;
  const headers = {
    'x-forwarded-for': `10.${(ipSeq >> 16) & 255}.${(ipSeq >> 8) & 255}.${ipSeq & 255}`,
    ...(p === 'provider' ? providerSignature(opts) : {}),
  };
  const token = tokens[p];
  return call(method, url, {
    ...opts,
    ...(token ? { token } : {}),
    headers: { ...headers, ...opts.headers },
  });
}

beforeAll(async () => {
  env = await createTestEnv({
    TRUST_PROXY: '1',
    REFUND_PROVIDER_KEYS: 'matrix-provider-key',
    REFUND_PROVIDER_SIGNING_SECRETS: SIGNING_SECRET,
  });
  app = createApp(env.deps);
  server = await listen(app);
  call = client(server.url);

  const own = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
  const other = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
  expect([own.status, other.status]).toEqual([201, 201]);
  ctx = {
    ownId: own.body.appealId,
    ownToken: tokenFromUrl(own.body.appealUrl),
    otherId: other.body.appealId,
  };
  tokens.own = ctx.ownToken;
  tokens.other = tokenFromUrl(other.body.appealUrl);
  tokens.wrong = `stf_${'x'.repeat(43)}`;
  tokens.service = RISK_KEY;
  tokens.provider = 'matrix-provider-key';

  // staff: the seeded admin signs in and creates one user per role, who then sign in through the API
  const admin = await call('POST', '/api/v1/auth/login', {
    body: { email: env.config.ADMIN_EMAIL, password: env.config.ADMIN_PASSWORD },
  });
  expect(admin.status).toBe(200);
  for (const role of STAFF) {
    const email = `matrix.${role.toLowerCase()}@staff.test`;
    const password = `Matrix-${role}-password-1`;
    const c = await call('POST', '/api/v1/staff', {
      token: admin.body.token,
      body: { email, name: `Matrix ${role}`, password, roles: [role] },
    });
    expect(c.status).toBe(201);
    const l = await call('POST', '/api/v1/auth/login', { body: { email, password } });
    expect(l.status).toBe(200);
    tokens[role] = l.body.token;
  }
});
afterAll(async () => {
  await server?.close();
  await env?.close();
});

describe('authorisation matrix', () => {
  it('every route of the app has an entry, and every entry is a route', () => {
    const routes = enumerateRoutes(app).sort();
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.filter((r) => !(r in TABLE))).toEqual([]);
    expect(Object.keys(TABLE).filter((k) => !routes.includes(k))).toEqual([]);
  });

  it('each principal gets exactly the expected status on every route', async () => {
    const expected: Record<string, Expect> = {};
    const actual: Record<string, Record<P, number>> = {};
    for (const [key, entry] of Object.entries(TABLE)) {
      if (entry.skip || !entry.expect) continue;
      const [method, path] = key.split(' ') as [string, string];
      const url = entry.url ? entry.url(ctx) : path;
      const row = {} as Record<P, number>;
      // principals of one route in parallel; routes one after another (logout, the last, ends sessions)
      await Promise.all(
        PRINCIPALS.map(async (p) => {
          const r = await as(p, method, url, entry.body === undefined ? {} : { body: entry.body });
          row[p] = r.status;
        }),
      );
      expected[key] = entry.expect;
      actual[key] = Object.fromEntries(PRINCIPALS.map((p) => [p, row[p]])) as Record<P, number>;
    }
    expect(actual).toEqual(expected);
  }, 120_000);

  it('the provider key alone (unsigned, or signed over another body) is refused on the callback route', async () => {
    const url = `/api/v1/refunds/${NO_SUCH}/events`;
    const unsigned = await call('POST', url, { token: tokens.provider, body: {} });
    const tampered = await call('POST', url, {
      token: tokens.provider,
      body: { type: 'FAILED' },
      headers: providerSignature({ body: {} }),
    });
    expect([unsigned.status, unsigned.body.error.code]).toEqual([401, 'AUTH.SIGNATURE_INVALID']);
    expect([tampered.status, tampered.body.error.code]).toEqual([401, 'AUTH.SIGNATURE_INVALID']);
  });
});

/** A fresh session for a role (the matrix's last row logged every staff user out). */
async function signIn(role: Role): Promise<{ token: string; csrfToken: string; email: string }> {
  const email = `matrix.${role.toLowerCase()}@staff.test`;
  const r = await as('anon', 'POST', '/api/v1/auth/login', {
    body: { email, password: `Matrix-${role}-password-1` },
  });
  expect(r.status).toBe(200);
  return { token: r.body.token, csrfToken: r.body.csrfToken, email };
}

/** Everything a refused request could have written. */
async function footprint() {
  const p = env.deps.prisma;
  return {
    appeals: await p.appeal.count(),
    orders: await p.blockedOrder.count(),
    documents: await p.document.count(),
    outbox: await p.outboxMessage.count(),
    staff: await p.staffUser.count(),
    holidays: await p.holiday.count(),
    webhooks: await p.webhookSubscription.count(),
    audit: await p.auditLog.count({ where: { action: { notIn: ['LOGIN_SUCCEEDED', 'LOGIN_FAILED'] } } }),
  };
}

describe('sessions, traversal and injection', () => {
  it('a logged-out session is refused as Bearer (401) and as cookie (anonymous); a tampered cookie is anonymous', async () => {
    const s = await signIn('REVIEWER');
    const cookie = (t: string) => ({ cookie: `ad_staff=${t}` });
    expect((await as('anon', 'GET', '/api/v1/me', { headers: cookie(s.token) })).status).toBe(200);
    const out = await as('anon', 'POST', '/api/v1/auth/logout', {
      headers: { ...cookie(s.token), 'x-csrf-token': s.csrfToken },
    });
    expect(out.status).toBe(204);

    const replayBearer = await call('GET', '/api/v1/me', { token: s.token });
    expect([replayBearer.status, replayBearer.body.error.code]).toEqual([401, 'AUTH.INVALID']);
    const replayCookie = await as('anon', 'GET', '/api/v1/me', { headers: cookie(s.token) });
    expect([replayCookie.status, replayCookie.body.error.code]).toEqual([401, 'AUTH.REQUIRED']);
    // the console page still loads for the stale cookie, without the user or a CSRF token
    const page = await as('anon', 'GET', '/console', { headers: cookie(s.token) });
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(s.email);
    expect(page.text).not.toContain(s.csrfToken);

    const live = await signIn('ADMIN');
    const last = live.token.at(-1) === 'A' ? 'B' : 'A';
    const tampered = live.token.slice(0, -1) + last;
    for (const forged of [tampered, `${live.token}x`, 'stf_', `stf_${'A'.repeat(43)}`]) {
      const me = await as('anon', 'GET', '/api/v1/me', { headers: cookie(forged) });
      expect([me.status, me.body.error.code]).toEqual([401, 'AUTH.REQUIRED']);
      const before = await footprint();
      const write = await as('anon', 'POST', '/api/v1/staff', {
        headers: { ...cookie(forged), 'x-csrf-token': live.csrfToken },
        body: { email: 'forged@staff.test', name: 'F', password: 'Forged-password-1', roles: ['ADMIN'] },
      });
      expect(write.status).toBe(401);
      expect(await footprint()).toEqual(before);
    }
    // the live session was not disturbed by any of it
    expect((await call('GET', '/api/v1/me', { token: live.token })).status).toBe(200);

    // a forged buyer cookie is anonymous too
    const fake = `apl_${'Q'.repeat(43)}`;
    const bs = await as('anon', 'GET', '/api/v1/buyer/session', { headers: { cookie: `ad_buyer=${fake}` } });
    expect([bs.status, bs.body.error.code]).toEqual([401, 'AUTH.REQUIRED']);
    const av = await as('anon', 'GET', `/api/v1/appeals/${ctx.ownId}`, {
      headers: { cookie: `ad_buyer=${fake}` },
    });
    expect(av.status).toBe(401);
  });

  it('path traversal in ids is 400/404 with the error shape; nothing read from disk, nothing written', async () => {
    const lead = await signIn('LEAD');
    const fin = await signIn('FINANCE');
    const trav = '..%2F..%2F..%2F..%2Fetc%2Fpasswd';
    const before = await footprint();
    const cases: [string, string, string | undefined, number][] = [
      ['GET', `/api/v1/appeals/${trav}`, ctx.ownToken, 404],
      ['GET', `/api/v1/appeals/${ctx.ownId}%2F..%2F${ctx.otherId}`, ctx.ownToken, 404],
      ['DELETE', `/api/v1/appeals/${ctx.ownId}/documents/${trav}`, ctx.ownToken, 404],
      ['GET', `/api/v1/cases/${trav}`, lead.token, 404],
      ['GET', `/api/v1/cases/${ctx.ownId}/documents/${trav}/image`, lead.token, 404],
      ['GET', `/api/v1/refunds/${trav}`, fin.token, 404],
      ['GET', `/api/v1/payment-errors/${trav}`, undefined, 400],
      ['GET', `/a/apl_${trav}`, undefined, 401],
    ];
    const got: [string, number, string][] = [];
    for (const [method, url, token, status] of cases) {
      const r = await as('anon', method, url, token ? { token } : {});
      got.push([url, r.status, typeof r.body === 'object' ? r.body.error?.code : 'html']);
      expect(r.status, url).toBe(status);
      expect(r.text).not.toContain('root:');
    }
    expect(got.every(([, , code]) => typeof code === 'string' && code.length > 0)).toBe(true);
    expect(await footprint()).toEqual(before);
  });

  it('SQL metacharacters in string fields are refused by the schemas or stored as plain data', async () => {
    const admin = await signIn('ADMIN');
    const sql = "x' OR '1'='1'; DROP TABLE appeals; --";
    const before = await footprint();
    // refused by a schema: 400, nothing written
    const refused: [string, string, unknown, string | undefined][] = [
      [
        'POST',
        '/api/v1/blocked-orders',
        blockedOrder({ orderId: `ORD-1'; DROP TABLE appeals;--` }),
        RISK_KEY,
      ],
      ['GET', `/api/v1/refunds?currency=${encodeURIComponent("EUR' OR 1=1--")}`, undefined, admin.token],
      ['GET', `/api/v1/audit?action=${encodeURIComponent(sql)}`, undefined, admin.token],
      [
        'PUT',
        `/api/v1/calendar/holidays/${encodeURIComponent("2026-01-01' OR 1=1")}`,
        { name: 'x' },
        admin.token,
      ],
    ];
    for (const [method, url, body, token] of refused) {
      const r = await as('anon', method, url, { ...(body ? { body } : {}), ...(token ? { token } : {}) });
      expect([url, r.status, r.body.error?.code]).toEqual([url, 400, 'REQUEST.INVALID']);
    }
    // answered as data: no match, nothing written
    const audit = await as('anon', 'GET', `/api/v1/audit?actor=${encodeURIComponent(sql)}`, {
      token: admin.token,
    });
    expect([audit.status, audit.body.items]).toEqual([200, []]);
    const login = await as('anon', 'POST', '/api/v1/auth/login', { body: { email: sql, password: sql } });
    expect(login.status).toBe(401);
    const reissue = await as('anon', 'POST', '/api/v1/appeal-links/reissue', {
      body: { orderId: sql, email: `a@b.c${sql}` },
    });
    expect(reissue.status).toBe(202);
    expect(await footprint()).toEqual(before);

    // stored verbatim where free text is allowed, and read back unchanged
    const name = "Robert'); DROP TABLE staff_users;--";
    const reg = await call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      body: blockedOrder({ buyer: { id: `b'--`, email: 'bobby@example.com', name, locale: 'en-GB' } }),
    });
    expect(reg.status).toBe(201);
    const row = await env.deps.prisma.blockedOrder.findUniqueOrThrow({
      where: {
        id: (await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: reg.body.appealId } })).orderId,
      },
    });
    expect([row.buyerName, row.buyerId]).toEqual([name, `b'--`]);
    expect((await footprint()).staff).toBe(before.staff);
  });
});
