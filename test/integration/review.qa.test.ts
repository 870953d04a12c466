// Quality sampling through the API (issue 19.4): final decisions drawn by the qa subscriber (rate 1 here),
// the blind second review (no trace of the first decision), the first reviewer refused, the agreement
// recorded once, the leads' summary from a fixed set of samples, and the monthly cap under 20
// concurrent decisions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.ts';
import { type Call, startApiEnv, stopApiEnv } from '../support/api-env.ts';
import type { TestEnv } from '../support/env.ts';
import type { TestServer } from '../support/http.ts';
import { makeStaff, markSubmitted, registerAppeal, type TestStaff } from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;
let first: TestStaff;
let second: TestStaff;
let lead: TestStaff;

async function ok(p: Promise<{ status: number; text: string; body: any }>) {
  const r = await p;
  if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
  return r.body;
}

/** A submitted case assigned to `who`. */
async function caseFor(c: Call, e: TestEnv, l: TestStaff, who: TestStaff): Promise<string> {
  const id = await registerAppeal(c);
  await markSubmitted(e.deps, id);
  await ok(c('POST', `/api/v1/cases/${id}/assign`, { token: l.token, body: { reviewerId: who.id } }));
  return id;
}

beforeAll(async () => {
  ({ env, server, call } = await startApiEnv(
    { QA_SAMPLE_RATE: '1', QA_MONTHLY_CAP: '100', QA_SEED: 'qa-integration' },
    { clock: new FakeClock('2026-03-02T09:00:00Z') },
  ));
  first = await makeStaff(env.deps, ['REVIEWER'], { name: 'First Reviewer' });
  second = await makeStaff(env.deps, ['REVIEWER'], { name: 'Second Reviewer' });
  lead = await makeStaff(env.deps, ['LEAD'], { name: 'Qa Lead' });
});
afterAll(() => stopApiEnv(env, server));

describe('quality sampling', () => {
  let rejectedCase: string;
  let rejectedSample: string;
  let decisionId: string;

  it('a final decision is drawn into an OPEN sample; a request for more information is not', async () => {
    rejectedCase = await caseFor(call, env, lead, first);
    const d = await ok(
      call('POST', `/api/v1/cases/${rejectedCase}/decision`, {
        token: first.token,
        body: { decision: 'REJECT', reasonCodes: ['NAME_MISMATCH'], internalNote: 'note-secret-xyz' },
      }),
    );
    decisionId = d.decision.id;
    const s = await env.deps.prisma.qaReview.findUniqueOrThrow({ where: { decisionId } });
    expect(s).toMatchObject({
      appealId: rejectedCase,
      firstReviewerId: first.id,
      firstOutcome: 'REJECTED',
      firstReasonCodes: ['NAME_MISMATCH'],
      state: 'OPEN',
      month: '2026-03',
    });
    rejectedSample = s.id;

    const moreInfo = await caseFor(call, env, lead, first);
    await ok(
      call('POST', `/api/v1/cases/${moreInfo}/decision`, {
        token: first.token,
        body: { decision: 'REQUEST_MORE_INFO', reasonCodes: ['IMAGE_BLURRY'], slots: ['CARD_FRONT'] },
      }),
    );
    expect(await env.deps.prisma.qaReview.count({ where: { appealId: moreInfo } })).toBe(0);
  });

  it('the first reviewer never sees it in the list and is refused the review and the decision', async () => {
    const mine = await ok(call('GET', '/api/v1/qa/reviews?state=OPEN', { token: first.token }));
    expect(mine.items.map((i: { id: string }) => i.id)).not.toContain(rejectedSample);
    const view = await call('GET', `/api/v1/qa/reviews/${rejectedSample}`, { token: first.token });
    expect(view.status).toBe(403);
    expect(view.body.error.code).toBe('QA.OWN_DECISION');
    const dec = await call('POST', `/api/v1/qa/reviews/${rejectedSample}/decision`, {
      token: first.token,
      body: { outcome: 'REJECTED', reasonCodes: ['NAME_MISMATCH'] },
    });
    expect(dec.status).toBe(403);
    const doc = await env.deps.prisma.document.findFirstOrThrow({ where: { appealId: rejectedCase } });
    const img = await call('GET', `/api/v1/qa/reviews/${rejectedSample}/documents/${doc.id}/image`, {
      token: first.token,
    });
    expect(img.status).toBe(403);
  });

  it('the second reviewer sees the case without any trace of the first decision', async () => {
    const list = await ok(call('GET', '/api/v1/qa/reviews', { token: second.token }));
    expect(list.items).toEqual([expect.objectContaining({ id: rejectedSample, caseId: rejectedCase })]);
    const r = await call('GET', `/api/v1/qa/reviews/${rejectedSample}`, { token: second.token });
    expect(r.status).toBe(200);
    // the order facts and the documents are there
    expect(r.body.caseId).toBe(rejectedCase);
    expect(r.body.order.card.last4).toMatch(/^\d{4}$/);
    const docs = r.body.slots.flatMap((s: any) => [
      ...(s.documents ?? []),
      ...(s.document ? [s.document] : []),
    ]);
    expect(docs.length).toBeGreaterThanOrEqual(4);
    expect(r.body.history.map((h: { action: string }) => h.action)).toContain('SUBMITTED');
    // no field of the answer carries the first outcome, its reasons, its note or the decision's id
    for (const secret of ['REJECTED', 'NAME_MISMATCH', 'note-secret-xyz', decisionId, 'CANCELLED', first.id])
      expect(r.text, secret).not.toContain(secret);
    expect(r.body).not.toHaveProperty('status');
    expect(r.body).not.toHaveProperty('decisions');
    expect(r.body).not.toHaveProperty('decision');
    expect(r.body).not.toHaveProperty('refund');
  });

  it('a document of the sample reaches the second reviewer, only of that case', async () => {
    const doc = await env.deps.prisma.document.findFirstOrThrow({ where: { appealId: rejectedCase } });
    const img = await call('GET', `/api/v1/qa/reviews/${rejectedSample}/documents/${doc.id}/image`, {
      token: second.token,
    });
    // past the sample's permission and the case scope: markSubmitted's documents have no blob, so the
    // view answers what the case view answers for them (the browser test views real images)
    expect(img.status).toBe(410);
    expect(img.body.error.code).toBe('DOCUMENT.PURGED');
    // a document of another case is not reachable through this sample
    const other = await env.deps.prisma.document.findFirstOrThrow({
      where: { appealId: { not: rejectedCase } },
    });
    const cross = await call('GET', `/api/v1/qa/reviews/${rejectedSample}/documents/${other.id}/image`, {
      token: second.token,
    });
    expect(cross.status).toBe(404);
  });

  it('records the second decision and its agreement once; a second answer is 409; audited', async () => {
    const bad = await call('POST', `/api/v1/qa/reviews/${rejectedSample}/decision`, {
      token: second.token,
      body: { outcome: 'REJECTED', reasonCodes: [] },
    });
    expect(bad.status).toBe(400);
    const d = await ok(
      call('POST', `/api/v1/qa/reviews/${rejectedSample}/decision`, {
        token: second.token,
        body: { outcome: 'APPROVED', reasonCodes: [] },
      }),
    );
    expect(d).toEqual({
      id: rejectedSample,
      state: 'DONE',
      outcome: 'APPROVED',
      reasonCodes: [],
      agreed: false,
    });
    const again = await call('POST', `/api/v1/qa/reviews/${rejectedSample}/decision`, {
      token: lead.token,
      body: { outcome: 'REJECTED', reasonCodes: ['NAME_MISMATCH'] },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('QA.ALREADY_DECIDED');
    const audit = await env.deps.prisma.auditLog.findMany({
      where: { action: 'QA_REVIEW_RECORDED', targetId: rejectedSample },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: second.id, appealId: rejectedCase });
    // the case itself did not change
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: rejectedCase } });
    expect(a.status).toBe('REJECTED');
    // done: no longer in anybody's open list
    const open = await ok(call('GET', '/api/v1/qa/reviews', { token: lead.token }));
    expect(open.items.map((i: { id: string }) => i.id)).not.toContain(rejectedSample);
  });

  it('leads see agreement per first reviewer and overturns per reason code (fixed samples)', async () => {
    // three more samples of the first reviewer: approved (agreed), rejected NAME_MISMATCH+IMAGE_BLURRY
    // (agreed), rejected IMAGE_BLURRY (overturned); one sample of the lead, still open
    const plan: [string, string[], string][] = [
      ['APPROVE', [], 'APPROVED'],
      ['REJECT', ['NAME_MISMATCH', 'IMAGE_BLURRY'], 'REJECTED'],
      ['REJECT', ['IMAGE_BLURRY'], 'APPROVED'],
    ];
    for (const [decision, reasonCodes, qa] of plan) {
      const id = await caseFor(call, env, lead, first);
      const d = await ok(
        call('POST', `/api/v1/cases/${id}/decision`, { token: first.token, body: { decision, reasonCodes } }),
      );
      const s = await env.deps.prisma.qaReview.findUniqueOrThrow({ where: { decisionId: d.decision.id } });
      await ok(
        call('POST', `/api/v1/qa/reviews/${s.id}/decision`, {
          token: second.token,
          body: { outcome: qa, reasonCodes: qa === 'REJECTED' ? ['NAME_MISMATCH'] : [] },
        }),
      );
    }
    const own = await caseFor(call, env, lead, lead);
    await ok(
      call('POST', `/api/v1/cases/${own}/decision`, { token: lead.token, body: { decision: 'APPROVE' } }),
    );

    expect((await call('GET', '/api/v1/qa/summary', { token: second.token })).status).toBe(403);
    const s = await ok(
      call('GET', '/api/v1/qa/summary?from=2026-03-01&to=2026-03-31', { token: lead.token }),
    );
    expect(s.open).toBe(1);
    expect(s.reviewers).toEqual([
      {
        reviewerId: first.id,
        name: 'First Reviewer',
        samples: 4,
        agreed: 2,
        overturned: 2,
        agreementRate: 0.5,
      },
    ]);
    expect(s.reasonCodes).toEqual([
      { code: 'IMAGE_BLURRY', samples: 2, overturned: 1, overturnRate: 0.5 },
      { code: 'NAME_MISMATCH', samples: 2, overturned: 1, overturnRate: 0.5 },
      { code: null, samples: 1, overturned: 0, overturnRate: 0 },
    ]);
    const none = await ok(
      call('GET', '/api/v1/qa/summary?from=2026-04-01&to=2026-04-30', { token: lead.token }),
    );
    expect(none.reviewers).toEqual([]);
    expect((await call('GET', '/api/v1/qa/summary?from=nope', { token: lead.token })).status).toBe(400);
  });
});

describe('the monthly cap', () => {
  let e2: TestEnv;
  let s2: TestServer;
  let c2: Call;
  beforeAll(async () => {
    ({
      env: e2,
      server: s2,
      call: c2,
    } = await startApiEnv(
      { QA_SAMPLE_RATE: '1', QA_MONTHLY_CAP: '5', QA_SEED: 'qa-cap' },
      { clock: new FakeClock('2026-03-02T09:00:00Z'), poolSize: 12 },
    ));
  });
  afterAll(() => stopApiEnv(e2, s2));

  it('holds under 20 concurrent decisions at rate 1 and cap 5: exactly 5 samples', async () => {
    const l = await makeStaff(e2.deps, ['LEAD']);
    const reviewers = await Promise.all(Array.from({ length: 4 }, () => makeStaff(e2.deps, ['REVIEWER'])));
    const cases: [string, TestStaff][] = [];
    for (let i = 0; i < 20; i++) {
      const who = reviewers[i % 4]!;
      cases.push([await caseFor(c2, e2, l, who), who]);
    }
    const answers = await Promise.all(
      cases.map(([id, who]) =>
        c2('POST', `/api/v1/cases/${id}/decision`, {
          token: who.token,
          body: i(id) % 2 ? { decision: 'APPROVE' } : { decision: 'REJECT', reasonCodes: ['NAME_MISMATCH'] },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(await e2.deps.prisma.qaReview.count()).toBe(5);
    expect(await e2.deps.prisma.qaMonthlyCount.findUnique({ where: { month: '2026-03' } })).toEqual({
      month: '2026-03',
      count: 5,
    });
    // a new month starts a new count
    e2.clock.set('2026-04-01T09:00:00Z');
    const [id, who] = [await caseFor(c2, e2, l, reviewers[0]!), reviewers[0]!];
    await ok(c2('POST', `/api/v1/cases/${id}/decision`, { token: who.token, body: { decision: 'APPROVE' } }));
    expect(await e2.deps.prisma.qaReview.count({ where: { month: '2026-04' } })).toBe(1);
  });
});

/** A stable 0/1 split of case ids (mixes approvals and rejections). */
function i(id: string): number {
  return Number.parseInt(id.slice(-1), 16);
}
