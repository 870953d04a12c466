// Every audited action writes exactly one record with who, what and from where, through the API:
// failed logins (with the address, never the password), logout, decisions, routing and lead assignment,
// the refunds CSV export, staff create/update and holiday changes. The chain still verifies afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { verifyAuditChain } from '../../src/modules/audit/audit.service.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { makeStaff, STAFF_PASSWORD, submittedCase, type TestStaff } from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let admin: TestStaff;

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
  admin = await makeStaff(env.deps, ['ADMIN']);
});
afterAll(async () => {
  await server.close();
  await env.close();
});

const UA = 'audit-wiring-test/1.0';

async function rows(action: string) {
  return env.deps.prisma.auditLog.findMany({ where: { action }, orderBy: { id: 'asc' } });
}

function raw(r: unknown): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}

describe('logins and logout', () => {
  it('a wrong password writes LOGIN_FAILED with the ip, the target account and no password', async () => {
    const u = await makeStaff(env.deps, ['REVIEWER']);
    const wrong = 'Wrong-Secret-Pw-8812';
    const r = await call('POST', '/api/v1/auth/login', {
      body: { email: u.email, password: wrong },
      headers: { 'user-agent': UA },
    });
    expect(r.status).toBe(401);
    const failed = (await rows('LOGIN_FAILED')).filter((x) => x.targetId === u.id);
    expect(failed).toHaveLength(1);
    const f = failed[0]!;
    expect(f.actorType).toBe('SYSTEM');
    expect(f.actorLabel).toBe('anonymous');
    expect(f.targetType).toBe('STAFF_USER');
    expect(f.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(f.userAgent).toBe(UA);
    expect(f.data).toEqual({ reason: 'WRONG_PASSWORD' });
    expect(raw(f)).not.toContain(wrong);
  });

  it('an unknown account is audited by the e-mail tried; no password stored', async () => {
    const wrong = 'Another-Guess-4471';
    const r = await call('POST', '/api/v1/auth/login', {
      body: { email: 'nobody@staff.test', password: wrong },
    });
    expect(r.status).toBe(401);
    const f = (await rows('LOGIN_FAILED')).filter((x) => x.targetId === 'nobody@staff.test');
    expect(f).toHaveLength(1);
    expect(f[0]!.targetType).toBe('EMAIL');
    expect(f[0]!.data).toEqual({ reason: 'UNKNOWN_ACCOUNT' });
    expect(raw(await env.deps.prisma.auditLog.findMany())).not.toContain(wrong);
  });

  it('logout writes LOGOUT for the user; the ended session is refused afterwards', async () => {
    const u = await makeStaff(env.deps, ['REVIEWER']);
    const login = await call('POST', '/api/v1/auth/login', {
      body: { email: u.email, password: STAFF_PASSWORD },
    });
    expect(login.status).toBe(200);
    const out = await call('POST', '/api/v1/auth/logout', {
      token: login.body.token,
      headers: { 'user-agent': UA },
    });
    expect(out.status).toBe(204);
    const l = (await rows('LOGOUT')).filter((x) => x.actorId === u.id);
    expect(l).toHaveLength(1);
    expect(l[0]!.actorType).toBe('STAFF');
    expect(l[0]!.actorLabel).toBe(u.email);
    expect(l[0]!.userAgent).toBe(UA);
    expect(raw(l[0])).not.toContain(login.body.token);
    expect((await call('GET', '/api/v1/me', { token: login.body.token })).status).toBe(401);
  });
});

describe('cases', () => {
  it('routing, lead assignment and a decision each write one record in their transaction', async () => {
    await env.deps.prisma.staffUser.updateMany({
      where: { id: { not: admin.id } },
      data: { active: false },
    });
    const reviewer = await makeStaff(env.deps, ['REVIEWER']);
    const reviewer2 = await makeStaff(env.deps, ['REVIEWER']);
    await env.deps.prisma.staffUser.update({
      where: { id: reviewer2.id },
      data: { lastAssignedAt: env.clock.now() },
    });
    const lead = await makeStaff(env.deps, ['LEAD']);
    const id = await submittedCase(env.deps, call);

    const routed = (await rows('CASE_ASSIGNED')).filter((x) => x.appealId === id);
    expect(routed).toHaveLength(1);
    expect(routed[0]!.actorType).toBe('SYSTEM');
    expect(routed[0]!.actorId).toBe('router');
    expect(routed[0]!.targetId).toBe(reviewer.id);
    expect(routed[0]!.data).toEqual({ reviewerId: reviewer.id, reason: 'ROUTED' });

    const a = await call('POST', `/api/v1/cases/${id}/assign`, {
      token: lead.token,
      body: { reviewerId: reviewer2.id },
    });
    expect(a.status).toBe(200);
    const assigned = (await rows('CASE_ASSIGNED')).filter((x) => x.appealId === id);
    expect(assigned).toHaveLength(2);
    expect(assigned[1]!.actorType).toBe('STAFF');
    expect(assigned[1]!.actorId).toBe(lead.id);
    expect(assigned[1]!.ip).toMatch(/127\.0\.0\.1$/);
    expect(assigned[1]!.data).toEqual({
      reviewerId: reviewer2.id,
      previousAssigneeId: reviewer.id,
      overCap: false,
    });

    const d = await call('POST', `/api/v1/cases/${id}/decision`, {
      token: reviewer2.token,
      body: { decision: 'REJECT', reasonCodes: ['IMAGE_BLURRY'] },
    });
    expect(d.status).toBe(200);
    const dec = (await rows('DECISION_RECORDED')).filter((x) => x.appealId === id);
    expect(dec).toHaveLength(1);
    expect(dec[0]!.actorId).toBe(reviewer2.id);
    expect(dec[0]!.targetType).toBe('DECISION');
    expect(dec[0]!.targetId).toBe(d.body.decision.id);
    expect(dec[0]!.data).toEqual({
      decision: 'REJECT',
      reasonCodes: ['IMAGE_BLURRY'],
      status: 'REJECTED',
      needsLead: false,
      state: 'FINAL',
    });

    // a refused decision writes nothing
    const again = await call('POST', `/api/v1/cases/${id}/decision`, {
      token: reviewer2.token,
      body: { decision: 'APPROVE', reasonCodes: [] },
    });
    expect(again.status).toBe(409);
    expect((await rows('DECISION_RECORDED')).filter((x) => x.appealId === id)).toHaveLength(1);
  });
});

describe('admin changes and exports', () => {
  it('staff create and update write STAFF_CREATED / STAFF_UPDATED without the password', async () => {
    const pw = 'Initial-Password-7731';
    const c = await call('POST', '/api/v1/staff', {
      token: admin.token,
      body: { email: 'new.person@staff.test', name: 'New Person', password: pw, roles: ['REVIEWER'] },
    });
    expect(c.status).toBe(201);
    const created = (await rows('STAFF_CREATED')).filter((x) => x.targetId === c.body.id);
    expect(created).toHaveLength(1);
    expect(created[0]!.actorId).toBe(admin.id);
    expect(created[0]!.data).toEqual({ email: 'new.person@staff.test', roles: ['REVIEWER'] });

    const pw2 = 'Changed-Password-9904';
    const u = await call('PATCH', `/api/v1/staff/${c.body.id}`, {
      token: admin.token,
      body: { roles: ['REVIEWER', 'LEAD'], password: pw2 },
    });
    expect(u.status).toBe(200);
    const updated = (await rows('STAFF_UPDATED')).filter((x) => x.targetId === c.body.id);
    expect(updated).toHaveLength(1);
    expect(updated[0]!.data).toEqual({ fields: ['password', 'roles'], roles: ['REVIEWER', 'LEAD'] });
    const all = raw(await env.deps.prisma.auditLog.findMany());
    expect(all).not.toContain(pw);
    expect(all).not.toContain(pw2);

    // a refused change (unknown user) writes nothing
    const before = (await rows('STAFF_UPDATED')).length;
    const missing = await call('PATCH', '/api/v1/staff/00000000-0000-4000-8000-000000000000', {
      token: admin.token,
      body: { name: 'X' },
    });
    expect(missing.status).toBe(404);
    expect(await rows('STAFF_UPDATED')).toHaveLength(before);
  });

  it('holiday set and delete write HOLIDAY_SET / HOLIDAY_DELETED; deleting a non-holiday writes nothing', async () => {
    const put = await call('PUT', '/api/v1/calendar/holidays/2026-12-24', {
      token: admin.token,
      body: { name: 'Christmas Eve' },
    });
    expect(put.status).toBe(200);
    const set = await rows('HOLIDAY_SET');
    expect(set).toHaveLength(1);
    expect(set[0]!.actorId).toBe(admin.id);
    expect(set[0]!.targetId).toBe('2026-12-24');
    expect(set[0]!.data).toEqual({ date: '2026-12-24', name: 'Christmas Eve' });
    expect(
      (await call('DELETE', '/api/v1/calendar/holidays/2026-12-24', { token: admin.token })).status,
    ).toBe(204);
    expect(
      (await call('DELETE', '/api/v1/calendar/holidays/2026-12-24', { token: admin.token })).status,
    ).toBe(404);
    const del = await rows('HOLIDAY_DELETED');
    expect(del).toHaveLength(1);
    expect(del[0]!.data).toEqual({ date: '2026-12-24' });
  });

  it('the refunds CSV export writes REFUNDS_EXPORTED with its filters', async () => {
    const fin = await makeStaff(env.deps, ['FINANCE']);
    const r = await call('GET', '/api/v1/refunds.csv?currency=EUR', { token: fin.token });
    expect(r.status).toBe(200);
    const ex = await rows('REFUNDS_EXPORTED');
    expect(ex).toHaveLength(1);
    expect(ex[0]!.actorId).toBe(fin.id);
    expect(ex[0]!.data).toEqual({ currency: 'EUR' });
    // a refused export (bad filter) is not recorded
    expect((await call('GET', '/api/v1/refunds.csv?currency=eur', { token: fin.token })).status).toBe(400);
    expect(await rows('REFUNDS_EXPORTED')).toHaveLength(1);
  });

  it('the chain verifies after all of it', async () => {
    const v = await verifyAuditChain(env.deps.prisma);
    expect(v.ok).toBe(true);
    expect(v.checked).toBe(await env.deps.prisma.auditLog.count());
  });
});
