// Server side of the console work (issue 13 points 3, 5, 8, 9): the second-approval state in the case
// view and the leads' list, the refund's allowed events, the ADMIN's password reset (and who may not),
// the PDF page count on documents, and the respond-by date while waiting for the buyer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { allowedRefundEvents } from '../../src/modules/refunds/refunds.rules.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { makeStaff, submittedCase, type TestStaff } from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let reviewer: TestStaff;
let lead: TestStaff;
let admin: TestStaff;
let finance: TestStaff;

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
  reviewer = await makeStaff(env.deps, ['REVIEWER'], { name: 'Rita Reviewer' });
  lead = await makeStaff(env.deps, ['LEAD'], { maxOpenCases: 0 });
  admin = await makeStaff(env.deps, ['ADMIN']);
  finance = await makeStaff(env.deps, ['FINANCE']);
});

afterAll(async () => {
  await server?.close();
  await env?.close();
});

describe('second approval', () => {
  it('the case view and the leads list show an approval waiting for a second lead, until it is confirmed', async () => {
    const id = await submittedCase(env.deps, call, { amount: { value: 250_000, currency: 'EUR' } });
    const before = await call('GET', `/api/v1/cases/${id}`, { token: reviewer.token });
    expect(before.body.secondApproval).toBeNull();
    const d = await call('POST', `/api/v1/cases/${id}/decision`, {
      token: reviewer.token,
      body: { decision: 'APPROVE', reasonCodes: [] },
    });
    expect([d.status, d.body.decision.state]).toEqual([200, 'AWAITING_SECOND_APPROVAL']);
    const view = await call('GET', `/api/v1/cases/${id}`, { token: reviewer.token });
    expect(view.body.secondApproval).toMatchObject({
      state: 'WAITING',
      firstApprover: { id: reviewer.id, name: 'Rita Reviewer' },
    });
    expect(view.body.secondApproval.since).toBe(view.body.decisions.at(-1).createdAt);
    const list = await call('GET', '/api/v1/team/second-approvals', { token: lead.token });
    expect(list.status).toBe(200);
    expect(list.body.count).toBe(1);
    expect(list.body.items[0]).toMatchObject({
      caseId: id,
      amount: { value: 250_000, currency: 'EUR' },
      firstApprover: { id: reviewer.id },
    });
    // leads only
    expect((await call('GET', '/api/v1/team/second-approvals', { token: reviewer.token })).status).toBe(403);
    // a second lead confirms: the state is gone from both
    const ok = await call('POST', `/api/v1/cases/${id}/decision`, {
      token: lead.token,
      body: { decision: 'APPROVE', reasonCodes: [] },
    });
    expect([ok.status, ok.body.status]).toEqual([200, 'APPROVED']);
    expect((await call('GET', `/api/v1/cases/${id}`, { token: lead.token })).body.secondApproval).toBeNull();
    expect((await call('GET', '/api/v1/team/second-approvals', { token: lead.token })).body.count).toBe(0);
  });
});

describe('refund events allowed from each status', () => {
  it('pure rule', () => {
    expect(allowedRefundEvents('SCHEDULED')).toEqual(['SUBMITTED']);
    expect(allowedRefundEvents('SUBMITTED')).toEqual(['SETTLED', 'FAILED']);
    expect(allowedRefundEvents('FAILED')).toEqual(['SUBMITTED']);
    expect(allowedRefundEvents('SETTLED')).toEqual([]);
  });

  it('the refund list carries them and they follow the status', async () => {
    const id = await submittedCase(env.deps, call, { paymentCaptured: true });
    const reason = await env.deps.prisma.reasonCode.findFirstOrThrow({ where: { kind: 'FINAL' } });
    const r = await call('POST', `/api/v1/cases/${id}/decision`, {
      token: reviewer.token,
      body: { decision: 'REJECT', reasonCodes: [reason.code] },
    });
    expect(r.status, r.text).toBe(200);
    const refund = await env.deps.prisma.refund.findFirstOrThrow({ where: { appealId: id } });
    const item = async () =>
      (await call('GET', '/api/v1/refunds?limit=200', { token: finance.token })).body.items.find(
        (x: { id: string }) => x.id === refund.id,
      );
    expect((await item()).allowedEvents).toEqual(['SUBMITTED']);
    expect((await item()).cause).toBe('REJECTED');
    await call('POST', `/api/v1/refunds/${refund.id}/events`, {
      token: finance.token,
      body: { type: 'SUBMITTED', providerRef: 'PSP-9' },
    });
    expect((await item()).allowedEvents).toEqual(['SETTLED', 'FAILED']);
    // a 22-digit ARN is refused with a field error naming the 23 digits
    const bad = await call('POST', `/api/v1/refunds/${refund.id}/events`, {
      token: finance.token,
      body: { type: 'SETTLED', arn: '1234567890123456789012' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'arn', message: expect.stringContaining('23-digit') }]);
    const one = await call('GET', `/api/v1/refunds/${refund.id}`, { token: finance.token });
    expect(one.body.allowedEvents).toEqual(['SETTLED', 'FAILED']);
  });
});

describe('POST /api/v1/staff/:id/reset-password', () => {
  it('an ADMIN gets a one-time temporary password; old sessions end; the new one signs in', async () => {
    const target = await makeStaff(env.deps, ['REVIEWER']);
    await env.deps.prisma.staffUser.update({
      where: { id: target.id },
      data: { failedLogins: 9, lockedUntil: new Date(Date.now() + 3_600_000) },
    });
    const r = await call('POST', `/api/v1/staff/${target.id}/reset-password`, { token: admin.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body.temporaryPassword).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
    expect(r.body.user.id).toBe(target.id);
    // the session held before is over
    expect((await call('GET', '/api/v1/me', { token: target.token })).status).toBe(401);
    const login = await call('POST', '/api/v1/auth/login', {
      body: { email: target.email, password: r.body.temporaryPassword },
    });
    expect(login.status).toBe(200);
    // the audit records the field, never the password
    const audit = await env.deps.prisma.auditLog.findFirstOrThrow({
      where: { action: 'STAFF_UPDATED', targetId: target.id },
      orderBy: { id: 'desc' },
    });
    expect(audit.data).toMatchObject({ fields: ['password'] });
    expect(JSON.stringify(audit.data)).not.toContain(r.body.temporaryPassword);
  });

  it('only an ADMIN may reset; an unknown account is 404', async () => {
    const target = await makeStaff(env.deps, ['REVIEWER']);
    for (const who of [reviewer, lead, finance, target]) {
      const r = await call('POST', `/api/v1/staff/${target.id}/reset-password`, { token: who.token });
      expect(r.status).toBe(403);
    }
    expect((await call('POST', `/api/v1/staff/${target.id}/reset-password`)).status).toBe(401);
    const missing = await call('POST', '/api/v1/staff/00000000-0000-4000-8000-000000000000/reset-password', {
      token: admin.token,
    });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'STAFF.NOT_FOUND']);
  });
});

describe('buyer-facing view fields', () => {
  it('respondBy while waiting for the buyer: the day before the expiry', async () => {
    const r = await call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      body: blockedOrder(),
    });
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: r.body.appealId } });
    const view = await call('GET', `/api/v1/appeals/${a.id}`, { token: admin.token });
    expect(view.status, view.text).toBe(200);
    const expiry = new Date(a.lastBuyerActivityAt.getTime() + env.config.APPEAL_EXPIRY_DAYS * 86_400_000);
    const dayBefore = new Date(expiry.getTime() - 86_400_000).toISOString().slice(0, 10);
    // within a day of the UTC date (the business zone may differ by a few hours)
    expect(Math.abs(Date.parse(view.body.respondBy) - Date.parse(dayBefore))).toBeLessThanOrEqual(86_400_000);
  });
});
