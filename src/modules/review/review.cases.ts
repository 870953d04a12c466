// Read side of the review desk: the queue, one case, the reason-code catalogue, team SLA figures.
// Visibility: a LEAD sees every case; a REVIEWER sees the cases assigned to them, the unassigned pool and
// the cases they worked on before (a resubmission they asked for, a decision they made).
import { Prisma } from '../../generated/prisma/client.ts';
import type { StaffRole } from '../../platform/principal.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { money } from '../../platform/money.ts';
import { getAppealView } from '../appeals/appeals.service.ts';
import { otherBuyersCases } from './review.duplicates.ts';
import { isUuid } from '../../platform/ids.ts';

export interface Viewer {
  id: string;
  roles: readonly StaffRole[];
}

const OPEN_STATUSES = ['SUBMITTED', 'IN_REVIEW'] as const;

function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

/**
 * The cases a viewer may open (GET /api/v1/cases/:id, its documents and their images): a LEAD every case
 * (null: no condition); a REVIEWER their own, the open unassigned pool and the cases they worked on before.
 */
export function reviewerScope(v: Viewer): Prisma.AppealWhereInput | null {
  if (v.roles.includes('LEAD')) return null;
  return {
    OR: [
      { assigneeId: v.id },
      { assigneeId: null, status: { in: [...OPEN_STATUSES] } },
      { lastReviewerId: v.id },
      { assignments: { some: { reviewerId: v.id } } },
    ],
  };
}

/** The queue's filters (ZCaseFilters, parsed). */
export interface CaseFilters {
  status?: string[] | undefined;
  assignee?: string | undefined;
  overdue?: boolean | undefined;
  escalated?: boolean | undefined;
  needsLead?: boolean | undefined;
  currency?: string | undefined;
  amountMin?: number | undefined;
  amountMax?: number | undefined;
  flags?: string[] | undefined;
}

export interface CaseListQuery extends CaseFilters {
  limit: number;
  cursor?: string | undefined;
}

/**
 * The WHERE conditions of the queue for `viewer` (filters and visibility, no cursor) over appeals `a`
 * joined with blocked_orders `o`: listCases and the saved views' counts (review.views.ts) share them.
 */
export function caseWhere(viewer: Viewer, q: CaseFilters, now: Date): Prisma.Sql[] {
  const where: Prisma.Sql[] = [
    // the default is written out literally so the planner can match the partial index's predicate.
    // The list goes over the wire as text[] and is cast to the enum array server-side: PGlite's adapter
    // cannot encode a JS array as an enum-array parameter ("malformed array literal"); PostgreSQL takes
    // both. test/smoke runs this filter against both databases.
    q.status?.length
      ? Prisma.sql`a.status = ANY(${q.status}::text[]::"AppealStatus"[])`
      : Prisma.sql`a.status IN ('SUBMITTED', 'IN_REVIEW')`,
  ];
  if (q.assignee === 'me') where.push(Prisma.sql`a.assignee_id = ${viewer.id}::uuid`);
  else if (q.assignee === 'unassigned') where.push(Prisma.sql`a.assignee_id IS NULL`);
  else if (q.assignee) where.push(Prisma.sql`a.assignee_id = ${q.assignee}::uuid`);
  if (q.overdue === true) where.push(Prisma.sql`a.target_at <= ${now}`);
  if (q.overdue === false) where.push(Prisma.sql`(a.target_at IS NULL OR a.target_at > ${now})`);
  if (q.escalated !== undefined) where.push(Prisma.sql`a.escalated = ${q.escalated}`);
  if (q.needsLead !== undefined) where.push(Prisma.sql`a.needs_lead = ${q.needsLead}`);
  if (q.currency) where.push(Prisma.sql`o.currency = ${q.currency}`);
  if (q.amountMin !== undefined) where.push(Prisma.sql`o.amount_minor >= ${BigInt(q.amountMin)}`);
  if (q.amountMax !== undefined) where.push(Prisma.sql`o.amount_minor <= ${BigInt(q.amountMax)}`);
  if (q.flags?.length) {
    // a current document of the case carries one of the flags
    where.push(Prisma.sql`EXISTS (SELECT 1 FROM documents d WHERE d.appeal_id = a.id
      AND d.status = 'ACTIVE' AND d.flags && ${q.flags}::text[])`);
  }
  if (!viewer.roles.includes('LEAD')) {
    // reviewerScope(), in SQL
    where.push(Prisma.sql`(a.assignee_id = ${viewer.id}::uuid
      OR (a.assignee_id IS NULL AND a.status IN ('SUBMITTED', 'IN_REVIEW'))
      OR a.last_reviewer_id = ${viewer.id}::uuid
      OR EXISTS (SELECT 1 FROM case_assignments c
                 WHERE c.reviewer_id = ${viewer.id}::uuid AND c.appeal_id = a.id OFFSET 0))`);
  }
  return where;
}

/** How many cases the queue would list for `viewer` with these filters (all pages). */
export async function countCases(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  viewer: Viewer,
  q: CaseFilters,
): Promise<number> {
  const where = caseWhere(viewer, q, deps.clock.now());
  const [row] = await deps.prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM appeals a JOIN blocked_orders o ON o.id = a.order_id
    WHERE ${Prisma.join(where, ' AND ')}`;
  return row?.n ?? 0;
}

/** One queue row as the statement below returns it. */
interface QueueRow {
  id: string;
  orderId: string;
  status: string;
  assigneeId: string | null;
  assigneeName: string | null;
  submittedAt: Date | null;
  targetAt: Date | null;
  warnAt: Date | null;
  breachAt: Date | null;
  escalated: boolean;
  needsLead: boolean;
  round: number;
  amountMinor: bigint;
  currency: string;
  cardBrand: string;
  cardLast4: string;
}

/**
 * The queue, sorted by due time (targetAt, cases without one last). `overdue` means the reply target has
 * passed (targetAt <= now): the promise to the buyer is already broken, whether or not the hard deadline
 * (breachAt) has come too. Without a status filter the queue shows open cases (SUBMITTED, IN_REVIEW).
 *
 * One statement, written by hand so that it stays fast with a million appeals: the default queue walks the
 * partial index of open cases (appeals_open_target_at_id_idx) in due order and stops after a page. The
 * "worked on it before" part of a reviewer's scope is a per-row probe of case_assignments (reviewer_id,
 * appeal_id); OFFSET 0 keeps PostgreSQL from turning it into a hash of the reviewer's whole assignment
 * history (tens of thousands of rows, ~50-250 ms), which it otherwise prefers. Same rows and order as
 * reviewerScope() + findMany would give.
 */
export async function listCases(deps: Pick<Deps, 'prisma' | 'clock'>, viewer: Viewer, q: CaseListQuery) {
  const where = caseWhere(viewer, q, deps.clock.now());
  if (q.cursor) {
    // the rows after the cursor's case in (targetAt NULLS LAST, id) order; an unknown cursor gives none
    where.push(Prisma.sql`EXISTS (SELECT 1 FROM appeals cur WHERE cur.id = ${q.cursor}::uuid AND
      CASE WHEN cur.target_at IS NULL THEN a.target_at IS NULL AND a.id > cur.id
           ELSE a.target_at > cur.target_at OR (a.target_at = cur.target_at AND a.id > cur.id)
                OR a.target_at IS NULL END)`);
  }
  const rows = await deps.prisma.$queryRaw<QueueRow[]>`
    SELECT a.id::text, o.order_id AS "orderId", a.status::text, a.assignee_id::text AS "assigneeId",
           s.name AS "assigneeName", a.submitted_at AS "submittedAt", a.target_at AS "targetAt",
           a.warn_at AS "warnAt", a.breach_at AS "breachAt", a.escalated, a.needs_lead AS "needsLead",
           a.round, o.amount_minor AS "amountMinor", o.currency, o.card_brand AS "cardBrand",
           o.card_last4 AS "cardLast4"
    FROM appeals a
    JOIN blocked_orders o ON o.id = a.order_id
    LEFT JOIN staff_users s ON s.id = a.assignee_id
    WHERE ${Prisma.join(where, ' AND ')}
    ORDER BY a.target_at ASC NULLS LAST, a.id ASC
    LIMIT ${q.limit + 1}`;
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((a) => ({
      id: a.id,
      orderId: a.orderId,
      status: a.status,
      assignee: a.assigneeId ? { id: a.assigneeId, name: a.assigneeName! } : null,
      submittedAt: iso(a.submittedAt),
      targetAt: iso(a.targetAt),
      warnAt: iso(a.warnAt),
      breachAt: iso(a.breachAt),
      escalated: a.escalated,
      needsLead: a.needsLead,
      round: a.round,
      amount: money(a.amountMinor, a.currency),
      card: { brand: a.cardBrand, last4: a.cardLast4 },
    })),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}

/** A case id is an appeal id (a UUID); anything else cannot name a case. */
export function caseIdOr404(id: string): string {
  if (!isUuid(id)) throw new AppError('CASE.NOT_FOUND', 'No such case.');
  return id;
}

export async function getCase(
  deps: Pick<Deps, 'prisma' | 'config' | 'calendar'>,
  viewer: Viewer,
  id: string,
) {
  caseIdOr404(id);
  const scope = reviewerScope(viewer);
  const a = await deps.prisma.appeal.findFirst({
    where: { AND: [{ id }, ...(scope ? [scope] : [])] },
    include: {
      order: true,
      assignee: { select: { id: true, name: true, email: true } },
      history: { orderBy: { id: 'asc' } },
      decisions: {
        orderBy: { createdAt: 'asc' },
        include: { reviewer: { select: { id: true, name: true } } },
      },
      slaEvents: { orderBy: { firedAt: 'asc' } },
    },
  });
  if (!a) throw new AppError('CASE.NOT_FOUND', 'No such case.');
  const view = await getAppealView(deps, id);
  // documents flagged DUPLICATE_OTHER_BUYER link to the other buyers' cases
  const flagged = view.slots.flatMap((s) =>
    [...(s.documents ?? []), ...(s.document ? [s.document] : [])]
      .filter((d) => d.flags.includes('DUPLICATE_OTHER_BUYER'))
      .map((d) => d.id),
  );
  const dupes = await otherBuyersCases(deps, id, [...new Set(flagged)]);
  const slots = view.slots.map((s) => {
    const withDupes = <T extends { id: string }>(d: T) =>
      dupes.has(d.id) ? { ...d, duplicateOf: dupes.get(d.id) } : d;
    return {
      ...s,
      document: s.document ? withDupes(s.document) : null,
      ...(s.documents ? { documents: s.documents.map(withDupes) } : {}),
    };
  });
  return {
    ...view,
    slots,
    assignee: a.assignee,
    lastReviewerId: a.lastReviewerId,
    submittedAt: iso(a.submittedAt),
    firstSubmittedAt: iso(a.firstSubmittedAt),
    slaStartAt: iso(a.slaStartAt),
    slaPausedAt: iso(a.slaPausedAt),
    targetAt: iso(a.targetAt),
    warnAt: iso(a.warnAt),
    breachAt: iso(a.breachAt),
    escalated: a.escalated,
    needsLead: a.needsLead,
    decidedAt: iso(a.decidedAt),
    secondApproval: secondApprovalState(a.decisions),
    order: {
      ...view.order,
      buyerName: a.order.buyerName,
      buyerLocale: a.order.buyerLocale,
      issuerCountry: a.order.cardIssuerCountry,
      paymentCaptured: a.order.paymentCaptured,
      state: a.order.state,
    },
    history: a.history.map((h) => ({
      id: String(h.id),
      at: h.at.toISOString(),
      actorType: h.actorType,
      actorId: h.actorId,
      action: h.action,
      from: h.fromStatus,
      to: h.toStatus,
      reason: h.reason,
      data: h.data,
    })),
    decisions: a.decisions.map((d) => ({
      id: d.id,
      round: d.round,
      kind: d.kind,
      state: d.state,
      reviewerId: d.reviewerId,
      reasonCodes: d.reasonCodes,
      buyerMessage: d.buyerMessage,
      internalNote: d.internalNote,
      slots: d.slots,
      secondApproverId: d.secondApproverId,
      secondApprovedAt: iso(d.secondApprovedAt),
      createdAt: d.createdAt.toISOString(),
    })),
    slaEvents: a.slaEvents.map((e) => ({
      kind: e.kind,
      deadlineAt: e.deadlineAt.toISOString(),
      firedAt: e.firedAt.toISOString(),
      firedBy: e.firedBy,
    })),
  };
}

/**
 * WAITING while an approval above the threshold waits for a second lead (who made the first approval and
 * since when), null otherwise.
 */
function secondApprovalState(
  decisions: { id: string; state: string; createdAt: Date; reviewer: { id: string; name: string } }[],
) {
  const d = decisions.find((x) => x.state === 'AWAITING_SECOND_APPROVAL');
  return d
    ? {
        state: 'WAITING' as const,
        decisionId: d.id,
        firstApprover: d.reviewer,
        since: d.createdAt.toISOString(),
      }
    : null;
}

export async function listReasonCodes(deps: Pick<Deps, 'prisma'>) {
  const rows = await deps.prisma.reasonCode.findMany({ orderBy: [{ sortOrder: 'asc' }, { code: 'asc' }] });
  return rows.map((r) => ({
    code: r.code,
    kind: r.kind,
    buyerText: { en: r.buyerTextEn, zh: r.buyerTextZh },
    internalText: r.internalText,
  }));
}

/**
 * Team SLA figures over cases decided (APPROVED or REJECTED) in [from, to): within the 3-day target,
 * within the 5-day deadline, breached; plus the open cases now overdue, escalated or waiting for a lead.
 */
export async function teamSla(deps: Pick<Deps, 'prisma' | 'clock'>, range: { from?: Date; to?: Date }) {
  const now = deps.clock.now();
  const rows = await deps.prisma.$queryRaw<
    { decided: number; withinTarget: number; withinDeadline: number; breached: number }[]
  >`
    SELECT count(*)::int AS decided,
           count(*) FILTER (WHERE target_at IS NOT NULL AND decided_at <= target_at)::int AS "withinTarget",
           count(*) FILTER (WHERE breach_at IS NOT NULL AND decided_at <= breach_at)::int AS "withinDeadline",
           count(*) FILTER (WHERE breach_at IS NOT NULL AND decided_at > breach_at)::int AS breached
    FROM appeals
    WHERE status IN ('APPROVED', 'REJECTED') AND decided_at IS NOT NULL
      AND (${range.from ?? null}::timestamptz IS NULL OR decided_at >= ${range.from ?? null}::timestamptz)
      AND (${range.to ?? null}::timestamptz IS NULL OR decided_at < ${range.to ?? null}::timestamptz)`;
  const open = await deps.prisma.$queryRaw<
    { open: number; overdue: number; escalated: number; needsLead: number; unassigned: number }[]
  >`
    SELECT count(*)::int AS open,
           count(*) FILTER (WHERE target_at <= ${now})::int AS overdue,
           count(*) FILTER (WHERE escalated)::int AS escalated,
           count(*) FILTER (WHERE needs_lead)::int AS "needsLead",
           count(*) FILTER (WHERE assignee_id IS NULL)::int AS unassigned
    FROM appeals WHERE status IN ('SUBMITTED', 'IN_REVIEW')`;
  return {
    asOf: now.toISOString(),
    from: range.from?.toISOString() ?? null,
    to: range.to?.toISOString() ?? null,
    decided: rows[0]!,
    open: open[0]!,
  };
}
