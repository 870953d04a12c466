// Staff accounts: login/logout with server-side sessions, lockout, CSRF on cookie requests, ADMIN staff
// management, and leave returning untouched cases to the pool.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import {
  makeStaff,
  markSubmitted,
  processRouting,
  registerAppeal,
  STAFF_PASSWORD,
} from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let adminToken: string;

beforeAll(async () => {
  // one proxy hop: the parallel-guess test speaks from many addresses, as a botnet would
  env = await createTestEnv({ TRUST_PROXY: '1' });
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterAll(async () => {
  await server.close();
  await env.close();
});

function cookieOf(r: { headers: Headers }): string {
  const set = r.headers.get('set-cookie') ?? '';
  return set.split(';')[0]!;
}

describe('login and sessions', () => {
  it('the seeded admin signs in: httpOnly SameSite=Strict cookie, only the token hash stored, /me works', async () => {
    const r = await call('POST', '/api/v1/auth/login', {
      body: { email: env.config.ADMIN_EMAIL, password: env.config.ADMIN_PASSWORD },
    });
    expect(r.status).toBe(200);
    expect(r.body.token).toMatch(/^stf_[A-Za-z0-9_-]{40,}$/);
    expect(r.body.user.roles).toEqual(['ADMIN']);
    const setCookie = r.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^ad_staff=stf_/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const sessions = await env.deps.prisma.staffSession.findMany({ where: { userId: r.body.user.id } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.id).toBe(createHash('sha256').update(r.body.token).digest('hex'));
    expect(sessions[0]!.expiresAt.getTime() - env.clock.now().getTime()).toBe(8 * 3_600_000);
    adminToken = r.body.token;
    const me = await call('GET', '/api/v1/me', { token: adminToken });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(env.config.ADMIN_EMAIL);
  });

  it('cookie requests that change state need the CSRF token; a new login replaces the presented session', async () => {
    const first = await call('POST', '/api/v1/auth/login', {
      body: { email: env.config.ADMIN_EMAIL, password: env.config.ADMIN_PASSWORD },
    });
    const cookie = cookieOf(first);
    const noCsrf = await call('POST', '/api/v1/auth/logout', { headers: { cookie } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('AUTH.CSRF');
    // signing in again with the old cookie issues a new token and revokes the old session (no fixation)
    const second = await call('POST', '/api/v1/auth/login', {
      headers: { cookie },
      body: { email: env.config.ADMIN_EMAIL, password: env.config.ADMIN_PASSWORD },
    });
    expect(second.status).toBe(200);
    expect(second.body.token).not.toBe(first.body.token);
    expect((await call('GET', '/api/v1/me', { token: first.body.token })).status).toBe(401);
    const cookie2 = cookieOf(second);
    const out = await call('POST', '/api/v1/auth/logout', {
      headers: { cookie: cookie2, 'x-csrf-token': second.body.csrfToken },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/ad_staff=;/);
    const after = await call('GET', '/api/v1/me', { token: second.body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('AUTH.INVALID');
  });

  it('sessions expire after SESSION_TTL_HOURS', async () => {
    const u = await makeStaff(env.deps, ['REVIEWER']);
    const r = await call('POST', '/api/v1/auth/login', {
      body: { email: u.email, password: STAFF_PASSWORD },
    });
    expect(r.status).toBe(200);
    env.clock.advance(8 * 3_600_000);
    const me = await call('GET', '/api/v1/me', { token: r.body.token });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('AUTH.SESSION_EXPIRED');
  });

  it('unknown e-mail, wrong password and a locked account answer the same; 5 failures lock; success resets', async () => {
    const u = await makeStaff(env.deps, ['REVIEWER']);
    const unknown = await call('POST', '/api/v1/auth/login', {
      body: { email: 'nobody@staff.test', password: 'whatever-password' },
    });
    const wrong = await call('POST', '/api/v1/auth/login', {
      body: { email: u.email, password: 'nope-nope-nope' },
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toEqual(unknown.body.error);
    for (let i = 2; i <= 5; i++) {
      const r = await call('POST', '/api/v1/auth/login', { body: { email: u.email, password: `bad-${i}` } });
      expect(r.status).toBe(401);
    }
    // even the right password is refused while locked, with the very answer of a wrong password
    const locked = await call('POST', '/api/v1/auth/login', {
      body: { email: u.email, password: STAFF_PASSWORD },
    });
    expect(locked.status).toBe(401);
    expect(locked.body.error).toEqual(unknown.body.error);
    expect(locked.headers.get('retry-after')).toBeNull();
    let row = await env.deps.prisma.staffUser.findUniqueOrThrow({ where: { id: u.id } });
    expect(row.failedLogins).toBe(5);
    expect(row.lockedUntil?.getTime()).toBe(env.clock.now().getTime() + 60_000);
    const reasons = await env.deps.prisma.auditLog.findMany({
      where: { action: 'LOGIN_FAILED', targetId: u.id },
      orderBy: { id: 'asc' },
    });
    expect(reasons.map((r) => (r.data as { reason: string }).reason).slice(-2)).toEqual([
      'WRONG_PASSWORD_LOCKED',
      'LOCKED',
    ]);
    env.clock.advance(60_000);
    const ok = await call('POST', '/api/v1/auth/login', {
      body: { email: u.email, password: STAFF_PASSWORD },
    });
    expect(ok.status).toBe(200);
    row = await env.deps.prisma.staffUser.findUniqueOrThrow({ where: { id: u.id } });
    expect(row.failedLogins).toBe(0);
    expect(row.lockedUntil).toBeNull();
  });

  it('30 parallel wrong guesses: the attempt is reserved before the check, so at most 5 are checked', async () => {
    const u = await makeStaff(env.deps, ['REVIEWER']);
    const before = await env.deps.prisma.auditLog.count({
      where: { action: 'LOGIN_FAILED', targetId: u.id },
    });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call('POST', '/api/v1/auth/login', {
          body: { email: u.email, password: `parallel-${i}` },
          headers: { 'x-forwarded-for': `198.18.0.${i + 1}` },
        }),
      ),
    );
    expect(answers.every((a) => a.status === 401)).toBe(true);
    const rows = await env.deps.prisma.auditLog.findMany({
      where: { action: 'LOGIN_FAILED', targetId: u.id },
      orderBy: { id: 'asc' },
      skip: before,
    });
    const reasons = rows.map((r) => (r.data as { reason: string }).reason);
    const checked = reasons.filter((r) => r.startsWith('WRONG_PASSWORD'));
    expect(reasons).toHaveLength(30);
    expect(checked.length).toBe(5);
    expect(reasons.filter((r) => r === 'LOCKED')).toHaveLength(25);
    const row = await env.deps.prisma.staffUser.findUniqueOrThrow({ where: { id: u.id } });
    expect(row.failedLogins).toBe(5);
    // and the right password is refused while the lock lasts
    const right = await call('POST', '/api/v1/auth/login', {
      body: { email: u.email, password: STAFF_PASSWORD },
    });
    expect([right.status, right.body.error.code]).toEqual([401, 'AUTH.INVALID']);
  });
});

describe('staff management (ADMIN)', () => {
  beforeAll(async () => {
    // the login tests moved the clock past the first session's lifetime
    const r = await call('POST', '/api/v1/auth/login', {
      body: { email: env.config.ADMIN_EMAIL, password: env.config.ADMIN_PASSWORD },
    });
    adminToken = r.body.token;
  });

  it('creates, lists and updates accounts; other roles are refused; duplicate e-mail is 409', async () => {
    const body = {
      email: 'New.Reviewer@staff.test',
      name: 'New Reviewer',
      password: 'a-long-password-1',
      roles: ['REVIEWER'],
    };
    const created = await call('POST', '/api/v1/staff', { token: adminToken, body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'new.reviewer@staff.test',
      roles: ['REVIEWER'],
      maxOpenCases: 10,
      active: true,
    });
    expect(JSON.stringify(created.body)).not.toContain('password');
    const dup = await call('POST', '/api/v1/staff', { token: adminToken, body });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('STAFF.EMAIL_TAKEN');
    const short = await call('POST', '/api/v1/staff', {
      token: adminToken,
      body: { ...body, email: 'x@staff.test', password: 'short' },
    });
    expect(short.status).toBe(400);
    const reviewer = await makeStaff(env.deps, ['REVIEWER']);
    const refused = await call('POST', '/api/v1/staff', {
      token: reviewer.token,
      body: { ...body, email: 'y@staff.test' },
    });
    expect(refused.status).toBe(403);
    const patched = await call('PATCH', `/api/v1/staff/${created.body.id}`, {
      token: adminToken,
      body: { roles: ['REVIEWER', 'LEAD'], maxOpenCases: 4, languages: ['en', 'zh'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      roles: ['REVIEWER', 'LEAD'],
      maxOpenCases: 4,
      languages: ['en', 'zh'],
    });
    const leads = await call('GET', '/api/v1/staff?role=LEAD', { token: adminToken });
    expect(leads.status).toBe(200);
    expect(leads.body.items.map((s: { id: string }) => s.id)).toContain(created.body.id);
    expect(leads.body.items.every((s: { roles: string[] }) => s.roles.includes('LEAD'))).toBe(true);
    // the new account can sign in with its password
    const login = await call('POST', '/api/v1/auth/login', {
      body: { email: 'new.reviewer@staff.test', password: 'a-long-password-1' },
    });
    expect(login.status).toBe(200);
    // deactivating ends its sessions
    const off = await call('PATCH', `/api/v1/staff/${created.body.id}`, {
      token: adminToken,
      body: { active: false },
    });
    expect(off.status).toBe(200);
    expect((await call('GET', '/api/v1/me', { token: login.body.token })).status).toBe(401);
  });

  it('leave returns the untouched cases to the pool and re-routes them; a case awaiting second approval stays', async () => {
    const { prisma } = env.deps;
    // nobody else can take cases while we set up: only A exists as an available reviewer
    await prisma.staffUser.updateMany({
      data: { active: false },
      where: { NOT: { email: env.config.ADMIN_EMAIL } },
    });
    const a = await makeStaff(env.deps, ['REVIEWER']);
    const lead = await makeStaff(env.deps, ['LEAD']);
    const untouched = await registerAppeal(call);
    const touched = await registerAppeal(call, { amount: { value: 250_000, currency: 'EUR' } });
    await markSubmitted(env.deps, untouched);
    await markSubmitted(env.deps, touched);
    await processRouting(env.deps);
    const before = await prisma.appeal.findMany({ where: { id: { in: [untouched, touched] } } });
    expect(before.map((x) => x.assigneeId)).toEqual([a.id, a.id]);
    const approve = await call('POST', `/api/v1/cases/${touched}/decision`, {
      token: a.token,
      body: { decision: 'APPROVE' },
    });
    expect(approve.status).toBe(200);
    expect(approve.body.decision.state).toBe('AWAITING_SECOND_APPROVAL');

    const b = await makeStaff(env.deps, ['REVIEWER']);
    const leaveUntil = new Date(env.clock.now().getTime() + 7 * 86_400_000).toISOString();
    const r = await call('PATCH', `/api/v1/staff/${a.id}`, {
      token: adminToken,
      body: { onLeaveUntil: leaveUntil },
    });
    expect(r.status).toBe(200);
    expect(r.body.onLeaveUntil).toBe(leaveUntil);
    const back = await prisma.appeal.findUniqueOrThrow({ where: { id: untouched } });
    expect(back.status).toBe('IN_REVIEW');
    expect(back.assigneeId).toBeNull();
    const ended = await prisma.caseAssignment.findMany({ where: { appealId: untouched } });
    expect(ended).toHaveLength(1);
    expect(ended[0]!.endedAt?.toISOString()).toBe(env.clock.now().toISOString());
    const hist = await prisma.caseHistory.findMany({ where: { appealId: untouched, action: 'UNASSIGNED' } });
    expect(hist.map((h) => h.reason)).toEqual(['REVIEWER_ON_LEAVE']);
    expect((await prisma.appeal.findUniqueOrThrow({ where: { id: touched } })).assigneeId).toBe(a.id);

    expect(await processRouting(env.deps)).toBe(1);
    const rerouted = await prisma.appeal.findUniqueOrThrow({ where: { id: untouched } });
    expect(rerouted.assigneeId).toBe(b.id);
    void lead;
  });
});
