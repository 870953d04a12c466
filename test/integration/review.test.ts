// Decisions end to end (submit -> routed -> decided), bad input leaving everything unchanged, second
// approval, the resubmission cap, lead assignment and the case APIs.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestEnv } from '../support/env.ts';
import { tokenFromUrl } from '../support/factories.ts';
import { appealToken, appealUrl } from '../../src/platform/appeal-token.ts';
import { APPEAL_LINK_PLACEHOLDER } from '../../src/platform/email-outbox.ts';
import type { TestServer } from '../support/http.ts';
import {
  emailsQueued,
  makeStaff,
  markSubmitted,
  processRouting,
  registerAppeal,
  submittedCase,
  type TestStaff,
} from '../support/review.ts';
import { type Call, startApiEnv, stopApiEnv } from '../support/api-env.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;
let reviewer: TestStaff;
let other: TestStaff;
let lead: TestStaff;
let lead2: TestStaff;

beforeAll(async () => {
  ({ env, server, call } = await startApiEnv());
});
afterAll(() => stopApiEnv(env, server));
beforeEach(async () => {
  // every test starts with its own team: earlier reviewers are switched off
  await env.deps.prisma.staffUser.updateMany({ data: { active: false } });
  reviewer = await makeStaff(env.deps, ['REVIEWER']);
  other = await makeStaff(env.deps, ['REVIEWER']);
  lead = await makeStaff(env.deps, ['LEAD']);
  lead2 = await makeStaff(env.deps, ['LEAD']);
  // routing ties break on longest idle: `reviewer` never had a case, `other` just had one
  await env.deps.prisma.staffUser.update({
    where: { id: other.id },
    data: { lastAssignedAt: env.clock.now() },
  });
});

function decide(who: TestStaff, id: string, body: Record<string, unknown>) {
  return call('POST', `/api/v1/cases/${id}/decision`, { token: who.token, body });
}

/** Everything a decision could change, to show that a refused one changed nothing. */
async function snapshot(appealId: string) {
  const p = env.deps.prisma;
  const appeal = await p.appeal.findUniqueOrThrow({ where: { id: appealId }, include: { order: true } });
  return JSON.stringify(
    {
      appeal,
      decisions: await p.decision.findMany({ where: { appealId }, orderBy: { createdAt: 'asc' } }),
      history: await p.caseHistory.count({ where: { appealId } }),
      outbox: await p.outboxMessage.count(),
      assignments: await p.caseAssignment.findMany({ where: { appealId }, orderBy: { assignedAt: 'asc' } }),
      documents: await p.document.findMany({
        where: { appealId },
        orderBy: { slot: 'asc' },
        select: { slot: true, status: true },
      }),
      pauses: await p.slaPause.count({ where: { appealId } }),
      refunds: await p.refund.count({ where: { appealId } }),
    },
    (_k, v) => (typeof v === 'bigint' ? String(v) : v),
  );
}

describe('submit -> routed -> decided', () => {
  it('APPROVE: APPROVED, order released, buyer told with a working link, reviewer free again', async () => {
    const id = await submittedCase(env.deps, call);
    const routed = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    expect(routed.status).toBe('IN_REVIEW');
    expect(routed.assigneeId).toBe(reviewer.id);
    const mine = await call('GET', '/api/v1/cases?assignee=me', { token: reviewer.token });
    expect(mine.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    expect(mine.body.items[0].card).toEqual({ brand: 'VISA', last4: '4242' });

    const r = await decide(reviewer, id, {
      decision: 'APPROVE',
      buyerMessage: 'Thanks',
      internalNote: 'docs fine',
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'APPROVED', decision: { kind: 'APPROVE', state: 'FINAL' } });
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id }, include: { order: true } });
    expect(a.status).toBe('APPROVED');
    expect(a.order.state).toBe('RELEASED');
    expect(a.decidedAt?.toISOString()).toBe(env.clock.now().toISOString());
    const asg = await env.deps.prisma.caseAssignment.findMany({ where: { appealId: id } });
    expect(asg.map((x) => x.endedAt?.toISOString())).toEqual([env.clock.now().toISOString()]);
    const hist = await env.deps.prisma.caseHistory.findMany({
      where: { appealId: id },
      orderBy: { id: 'asc' },
    });
    expect(hist.map((h) => h.action)).toEqual(['APPEAL_OPENED', 'SUBMITTED', 'ASSIGNED', 'APPROVED']);
    expect(hist.at(-1)).toMatchObject({
      actorType: 'STAFF',
      actorId: reviewer.id,
      fromStatus: 'IN_REVIEW',
      toStatus: 'APPROVED',
    });
    const mails = await emailsQueued(env.deps, id);
    expect(mails.map((m) => m.message.template)).toEqual(['APPEAL_OPENED', 'APPROVED']);
    // the stored row holds a placeholder; the worker puts in the appeal's current link at send time
    expect(mails[1]!.message.appealUrl).toBe(APPEAL_LINK_PLACEHOLDER);
    const { tokenNonce } = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    const link = appealUrl(
      env.config.PUBLIC_BASE_URL,
      appealToken(tokenNonce, env.config.APPEAL_TOKEN_SECRET),
    );
    const view = await call('GET', `/api/v1/appeals/${id}`, { token: tokenFromUrl(link) });
    expect(view.status).toBe(200);
    expect(view.body.status).toBe('APPROVED');
    expect(view.body.decision.kind).toBe('APPROVE');
    const open = await call('GET', '/api/v1/cases?assignee=me', { token: reviewer.token });
    expect(open.body.items).toEqual([]);
  });

  it('REJECT: REJECTED, order cancelled, refund in the 7-10 working-day window, reasons in en and zh', async () => {
    const id = await submittedCase(env.deps, call);
    const r = await decide(reviewer, id, {
      decision: 'REJECT',
      reasonCodes: ['NAME_MISMATCH', 'SUSPECTED_TAMPERING'],
      buyerMessage: 'The name does not match.',
      internalNote: 'edited pixels around the name',
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('REJECTED');
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({
      where: { id },
      include: { order: true, refund: true },
    });
    expect(a.order.state).toBe('CANCELLED');
    expect(a.refund?.id).toBe(r.body.refundId);
    // decided Monday 2026-03-02 09:00 London: +7 working days is Wednesday 11 March, +10 Monday 16 March
    expect(a.refund?.expectedFrom.toISOString()).toBe('2026-03-11T09:00:00.000Z');
    expect(a.refund?.dueBy.toISOString()).toBe('2026-03-16T09:00:00.000Z');
    const mail = (await emailsQueued(env.deps, id)).at(-1)!;
    expect(mail.message).toMatchObject({
      template: 'REJECTED',
      buyerMessage: 'The name does not match.',
      refund: { amount: { value: 12_999, currency: 'EUR' }, expectedFrom: '2026-03-11', dueBy: '2026-03-16' },
    });
    const reasons = mail.message.reasons as { code: string; en: string; zh: string }[];
    expect(reasons.map((x) => x.code)).toEqual(['NAME_MISMATCH', 'SUSPECTED_TAMPERING']);
    expect(reasons.every((x) => x.en.length > 10 && /[\u4e00-\u9fff]/.test(x.zh))).toBe(true);
    expect(JSON.stringify(mail)).not.toContain('edited pixels'); // the internal note stays inside
    const dec = await env.deps.prisma.decision.findFirstOrThrow({ where: { appealId: id } });
    expect(dec.internalNote).toBe('edited pixels around the name');
  });

  it('REQUEST_MORE_INFO: pauses the SLA, marks the slots for redo; the resubmission returns to the same reviewer', async () => {
    const id = await submittedCase(env.deps, call);
    const before = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    expect(before.targetAt?.toISOString()).toBe('2026-03-05T09:00:00.000Z');
    env.clock.advance(3_600_000);
    const r = await decide(reviewer, id, {
      decision: 'REQUEST_MORE_INFO',
      reasonCodes: ['IMAGE_BLURRY'],
      slots: ['CARD_FRONT'],
      buyerMessage: 'Please retake the card photo.',
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('MORE_INFO_REQUESTED');
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({
      where: { id },
      include: { pauses: true, documents: true },
    });
    expect(a).toMatchObject({
      round: 1,
      requestedSlots: ['CARD_FRONT'],
      lastReviewerId: reviewer.id,
      assigneeId: null,
    });
    expect([a.targetAt, a.warnAt, a.breachAt]).toEqual([null, null, null]);
    expect(a.slaUsedMs).toBe(3_600_000n);
    expect(a.pauses.map((p) => [p.startedAt.toISOString(), p.endedAt])).toEqual([
      [env.clock.now().toISOString(), null],
    ]);
    expect(a.documents.filter((d) => d.status === 'REDO_REQUESTED').map((d) => d.slot)).toEqual([
      'CARD_FRONT',
    ]);
    const mail = (await emailsQueued(env.deps, id)).at(-1)!;
    expect(mail.message).toMatchObject({
      template: 'MORE_INFO_REQUESTED',
      slots: ['CARD_FRONT'],
      respondBy: '2026-03-16',
    });

    // `other` now has fewer open cases than `reviewer`, but the resubmission goes back to `reviewer`
    for (let i = 0; i < 2; i++) {
      const busy = await submittedCase(env.deps, call);
      await call('POST', `/api/v1/cases/${busy}/assign`, {
        token: lead.token,
        body: { reviewerId: reviewer.id },
      });
    }
    expect(
      await env.deps.prisma.appeal.count({ where: { assigneeId: reviewer.id, status: 'IN_REVIEW' } }),
    ).toBe(2);
    expect(await env.deps.prisma.appeal.count({ where: { assigneeId: other.id, status: 'IN_REVIEW' } })).toBe(
      0,
    );
    env.clock.advance(24 * 3_600_000);
    await markSubmitted(env.deps, id);
    await processRouting(env.deps);
    const back = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    expect(back.assigneeId).toBe(reviewer.id);
    // one working hour used before the pause: the target moves by the 24 h the clock was paused
    expect(back.targetAt?.toISOString()).toBe('2026-03-06T09:00:00.000Z');
    const asg = await env.deps.prisma.caseAssignment.findMany({
      where: { appealId: id },
      orderBy: { assignedAt: 'asc' },
    });
    expect(asg.map((x) => x.reason)).toEqual(['ROUTED', 'RESUBMISSION']);
  });
});

describe('bad input: a clear error and nothing changed', () => {
  it('unknown reason codes, missing reasons or slots, someone else, not IN_REVIEW, twice', async () => {
    const id = await submittedCase(env.deps, call);
    const s0 = await snapshot(id);
    const unknown = await decide(reviewer, id, {
      decision: 'REJECT',
      reasonCodes: ['IMAGE_BLURRY', 'NOPE', 'ALSO_NOPE'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('CASE.UNKNOWN_REASON_CODES');
    expect(unknown.body.error.details).toEqual({ unknown: ['NOPE', 'ALSO_NOPE'] });
    const noReason = await decide(reviewer, id, { decision: 'REJECT' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.code).toBe('CASE.REASON_REQUIRED');
    const noSlots = await decide(reviewer, id, {
      decision: 'REQUEST_MORE_INFO',
      reasonCodes: ['IMAGE_GLARE'],
    });
    expect(noSlots.status).toBe(400);
    expect(noSlots.body.error.code).toBe('CASE.SLOTS_REQUIRED');
    const notRequired = await decide(reviewer, id, {
      decision: 'REQUEST_MORE_INFO',
      reasonCodes: ['IMAGE_GLARE'],
      slots: ['ID_BACK'],
    });
    expect(notRequired.status).toBe(400);
    expect(notRequired.body.error.code).toBe('CASE.SLOT_NOT_REQUIRED'); // a passport has no back
    const someoneElse = await decide(other, id, { decision: 'APPROVE' });
    expect(someoneElse.status).toBe(403);
    expect(someoneElse.body.error.code).toBe('CASE.NOT_ASSIGNEE');
    const finance = await makeStaff(env.deps, ['FINANCE']);
    expect((await decide(finance, id, { decision: 'APPROVE' })).status).toBe(403);
    expect(await snapshot(id)).toBe(s0);

    expect((await decide(reviewer, id, { decision: 'APPROVE' })).status).toBe(200);
    const s1 = await snapshot(id);
    const twice = await decide(reviewer, id, { decision: 'REJECT', reasonCodes: ['NAME_MISMATCH'] });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('CASE.ALREADY_DECIDED');
    const leadTwice = await decide(lead, id, { decision: 'APPROVE' });
    expect(leadTwice.status).toBe(409);
    expect(await snapshot(id)).toBe(s1);

    const waiting = await registerAppeal(call);
    const s2 = await snapshot(waiting);
    const notInReview = await decide(lead, waiting, { decision: 'APPROVE' });
    expect(notInReview.status).toBe(409);
    expect(notInReview.body.error.code).toBe('CASE.NOT_IN_REVIEW');
    expect(await snapshot(waiting)).toBe(s2);
    const missing = await decide(lead, '00000000-0000-4000-8000-000000000000', { decision: 'APPROVE' });
    expect(missing.status).toBe(404);
  });

  it('two decisions racing on one case: one wins, the other is refused', async () => {
    const id = await submittedCase(env.deps, call);
    const [x, y] = await Promise.all([
      decide(reviewer, id, { decision: 'APPROVE' }),
      decide(lead, id, { decision: 'REJECT', reasonCodes: ['SUSPECTED_IDENTITY_THEFT'] }),
    ]);
    expect([x.status, y.status].sort()).toEqual([200, 409]);
    expect(await env.deps.prisma.decision.count({ where: { appealId: id } })).toBe(1);
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    expect(a.status).toBe(x.status === 200 ? 'APPROVED' : 'REJECTED');
  });

  it('above the threshold an approval waits for a different lead; the same person is refused', async () => {
    const id = await submittedCase(env.deps, call, { amount: { value: 100_001, currency: 'EUR' } });
    const first = await decide(reviewer, id, { decision: 'APPROVE' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'IN_REVIEW',
      needsLead: true,
      decision: { state: 'AWAITING_SECOND_APPROVAL' },
    });
    const flagged = await call('GET', '/api/v1/cases?needsLead=true', { token: lead.token });
    expect(flagged.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const s0 = await snapshot(id);
    const same = await decide(reviewer, id, { decision: 'APPROVE' });
    expect(same.status).toBe(409);
    expect(same.body.error.code).toBe('CASE.SECOND_APPROVAL_SAME_PERSON');
    expect(await snapshot(id)).toBe(s0);
    // a lead who approved first cannot confirm their own approval either
    const id2 = await submittedCase(env.deps, call, { amount: { value: 500_000, currency: 'EUR' } });
    expect((await decide(lead, id2, { decision: 'APPROVE' })).body.decision.state).toBe(
      'AWAITING_SECOND_APPROVAL',
    );
    const s2 = await snapshot(id2);
    const self = await decide(lead, id2, { decision: 'APPROVE' });
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('CASE.SECOND_APPROVAL_SAME_PERSON');
    expect(await snapshot(id2)).toBe(s2);

    const second = await decide(lead2, id, { decision: 'APPROVE' });
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('APPROVED');
    const dec = await env.deps.prisma.decision.findFirstOrThrow({ where: { appealId: id } });
    expect(dec).toMatchObject({ state: 'FINAL', reviewerId: reviewer.id, secondApproverId: lead2.id });
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id }, include: { order: true } });
    expect([a.status, a.order.state, a.needsLead]).toEqual(['APPROVED', 'RELEASED', false]);
    // exactly at the threshold no second approval is needed
    const id3 = await submittedCase(env.deps, call, { amount: { value: 100_000, currency: 'EUR' } });
    expect((await decide(lead, id3, { decision: 'APPROVE' })).body.status).toBe('APPROVED');
  });
});

describe('resubmission cap', () => {
  it('a reviewer asking again past the cap hands the case to a lead; a lead may still ask, and it returns flagged', async () => {
    const id = await submittedCase(env.deps, call);
    await env.deps.prisma.appeal.update({ where: { id }, data: { round: env.config.MAX_RESUBMISSIONS } });
    const body = { decision: 'REQUEST_MORE_INFO', reasonCodes: ['IMAGE_BLURRY'], slots: ['ID_FRONT'] };
    const r = await decide(reviewer, id, body);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'IN_REVIEW', needsLead: true, decision: null });
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    expect([a.status, a.assigneeId, a.needsLead, a.round]).toEqual(['IN_REVIEW', null, true, 3]);
    expect(await env.deps.prisma.decision.count({ where: { appealId: id } })).toBe(0);
    const h = await env.deps.prisma.caseHistory.findFirstOrThrow({
      where: { appealId: id, action: 'ESCALATED_TO_LEAD' },
    });
    expect(h.reason).toBe('RESUBMISSION_CAP');

    const byLead = await decide(lead, id, body);
    expect(byLead.body.status).toBe('MORE_INFO_REQUESTED');
    await markSubmitted(env.deps, id);
    await processRouting(env.deps);
    const back = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    expect([back.status, back.assigneeId, back.needsLead, back.round]).toEqual(['IN_REVIEW', null, true, 4]);
  });
});

describe('lead assignment', () => {
  it('assigns, reassigns over the cap (recorded), refuses reviewers on leave, returns to the pool', async () => {
    const id = await submittedCase(env.deps, call);
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } })).assigneeId).toBe(reviewer.id);
    const byReviewer = await call('POST', `/api/v1/cases/${id}/assign`, {
      token: reviewer.token,
      body: { reviewerId: other.id },
    });
    expect(byReviewer.status).toBe(403);
    await env.deps.prisma.staffUser.update({ where: { id: other.id }, data: { maxOpenCases: 0 } });
    const r = await call('POST', `/api/v1/cases/${id}/assign`, {
      token: lead.token,
      body: { reviewerId: other.id },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ assigneeId: other.id, overCap: true, changed: true });
    const asg = await env.deps.prisma.caseAssignment.findMany({
      where: { appealId: id },
      orderBy: { assignedAt: 'asc' },
    });
    expect(asg.map((x) => [x.reviewerId, x.reason, x.assignedById, x.endedAt !== null])).toEqual([
      [reviewer.id, 'ROUTED', null, true],
      [other.id, 'LEAD_REASSIGN', lead.id, false],
    ]);
    // the previous reviewer no longer sees it; the new one can decide
    expect((await call('GET', `/api/v1/cases/${id}`, { token: reviewer.token })).status).toBe(200); // worked on it before
    expect((await decide(reviewer, id, { decision: 'APPROVE' })).status).toBe(403);

    await env.deps.prisma.staffUser.update({
      where: { id: reviewer.id },
      data: { onLeaveUntil: new Date(env.clock.now().getTime() + 86_400_000) },
    });
    const onLeave = await call('POST', `/api/v1/cases/${id}/assign`, {
      token: lead.token,
      body: { reviewerId: reviewer.id },
    });
    expect(onLeave.status).toBe(409);
    expect(onLeave.body.error.code).toBe('CASE.REVIEWER_UNAVAILABLE');
    const pool = await call('POST', `/api/v1/cases/${id}/assign`, {
      token: lead.token,
      body: { reviewerId: null },
    });
    expect(pool.status).toBe(200);
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    expect([a.status, a.assigneeId]).toEqual(['IN_REVIEW', null]);
    const unassigned = await call('GET', '/api/v1/cases?assignee=unassigned', { token: other.token });
    expect(unassigned.body.items.map((c: { id: string }) => c.id)).toContain(id);
  });
});

describe('case APIs', () => {
  it('queue sorted by due time, paginated, filtered; reviewers see their cases and the pool only', async () => {
    env.clock.set('2026-04-13T09:00:00Z'); // a Monday after the earlier tests' dates
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await submittedCase(env.deps, call));
      env.clock.advance(3_600_000);
    }
    // the first went to `reviewer`, the second to `other`, the third to `reviewer` again
    const asgs = await env.deps.prisma.appeal.findMany({
      where: { id: { in: ids } },
      select: { id: true, assigneeId: true },
    });
    const byId = new Map(asgs.map((a) => [a.id, a.assigneeId]));
    expect(ids.map((i) => byId.get(i))).toEqual([reviewer.id, other.id, reviewer.id]);

    // earlier tests left open cases: walk every page
    const seen: { id: string; targetAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: any } = await call(
        'GET',
        `/api/v1/cases?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        {
          token: lead.token,
        },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(new Set(seen.map((c) => c.id)).size).toBe(seen.length);
    expect(seen.map((c) => c.id).filter((x) => ids.includes(x))).toEqual(ids);
    const targets = seen.map((c) => c.targetAt);
    expect([...targets].sort()).toEqual(targets);
    expect(seen.length).toBe(
      await env.deps.prisma.appeal.count({ where: { status: { in: ['SUBMITTED', 'IN_REVIEW'] } } }),
    );

    const mine = await call('GET', '/api/v1/cases?assignee=me', { token: other.token });
    expect(mine.body.items.map((c: { id: string }) => c.id)).toEqual([ids[1]]);
    // without the filter a reviewer sees their own cases and the pool, never another reviewer's
    const visible = await call('GET', '/api/v1/cases?limit=200', { token: other.token });
    const ids2 = visible.body.items.map((c: { id: string }) => c.id);
    expect(ids2).toContain(ids[1]);
    expect(ids2).not.toContain(ids[0]);
    expect(
      visible.body.items.every(
        (c: { assignee: { id: string } | null }) => !c.assignee || c.assignee.id === other.id,
      ),
    ).toBe(true);
    expect((await call('GET', `/api/v1/cases/${ids[0]}`, { token: other.token })).status).toBe(404);
    const c = await call('GET', `/api/v1/cases/${ids[1]}`, { token: other.token });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({
      id: ids[1],
      assignee: { id: other.id },
      escalated: false,
      targetAt: expect.any(String),
    });
    expect(c.body.order.card).toEqual({ brand: 'VISA', last4: '4242' });
    expect(c.body.history.map((h: { action: string }) => h.action)).toEqual([
      'APPEAL_OPENED',
      'SUBMITTED',
      'ASSIGNED',
    ]);
    expect(c.body.slots.filter((s: { document: unknown }) => s.document).length).toBe(4);

    env.clock.set('2026-04-16T10:00:00Z'); // past the first two targets (Thursday 09:00, 10:00), not the third (11:00)
    const overdue = await call('GET', '/api/v1/cases?overdue=true', { token: lead.token });
    expect(
      overdue.body.items.map((x: { id: string }) => x.id).filter((x: string) => ids.includes(x)),
    ).toEqual(ids.slice(0, 2));
    const bad = await call('GET', '/api/v1/cases?status=NOPE', { token: lead.token });
    expect(bad.status).toBe(400);
    const finance = await makeStaff(env.deps, ['FINANCE']);
    expect((await call('GET', '/api/v1/cases', { token: finance.token })).status).toBe(403);
  });

  it('reason codes for staff; team SLA figures for leads', async () => {
    const rc = await call('GET', '/api/v1/reason-codes', { token: reviewer.token });
    expect(rc.status).toBe(200);
    const codes = rc.body.items.map((x: { code: string }) => x.code);
    for (const c of [
      'IMAGE_BLURRY',
      'IMAGE_GLARE',
      'IMAGE_CUT_OFF',
      'BLACK_AND_WHITE_COPY',
      'WRONG_SIDE',
      'DOCUMENT_EXPIRED',
      'NAME_MISMATCH',
      'LAST4_MISMATCH',
      'STATEMENT_MISSING_PAYMENT',
      'SUSPECTED_TAMPERING',
      'SUSPECTED_IDENTITY_THEFT',
    ])
      expect(codes).toContain(c);
    expect(rc.body.items[0]).toMatchObject({
      kind: expect.stringMatching(/^(RETRY|FINAL)$/),
      buyerText: { en: expect.any(String), zh: expect.any(String) },
    });
    expect((await call('GET', '/api/v1/reason-codes')).status).toBe(401);

    env.clock.set('2026-04-20T09:00:00Z');
    const from = env.clock.now().toISOString();
    const fast = await submittedCase(env.deps, call); // target Thu 23rd 09:00, breach Mon 27th 09:00
    const slow = await submittedCase(env.deps, call);
    expect((await decide(reviewer, fast, { decision: 'APPROVE' })).status).toBe(200);
    env.clock.set('2026-04-28T09:00:00Z'); // past the breach
    const who =
      (await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: slow } })).assigneeId === reviewer.id
        ? reviewer
        : other;
    expect((await decide(who, slow, { decision: 'APPROVE' })).status).toBe(200);
    const r = await call('GET', `/api/v1/team/sla?from=${encodeURIComponent(from)}`, { token: lead.token });
    expect(r.status).toBe(200);
    expect(r.body.decided).toEqual({ decided: 2, withinTarget: 1, withinDeadline: 1, breached: 1 });
    expect((await call('GET', '/api/v1/team/sla', { token: reviewer.token })).status).toBe(403);
  });
});
