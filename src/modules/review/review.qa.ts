// Quality sampling (issue 19.4): the blind second review of a sampled final decision and the leads'
// agreement figures. A sample is written by the qa subscriber (review.qa.subscriber.ts); here a reviewer
// or lead who took no part in the first decision (neither its reviewer nor its second approver) sees the
// case without that decision, decides, and the agreement is recorded. The case itself never changes:
// an "overturn" is a second review that reached the other outcome, a quality figure, not a new decision.
import { Prisma } from '../../generated/prisma/client.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { getCase, type Viewer } from './review.cases.ts';

export type QaOutcome = 'APPROVED' | 'REJECTED';

/** History actions that would tell the second reviewer what the first decision was. */
const REVEALING_ACTIONS = new Set(['APPROVAL_AWAITING_SECOND', 'SECOND_APPROVAL', 'APPROVED', 'REJECTED']);

async function loadSample(deps: Pick<Deps, 'prisma'>, id: string) {
  if (!isUuid(id)) throw new AppError('QA.NOT_FOUND', 'No such quality review.');
  const s = await deps.prisma.qaReview.findUnique({ where: { id } });
  if (!s) throw new AppError('QA.NOT_FOUND', 'No such quality review.');
  const d = await deps.prisma.decision.findUnique({
    where: { id: s.decisionId },
    select: { reviewerId: true, secondApproverId: true, createdAt: true },
  });
  return { sample: s, firstDeciders: [d?.reviewerId ?? s.firstReviewerId, d?.secondApproverId], decision: d };
}

/** The first reviewer (and the second approver) can never give the second review. */
function assertBlindReviewer(firstDeciders: (string | null | undefined)[], viewer: Viewer) {
  if (firstDeciders.includes(viewer.id))
    throw new AppError(
      'QA.OWN_DECISION',
      'You took part in the first decision: another reviewer must review it.',
    );
}

/**
 * The case history up to the first decision: the entries before the first one that reveals it (by
 * action, or naming the decision) and not later than the decision, without their reasons and data.
 */
function historyBefore(
  history: {
    at: string;
    actorType: string;
    action: string;
    from: string | null;
    to: string | null;
    data: unknown;
  }[],
  decisionId: string,
  before: Date,
) {
  const cut = history.findIndex(
    (h) =>
      REVEALING_ACTIONS.has(h.action) ||
      JSON.stringify(h.data ?? null).includes(decisionId) ||
      new Date(h.at) > before,
  );
  return (cut === -1 ? history : history.slice(0, cut)).map((h) => ({
    at: h.at,
    actorType: h.actorType,
    action: h.action,
    from: h.from,
    to: h.to,
  }));
}

/** Open samples the viewer may review (oldest first): not those of their own first decisions. */
export async function listQaReviews(
  deps: Pick<Deps, 'prisma'>,
  viewer: Viewer,
  q: { state: 'OPEN' | 'DONE' },
) {
  const rows = await deps.prisma.$queryRaw<
    { id: string; appealId: string; orderId: string; createdAt: Date; decidedAt: Date | null }[]
  >`
    SELECT q.id::text, q.appeal_id::text AS "appealId", o.order_id AS "orderId", q.created_at AS "createdAt",
           q.decided_at AS "decidedAt"
    FROM qa_reviews q
    JOIN decisions d ON d.id = q.decision_id
    JOIN appeals a ON a.id = q.appeal_id
    JOIN blocked_orders o ON o.id = a.order_id
    WHERE q.state = ${q.state}::"QaReviewState"
      AND q.first_reviewer_id <> ${viewer.id}::uuid AND d.reviewer_id <> ${viewer.id}::uuid
      AND (d.second_approver_id IS NULL OR d.second_approver_id <> ${viewer.id}::uuid)
      AND (${q.state} = 'OPEN' OR q.second_reviewer_id = ${viewer.id}::uuid)
    ORDER BY q.created_at ASC, q.id ASC
    LIMIT 200`;
  return {
    items: rows.map((r) => ({
      id: r.id,
      caseId: r.appealId,
      orderId: r.orderId,
      sampledAt: r.createdAt.toISOString(),
      decidedAt: r.decidedAt?.toISOString() ?? null,
    })),
  };
}

/**
 * The case as the case view shows it (getCase), reduced to what a blind reviewer may see: order facts,
 * documents and the history before the first decision, without status, decisions, reasons, notes, the
 * assignee, the refund or anything else that follows from the outcome. A whitelist, not a strip-list: a
 * field added to the case view later stays out of here until someone decides it is blind-safe.
 */
export async function getBlindCase(
  deps: Pick<Deps, 'prisma' | 'config' | 'calendar'>,
  viewer: Viewer,
  id: string,
) {
  const { sample, firstDeciders, decision } = await loadSample(deps, id);
  assertBlindReviewer(firstDeciders, viewer);
  // the sample names the case; the QA row is the reviewer's permission to see it (closed cases included)
  const c = await getCase(deps, { id: viewer.id, roles: ['LEAD'] }, sample.appealId);
  const before = decision?.createdAt ?? sample.createdAt;
  return {
    id: sample.id,
    state: sample.state,
    caseId: c.id,
    orderId: c.orderId,
    idType: c.idType,
    round: c.round,
    submittedAt: c.submittedAt,
    firstSubmittedAt: c.firstSubmittedAt,
    order: {
      orderId: c.order.orderId,
      amount: c.order.amount,
      card: c.order.card,
      errorCode: c.order.errorCode,
      blockedAt: c.order.blockedAt,
      buyerName: c.order.buyerName,
      buyerLocale: c.order.buyerLocale,
      issuerCountry: c.order.issuerCountry,
      paymentCaptured: c.order.paymentCaptured,
    },
    slots: c.slots,
    history: historyBefore(c.history, sample.decisionId, before),
    // the reviewer's own answer once given (never the first one)
    mine:
      sample.state === 'DONE' && sample.secondReviewerId === viewer.id
        ? { outcome: sample.secondOutcome, reasonCodes: sample.secondReasonCodes }
        : null,
  };
}

/** Where a document of the sample's case may be viewed: the sample's case id, for the blind reviewer. */
export async function blindDocumentCase(deps: Pick<Deps, 'prisma'>, viewer: Viewer, id: string) {
  const { sample, firstDeciders } = await loadSample(deps, id);
  assertBlindReviewer(firstDeciders, viewer);
  return sample.appealId;
}

/** Records the second review once (a second answer is QA.ALREADY_DECIDED) and its agreement; audited. */
export async function decideQaReview(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  viewer: Viewer,
  id: string,
  input: { outcome: QaOutcome; reasonCodes: string[] },
  source?: AuditSource,
) {
  const codes = [...new Set(input.reasonCodes)];
  if (input.outcome === 'REJECTED' && codes.length === 0)
    throw new AppError('CASE.REASON_REQUIRED', 'A rejection needs at least one reason code.');
  if (codes.length) {
    const known = await deps.prisma.reasonCode.findMany({
      where: { code: { in: codes } },
      select: { code: true },
    });
    const unknown = codes.filter((c) => !known.some((k) => k.code === c));
    if (unknown.length)
      throw new AppError('CASE.UNKNOWN_REASON_CODES', `Unknown reason codes: ${unknown.join(', ')}.`, {
        unknown,
      });
  }
  const { sample, firstDeciders } = await loadSample(deps, id);
  assertBlindReviewer(firstDeciders, viewer);
  return deps.prisma.$transaction(async (tx) => {
    const now = deps.clock.now();
    const agreed = input.outcome === sample.firstOutcome;
    // the state check and the write are one statement: of two concurrent answers one wins, one gets 409
    const n = await tx.qaReview.updateMany({
      where: { id: sample.id, state: 'OPEN' },
      data: {
        state: 'DONE',
        secondReviewerId: viewer.id,
        secondOutcome: input.outcome,
        secondReasonCodes: codes,
        agreed,
        decidedAt: now,
      },
    });
    if (n.count !== 1) throw new AppError('QA.ALREADY_DECIDED', 'This quality review was already done.');
    await appendAudit(tx, {
      ...(source ?? { actor: { type: 'STAFF', id: viewer.id } }),
      at: now,
      action: 'QA_REVIEW_RECORDED',
      appealId: sample.appealId,
      target: { type: 'QA_REVIEW', id: sample.id },
      data: {
        decisionId: sample.decisionId,
        firstOutcome: sample.firstOutcome,
        secondOutcome: input.outcome,
        reasonCodes: codes,
        agreed,
      },
    });
    return { id: sample.id, state: 'DONE' as const, outcome: input.outcome, reasonCodes: codes, agreed };
  });
}

const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 10_000) / 10_000 : null);

/**
 * Agreement over second reviews done (decidedAt) between the local dates from..to (both included,
 * BUSINESS_TIMEZONE): per first reviewer and per reason code of the first decision (a decision without
 * a reason code counts under code null). Samples still open are counted per reviewer as `open`.
 */
export async function qaSummary(
  deps: Pick<Deps, 'prisma' | 'config'>,
  range: { from?: string; to?: string },
) {
  const tz = deps.config.BUSINESS_TIMEZONE;
  const inRange = Prisma.sql`q.state = 'DONE'
      AND (${range.from ?? null}::date IS NULL OR (q.decided_at AT TIME ZONE ${tz})::date >= ${range.from ?? null}::date)
      AND (${range.to ?? null}::date IS NULL OR (q.decided_at AT TIME ZONE ${tz})::date <= ${range.to ?? null}::date)`;
  const reviewers = await deps.prisma.$queryRaw<
    { reviewerId: string; name: string | null; samples: number; agreed: number }[]
  >`
    SELECT q.first_reviewer_id::text AS "reviewerId", s.name, count(*)::int AS samples,
           count(*) FILTER (WHERE q.agreed)::int AS agreed
    FROM qa_reviews q LEFT JOIN staff_users s ON s.id = q.first_reviewer_id
    WHERE ${inRange}
    GROUP BY q.first_reviewer_id, s.name ORDER BY s.name, q.first_reviewer_id`;
  const reasons = await deps.prisma.$queryRaw<{ code: string | null; samples: number; overturned: number }[]>`
    SELECT r.code, count(*)::int AS samples, count(*) FILTER (WHERE NOT q.agreed)::int AS overturned
    FROM qa_reviews q
    CROSS JOIN LATERAL unnest(CASE WHEN cardinality(q.first_reason_codes) > 0 THEN q.first_reason_codes
                                   ELSE ARRAY[NULL]::text[] END) AS r(code)
    WHERE ${inRange}
    GROUP BY r.code ORDER BY r.code NULLS LAST`;
  const open = await deps.prisma.$queryRaw<{ open: number }[]>`
    SELECT count(*)::int AS open FROM qa_reviews WHERE state = 'OPEN'`;
  return {
    from: range.from ?? null,
    to: range.to ?? null,
    timezone: tz,
    open: open[0]?.open ?? 0,
    reviewers: reviewers.map((r) => ({
      reviewerId: r.reviewerId,
      name: r.name ?? '',
      samples: r.samples,
      agreed: r.agreed,
      overturned: r.samples - r.agreed,
      agreementRate: rate(r.agreed, r.samples),
    })),
    reasonCodes: reasons.map((r) => ({
      code: r.code,
      samples: r.samples,
      overturned: r.overturned,
      overturnRate: rate(r.overturned, r.samples),
    })),
  };
}
