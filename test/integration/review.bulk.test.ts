// Bulk actions of leads (POST /api/v1/cases/bulk): each case on its own (own transaction, own audit
// record), the answer lists what succeeded and what failed and why; limits and roles. Four eyes at one
// choke point: every path to an approval above SECOND_APPROVAL_MINOR goes through approvalGate, and
// approveInTx refuses a final approval that skipped it. The admins' warning with one and two leads.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/modules/audit/audit.service.ts';
import { approveInTx } from '../../src/modules/review/review.approve.ts';
import type { TestEnv } from '../support/env.ts';
import type { TestServer } from '../support/http.ts';
import {
  makeStaff,
  markSubmitted,
  registerAppeal,
  submittedCase,
  type TestStaff,
} from '../support/review.ts';
import { type Call, startApiEnv, stopApiEnv } from '../support/api-env.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;
let reviewer: TestStaff;
let lead: TestStaff;
let lead2: TestStaff;

beforeAll(async () => {
  ({ env, server, call } = await startApiEnv());
});
afterAll(() => stopApiEnv(env, server));
beforeEach(async () => {
  await env.deps.prisma.staffUser.updateMany({ data: { active: false } });
  reviewer = await makeStaff(env.deps, ['REVIEWER']);
  lead = await makeStaff(env.deps, ['LEAD']);
  lead2 = await makeStaff(env.deps, ['LEAD']);
});

function bulk(who: TestStaff, body: unknown, headers: Record<string, string> = {}) {
  return call('POST', '/api/v1/cases/bulk', { token: who.token, body, headers });
}

/** A SUBMITTED case in the pool (not routed). */
async function poolCase(over: Record<string, unknown> = {}): Promise<string> {
  const id = await registerAppeal(call, over);
  await markSubmitted(env.deps, id);
  return id;
}

async function audits(appealId: string, action: string) {
  return env.deps.prisma.auditLog.findMany({ where: { appealId, action }, orderBy: { id: 'asc' } });
}

/** Everything an assignment could touch on one case. */
async function snapshot(appealId: string) {
  const p = env.deps.prisma;
  return JSON.stringify(
    {
      appeal: await p.appeal.findUniqueOrThrow({ where: { id: appealId } }),
      history: await p.caseHistory.count({ where: { appealId } }),
      assignments: await p.caseAssignment.findMany({ where: { appealId }, orderBy: { assignedAt: 'asc' } }),
      audit: await p.auditLog.count({ where: { appealId } }),
    },
    (_k, v) => (typeof v === 'bigint' ? String(v) : v),
  );
}

describe('bulk actions', () => {
  it('3 cases, one already decided: 2 succeed with one audit record each, the decided one fails untouched', async () => {
    // the decided case first: submittedCase routes every pending case, pool cases made before it too
    const decided = await submittedCase(env.deps, call);
    const ok = await call('POST', `/api/v1/cases/${decided}/decision`, {
      token: reviewer.token,
      body: { decision: 'APPROVE' },
    });
    expect(ok.body.status).toBe('APPROVED');
    const a = await poolCase();
    const b = await poolCase();
    const before = await snapshot(decided);

    // the failing case sits between the two others: its rollback must not touch them
    const r = await bulk(lead, { action: 'assign', caseIds: [a, decided, b], assigneeId: reviewer.id });
    expect(r.status).toBe(200);
    expect(r.body.succeeded.map((s: { caseId: string }) => s.caseId)).toEqual([a, b]);
    expect(r.body.succeeded[0]).toMatchObject({ caseId: a, assigneeId: reviewer.id, changed: true });
    expect(r.body.failed).toEqual([
      {
        caseId: decided,
        status: 409,
        error: {
          code: 'CASE.NOT_IN_REVIEW',
          message: 'A case in status APPROVED cannot be assigned.',
          details: { status: 'APPROVED' },
        },
      },
    ]);
    for (const id of [a, b]) {
      const c = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
      expect([c.status, c.assigneeId]).toEqual(['IN_REVIEW', reviewer.id]);
      const rec = await audits(id, 'CASE_ASSIGNED');
      expect(rec).toHaveLength(1);
      expect(rec[0]).toMatchObject({ actorType: 'STAFF', actorId: lead.id });
      expect(rec[0]!.data).toMatchObject({ reviewerId: reviewer.id, previousAssigneeId: null });
    }
    expect(await snapshot(decided)).toBe(before);
    const chain = await verifyAuditChain(env.deps.prisma);
    expect(chain.ok).toBe(true);
  });

  it('unknown and malformed ids fail on their own with 404 in the SPEC shape, in the caller language', async () => {
    const a = await poolCase();
    const none = '00000000-0000-4000-8000-000000000000';
    const r = await bulk(
      lead,
      { action: 'assign', caseIds: [none, 'not-a-case', a], assigneeId: reviewer.id },
      { 'x-appeal-language': 'zh' },
    );
    expect(r.status).toBe(200);
    expect(r.body.succeeded.map((s: { caseId: string }) => s.caseId)).toEqual([a]);
    expect(r.body.failed).toEqual([
      { caseId: none, status: 404, error: { code: 'CASE.NOT_FOUND', message: '未找到此案件。' } },
      { caseId: 'not-a-case', status: 404, error: { code: 'CASE.NOT_FOUND', message: '未找到此案件。' } },
    ]);
  });

  it('assign takes pool cases only, reassign assigned ones only; return to the pool and escalate', async () => {
    const other = await makeStaff(env.deps, ['REVIEWER']);
    const pool = await poolCase();
    const mine = await poolCase();
    expect((await bulk(lead, { action: 'assign', caseIds: [mine], assigneeId: reviewer.id })).status).toBe(
      200,
    );

    const again = await bulk(lead, { action: 'assign', caseIds: [mine], assigneeId: other.id });
    expect(again.body.failed.map((f: { error: { code: string } }) => f.error.code)).toEqual([
      'CASE.ALREADY_ASSIGNED',
    ]);
    const re = await bulk(lead, { action: 'reassign', caseIds: [pool, mine], assigneeId: other.id });
    expect(re.body.succeeded.map((s: { caseId: string }) => s.caseId)).toEqual([mine]);
    expect(re.body.failed).toMatchObject([
      { caseId: pool, status: 409, error: { code: 'CASE.NOT_ASSIGNED' } },
    ]);
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: mine } })).assigneeId).toBe(
      other.id,
    );

    const back = await bulk(lead, { action: 'return-to-pool', caseIds: [mine] });
    expect(back.body).toMatchObject({ succeeded: [{ caseId: mine, assigneeId: null }], failed: [] });
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: mine } })).assigneeId).toBeNull();
    expect(await audits(mine, 'CASE_ASSIGNED')).toHaveLength(3);

    const esc = await bulk(lead, { action: 'escalate', caseIds: [pool, mine] });
    expect(esc.body.succeeded).toEqual([
      { caseId: pool, escalated: true, changed: true },
      { caseId: mine, escalated: true, changed: true },
    ]);
    const flagged = await call('GET', '/api/v1/cases?escalated=true', { token: lead.token });
    expect(flagged.body.items.map((c: { id: string }) => c.id).sort()).toEqual([pool, mine].sort());
    expect(await audits(pool, 'CASE_ESCALATED')).toHaveLength(1);
    // escalating again changes nothing and writes nothing
    const twice = await call('POST', `/api/v1/cases/${pool}/escalate`, { token: lead.token });
    expect(twice.body).toEqual({ caseId: pool, escalated: true, changed: false });
    expect(await audits(pool, 'CASE_ESCALATED')).toHaveLength(1);
  });

  it('limits and bad input: 400 in the SPEC error shape, nothing done', async () => {
    const a = await poolCase();
    const before = await snapshot(a);
    const ids = Array.from(
      { length: 101 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const bad: unknown[] = [
      { action: 'assign', caseIds: ids, assigneeId: reviewer.id },
      { action: 'assign', caseIds: [], assigneeId: reviewer.id },
      { action: 'assign', caseIds: [a, a], assigneeId: reviewer.id },
      { action: 'assign', caseIds: [a] },
      { action: 'reassign', caseIds: [a] },
      { action: 'return-to-pool', caseIds: [a], assigneeId: reviewer.id },
      { action: 'approve', caseIds: [a] },
      { action: 'assign', caseIds: [a], assigneeId: reviewer.id, extra: 1 },
    ];
    for (const body of bad) {
      const r = await bulk(lead, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error.code).toBe('REQUEST.INVALID');
      expect(typeof r.body.error.message).toBe('string');
      expect(Array.isArray(r.body.error.details)).toBe(true);
    }
    const r101 = await bulk(lead, bad[0]);
    expect(r101.body.error.details.map((d: { path: string }) => d.path)).toContain('caseIds');
    // exactly 100 is allowed (all unknown here: 100 failures, nothing else)
    const r100 = await bulk(lead, { action: 'escalate', caseIds: ids.slice(0, 100) });
    expect(r100.status).toBe(200);
    expect(r100.body.failed).toHaveLength(100);
    expect(await snapshot(a)).toBe(before);
  });

  it('only leads: a reviewer, an admin and finance get 403, nobody 401', async () => {
    const a = await poolCase();
    const before = await snapshot(a);
    const body = { action: 'assign', caseIds: [a], assigneeId: reviewer.id };
    for (const roles of [['REVIEWER'], ['ADMIN'], ['FINANCE']] as const) {
      const u = await makeStaff(env.deps, [...roles]);
      const r = await bulk(u, body);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('AUTH.FORBIDDEN');
    }
    expect((await call('POST', '/api/v1/cases/bulk', { body })).status).toBe(401);
    expect(await snapshot(a)).toBe(before);
  });
});

describe('four eyes at one choke point', () => {
  const BIG = { amount: { value: 500_000, currency: 'EUR' } };

  it('the decision route: above the threshold an approval waits; a lead on leave cannot confirm it', async () => {
    const id = await submittedCase(env.deps, call, BIG);
    const first = await call('POST', `/api/v1/cases/${id}/decision`, {
      token: reviewer.token,
      body: { decision: 'APPROVE' },
    });
    expect(first.body).toMatchObject({
      status: 'IN_REVIEW',
      decision: { state: 'AWAITING_SECOND_APPROVAL' },
    });
    await env.deps.prisma.staffUser.update({
      where: { id: lead2.id },
      data: { onLeaveUntil: new Date(env.clock.now().getTime() + 86_400_000) },
    });
    const away = await call('POST', `/api/v1/cases/${id}/decision`, {
      token: lead2.token,
      body: { decision: 'APPROVE' },
    });
    expect(away.status).toBe(409);
    expect(away.body.error.code).toBe('CASE.SECOND_APPROVAL_REQUIRED');
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } })).status).toBe('IN_REVIEW');
    const ok = await call('POST', `/api/v1/cases/${id}/decision`, {
      token: lead.token,
      body: { decision: 'APPROVE' },
    });
    expect(ok.body.status).toBe('APPROVED');
  });

  it('a path that skips the gate cannot approve: approveInTx checks the stored decision itself', async () => {
    const id = await submittedCase(env.deps, call, BIG);
    const p = env.deps.prisma;
    // what a careless new path might write: a FINAL approval by one person, no second approver
    const d = await p.decision.create({
      data: { appealId: id, round: 1, kind: 'APPROVE', state: 'FINAL', reviewerId: reviewer.id },
    });
    const approve = () =>
      p.$transaction(async (tx) => {
        const a = await tx.appeal.findUniqueOrThrow({ where: { id }, include: { order: true } });
        await approveInTx(tx, env.deps, a, env.clock.now(), { type: 'STAFF', id: reviewer.id }, d.id);
      });
    await expect(approve()).rejects.toMatchObject({ code: 'CASE.SECOND_APPROVAL_REQUIRED' });
    await p.decision.update({ where: { id: d.id }, data: { secondApproverId: reviewer.id } });
    await expect(approve()).rejects.toMatchObject({ code: 'CASE.SECOND_APPROVAL_SAME_PERSON' });
    // a reviewer is not a lead: still refused
    const other = await makeStaff(env.deps, ['REVIEWER']);
    await p.decision.update({ where: { id: d.id }, data: { secondApproverId: other.id } });
    await expect(approve()).rejects.toMatchObject({ code: 'CASE.SECOND_APPROVAL_REQUIRED' });
    const a = await p.appeal.findUniqueOrThrow({ where: { id }, include: { order: true } });
    expect([a.status, a.order.state]).toEqual(['IN_REVIEW', 'BLOCKED']);
    // with a second lead the same call goes through (so the refusals above are the gate's, not a bug)
    await p.decision.update({ where: { id: d.id }, data: { secondApproverId: lead2.id } });
    await approve();
    expect((await p.appeal.findUniqueOrThrow({ where: { id } })).status).toBe('APPROVED');
  });

  it('no bulk action approves: approve is not an action, and bulk leaves a waiting approval waiting', async () => {
    const id = await submittedCase(env.deps, call, BIG);
    await call('POST', `/api/v1/cases/${id}/decision`, {
      token: reviewer.token,
      body: { decision: 'APPROVE' },
    });
    expect((await bulk(lead, { action: 'approve', caseIds: [id] })).status).toBe(400);
    const r = await bulk(lead, { action: 'reassign', caseIds: [id], assigneeId: lead2.id });
    expect(r.body.succeeded).toHaveLength(1);
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id }, include: { decisions: true } });
    expect(a.status).toBe('IN_REVIEW');
    expect(a.decisions.map((d) => d.state)).toEqual(['AWAITING_SECOND_APPROVAL']);
  });
});

describe('admin warning: fewer than two leads can give a second approval', () => {
  it('warns with one lead, not with two; a lead on leave does not count', async () => {
    const admin = await makeStaff(env.deps, ['ADMIN']);
    const get = async () => {
      const r = await call('GET', '/api/v1/admin/warnings', { token: admin.token });
      expect(r.status).toBe(200);
      return r.body.items as { code: string; details: { leadsAvailable: number } }[];
    };
    expect(await get()).toEqual([]);
    await env.deps.prisma.staffUser.update({ where: { id: lead2.id }, data: { active: false } });
    const one = await get();
    expect(one).toMatchObject([
      {
        code: 'FOUR_EYES_TOO_FEW_LEADS',
        details: {
          leadsAvailable: 1,
          required: 2,
          thresholdMinor: env.config.SECOND_APPROVAL_MINOR,
          leads: [{ id: lead.id }],
        },
      },
    ]);
    await env.deps.prisma.staffUser.update({ where: { id: lead2.id }, data: { active: true } });
    expect(await get()).toEqual([]);
    await env.deps.prisma.staffUser.update({
      where: { id: lead.id },
      data: { onLeaveUntil: new Date(env.clock.now().getTime() + 86_400_000) },
    });
    expect((await get()).map((w) => w.details.leadsAvailable)).toEqual([1]);
    const r = await call('GET', '/api/v1/admin/warnings', { token: lead2.token });
    expect(r.status).toBe(403);
  });
});
