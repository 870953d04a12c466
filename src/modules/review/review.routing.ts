// Routing a submitted case to a reviewer, the unassigned pool, and leads' (re)assignment.
//
// The pool is not a status of its own: a case in the pool is IN_REVIEW with no assignee, listed by due
// time (targetAt). Routing is safe with any number of routers: the appeal row is locked first (a second
// router on the same case waits, then sees it is no longer SUBMITTED and does nothing), then the chosen
// reviewer's staff row is locked and their open cases are counted again inside that lock, so two routers
// choosing the same reviewer are serialised and the cap holds. Lock order is always appeal, then reviewer.
//
// Throughput: the common case (a first submission, or a pool case) takes a fast path of few round trips:
// one statement chooses the best reviewer and locks them (FOR UPDATE SKIP LOCKED, so parallel routers
// spread over the team), one recounts their open cases inside that lock, then the assignment is written
// through transitionAppeal (the status, history and domain event; issue 14), with the assignment row and the
// reviewer's last_assigned_at. Only when that recount refuses (the reviewer filled up
// between the choice and the lock) is the transaction rolled back and the case routed again by the full
// algorithm below (savepoints, a waiting second pass), so the fast path never holds a lock it then gives up.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { writeOutbox } from '../../platform/outbox.ts';
import type { Actor } from '../appeals/appeals.history.ts';
import type { AppealStatus } from '../appeals/appeals.rules.ts';
import { transitionAppeal } from '../appeals/appeals.transition.ts';
import { type AuditEntry, appendAudit } from '../audit/audit.service.ts';

const ROUTER_ID = 'router';

type RouteDeps = Pick<Deps, 'prisma' | 'clock' | 'queues' | 'config' | 'logger'>;

export type RouteOutcome =
  | { outcome: 'skipped'; status: string | null }
  | { outcome: 'assigned'; reviewerId: string }
  | { outcome: 'pool'; needsLead: boolean }
  /** a lead returned it to the pool: the router leaves it there (see poolHold) */
  | { outcome: 'held' };

/**
 * A case a lead returned to the pool (its latest assignment change is UNASSIGNED with reason LEAD_TO_POOL)
 * is held there: the router and the periodic sweep leave it alone until a lead assigns it, or until the
 * sweep's rule releases it: its SLA warning time (warnAt) has passed, so leaving it longer risks the
 * breach. A released case goes to anyone but the reviewer it was taken from, and the history says so.
 */
export const POOL_HOLD_RULE =
  'held in the pool until a lead assigns it or its SLA warning time (warnAt) passes; then routed to another reviewer';

export async function poolHold(
  tx: Tx,
  appealId: string,
  now: Date,
): Promise<{ since: Date; from: string | null; released: boolean } | null> {
  const rows = await tx.$queryRaw<
    { reason: string | null; at: Date; from: string | null; released: boolean }[]
  >`
    SELECT h.reason, h.at, h.data->>'previousAssigneeId' AS "from",
           (a.warn_at IS NOT NULL AND a.warn_at <= ${now}) AS released
    FROM case_history h JOIN appeals a ON a.id = h.appeal_id
    WHERE h.appeal_id = ${appealId}::uuid AND h.action IN ('ASSIGNED', 'UNASSIGNED')
    ORDER BY h.id DESC LIMIT 1`;
  const h = rows[0];
  if (h?.reason !== 'LEAD_TO_POOL') return null;
  return { since: h.at, from: h.from, released: h.released };
}

/** An appeal row as read under its lock (FOR UPDATE) in this transaction. */
export interface LockedAppeal {
  id: string;
  status: AppealStatus;
  assigneeId: string | null;
  lastReviewerId: string | null;
  round: number;
  needsLead: boolean;
}

/** Locks the appeal row for the rest of the transaction. */
export async function lockAppeal(tx: Tx, id: string): Promise<LockedAppeal | null> {
  const rows = await tx.$queryRaw<LockedAppeal[]>`
    SELECT id::text, status::text, assignee_id::text AS "assigneeId", last_reviewer_id::text AS "lastReviewerId",
           round, needs_lead AS "needsLead"
    FROM appeals WHERE id = ${id}::uuid FOR UPDATE`;
  return rows[0] ?? null;
}

export async function openCaseCount(tx: Tx, reviewerId: string): Promise<number> {
  const rows = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM appeals WHERE assignee_id = ${reviewerId}::uuid AND status = 'IN_REVIEW'`;
  return rows[0]?.n ?? 0;
}

/**
 * Locks the reviewer's row if they can take a case now (REVIEWER, active, not on leave) and returns their
 * open count and cap. If another transaction holds the row, this waits and PostgreSQL re-checks the
 * conditions on the row as that transaction left it.
 */
async function lockReviewer(
  tx: Tx,
  id: string,
  now: Date,
  wait = true,
): Promise<{ id: string; open: number; max: number } | null> {
  const rows = wait
    ? await tx.$queryRaw<{ id: string; max: number }[]>`
        SELECT id::text, max_open_cases AS max FROM staff_users
        WHERE id = ${id}::uuid AND 'REVIEWER' = ANY(roles) AND active
          AND (on_leave_until IS NULL OR on_leave_until <= ${now})
        FOR UPDATE`
    : await tx.$queryRaw<{ id: string; max: number }[]>`
        SELECT id::text, max_open_cases AS max FROM staff_users
        WHERE id = ${id}::uuid AND 'REVIEWER' = ANY(roles) AND active
          AND (on_leave_until IS NULL OR on_leave_until <= ${now})
        FOR UPDATE SKIP LOCKED`;
  const r = rows[0];
  if (!r) return null;
  return { id: r.id, max: r.max, open: await openCaseCount(tx, r.id) };
}

/**
 * Locks the reviewer if they can take one more case, else leaves no lock behind: the attempt runs in a
 * savepoint that is rolled back on refusal, which releases the row lock. A router therefore holds at most
 * one reviewer lock while it waits for another, and two routers cannot deadlock on each other's refusals.
 */
async function tryReviewer(tx: Tx, id: string, now: Date, wait: boolean): Promise<{ id: string } | null> {
  await tx.$executeRawUnsafe('SAVEPOINT route_pick');
  const r = await lockReviewer(tx, id, now, wait);
  if (r && r.open < r.max) {
    await tx.$executeRawUnsafe('RELEASE SAVEPOINT route_pick');
    return r;
  }
  await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT route_pick');
  return null;
}

/** Eligible reviewers, best first: fewest open cases, then longest idle (never assigned first), then id. */
async function candidates(tx: Tx, now: Date): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT s.id::text FROM staff_users s
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS open FROM appeals a WHERE a.assignee_id = s.id AND a.status = 'IN_REVIEW'
    ) c
    WHERE 'REVIEWER' = ANY(s.roles) AND s.active
      AND (s.on_leave_until IS NULL OR s.on_leave_until <= ${now})
      AND c.open < s.max_open_cases
    ORDER BY c.open, s.last_assigned_at NULLS FIRST, s.id
    LIMIT 25`;
  return rows.map((r) => r.id);
}

/**
 * Fast path: the best `limit` eligible reviewers (candidates()' order) whose rows no other router holds,
 * locked in the same statement. The open counts are those of the statement's snapshot, so the caller
 * recounts inside the lock before trusting the cap. One for routeCase, several for a batch.
 */
export async function pickAndLockReviewers(
  tx: Tx,
  now: Date,
  limit: number,
): Promise<{ id: string; max: number; last: Date | null }[]> {
  return tx.$queryRaw<{ id: string; max: number; last: Date | null }[]>`
    SELECT s.id::text, s.max_open_cases AS max, s.last_assigned_at AS last FROM staff_users s
    WHERE 'REVIEWER' = ANY(s.roles) AND s.active
      AND (s.on_leave_until IS NULL OR s.on_leave_until <= ${now})
      AND (SELECT count(*) FROM appeals a WHERE a.assignee_id = s.id AND a.status = 'IN_REVIEW') < s.max_open_cases
    ORDER BY (SELECT count(*) FROM appeals a WHERE a.assignee_id = s.id AND a.status = 'IN_REVIEW'),
             s.last_assigned_at NULLS FIRST, s.id
    LIMIT ${limit}
    FOR UPDATE OF s SKIP LOCKED`;
}

/** Thrown inside the fast path's transaction to roll it back (releasing its reviewer lock) and retry. */
class FastPathRefused extends Error {}

/**
 * The router's assignment of a locked case to a reviewer: the transition (ROUTE from SUBMITTED, ASSIGN
 * for a pool case), the assignment row and the reviewer's last_assigned_at.
 */
async function writeAssignment(
  tx: Tx,
  a: { id: string; status: AppealStatus },
  reviewerId: string,
  reason: string,
  now: Date,
  opts: { historyData?: Prisma.InputJsonValue } = {},
): Promise<void> {
  // the caller locked the appeal (lockAppeal / the batch's lock): no second lock in the transition
  await transitionAppeal(tx, a.id, a.status === 'SUBMITTED' ? 'ROUTE' : 'ASSIGN', ROUTER, {
    held: { status: a.status },
    now,
    action: 'ASSIGNED',
    patch: { assigneeId: reviewerId, assignedAt: now },
    reason,
    historyData: opts.historyData ?? { reviewerId },
    eventData: { assigneeId: reviewerId, reason },
  });
  // the assignment row and the reviewer's last_assigned_at in one round trip
  await tx.$executeRaw`
    WITH a AS (
      INSERT INTO case_assignments (id, appeal_id, reviewer_id, assigned_by_id, reason, assigned_at)
      VALUES (gen_random_uuid(), ${a.id}::uuid, ${reviewerId}::uuid, NULL, ${reason}, ${now})
    )
    UPDATE staff_users SET last_assigned_at = ${now}, updated_at = now() WHERE id = ${reviewerId}::uuid`;
}

/**
 * The fast path's writes, guarded by a recount: the reviewer is locked by the previous statement, so this
 * statement's snapshot sees every assignment committed before that lock. Only if they are still under
 * their cap does it write the assignment. Returns false, having written nothing, when the cap refuses.
 */
async function writeAssignmentIfRoom(
  tx: Tx,
  a: { id: string; status: AppealStatus },
  reviewer: { id: string; max: number },
  reason: string,
  now: Date,
): Promise<boolean> {
  if ((await openCaseCount(tx, reviewer.id)) >= reviewer.max) return false;
  await writeAssignment(tx, a, reviewer.id, reason, now);
  return true;
}

export const ROUTER: Actor = { type: 'SYSTEM', id: ROUTER_ID };

export function routedAudit(now: Date, appealId: string, reviewerId: string, reason: string): AuditEntry {
  return {
    at: now,
    actor: { type: 'SYSTEM', id: ROUTER_ID, label: 'router' },
    action: 'CASE_ASSIGNED',
    appealId,
    target: { type: 'STAFF_USER', id: reviewerId },
    data: { reviewerId, reason },
  };
}

/** Past the resubmission cap (round > MAX_RESUBMISSIONS) a submitted case goes to a lead. */
export function overResubmissionCap(deps: Pick<RouteDeps, 'config'>, a: LockedAppeal): boolean {
  return a.status === 'SUBMITTED' && a.round > deps.config.MAX_RESUBMISSIONS;
}

/** Sends a locked case past the resubmission cap to the pool, flagged for a lead. */
export async function routeOverCap(
  tx: Tx,
  deps: Pick<RouteDeps, 'config'>,
  a: LockedAppeal,
  now: Date,
): Promise<RouteOutcome> {
  await transitionAppeal(tx, a.id, 'ROUTE', ROUTER, {
    held: { status: a.status },
    now,
    action: 'ROUTED_TO_POOL',
    patch: { assigneeId: null, assignedAt: null, needsLead: true },
    reason: 'RESUBMISSION_CAP',
    historyData: { round: a.round, max: deps.config.MAX_RESUBMISSIONS },
    eventData: { assigneeId: null, needsLead: true, reason: 'RESUBMISSION_CAP' },
  });
  return { outcome: 'pool', needsLead: true };
}

/**
 * Routes one case. Acts on a SUBMITTED case, or on a pool case (IN_REVIEW, no assignee, not waiting for a
 * lead) to give it another chance; anything else is left alone, so a re-delivered job is harmless.
 * A resubmission goes back to the reviewer who asked for more information when they are available.
 * Past the resubmission cap (round > MAX_RESUBMISSIONS) the case goes to the pool flagged for a lead.
 * The SLA timers are the sla module's: it reacts to appeal.assigned (sla.subscriber.ts).
 */
export async function routeCase(
  deps: RouteDeps,
  appealId: string,
  opts: { settleOutboxId?: string } = {},
): Promise<RouteOutcome> {
  const now = deps.clock.now();
  const attempt = (fast: boolean) =>
    deps.prisma.$transaction(
      async (tx) => {
        // The job's own row first, as a batch takes rows before appeals, reviewers and the audit chain
        // heads: settling it at the end instead, after the audit append, waited for a batch holding the
        // row (taken among its others) while that batch waited for the chain head held here - a deadlock.
        if (opts.settleOutboxId) {
          await tx.$queryRaw`SELECT 1 FROM outbox WHERE id = ${opts.settleOutboxId}::uuid FOR UPDATE`;
        }
        const out = await routeInTransaction(tx, deps, appealId, now, fast);
        // the job's bookkeeping in the same transaction: the case is routed and its row DONE, or neither
        if (opts.settleOutboxId) await settleRouteRows(tx, [{ id: opts.settleOutboxId, out }], now);
        return out;
      },
      { timeout: 30_000 },
    );
  let result: RouteOutcome;
  try {
    result = await attempt(true);
  } catch (err) {
    if (!(err instanceof FastPathRefused)) throw err;
    result = await attempt(false);
  }
  return result;
}

async function routeInTransaction(
  tx: Tx,
  deps: RouteDeps,
  appealId: string,
  now: Date,
  fast: boolean,
): Promise<RouteOutcome> {
  const a = await lockAppeal(tx, appealId);
  if (!a) return { outcome: 'skipped', status: null };
  const fromPool = a.status === 'IN_REVIEW' && a.assigneeId === null && !a.needsLead;
  if (a.status !== 'SUBMITTED' && !fromPool) return { outcome: 'skipped', status: a.status };
  const hold = fromPool ? await poolHold(tx, a.id, now) : null;
  if (hold && !hold.released) return { outcome: 'held' };

  if (overResubmissionCap(deps, a)) return routeOverCap(tx, deps, a, now);

  let reviewer: { id: string } | null = null;
  const resubmission = a.status === 'SUBMITTED' && a.lastReviewerId !== null;
  // never straight back to the reviewer a lead took it from
  const excluded = hold ? hold.from : resubmission ? a.lastReviewerId : null;
  if (resubmission) reviewer = await tryReviewer(tx, a.lastReviewerId!, now, true);
  else if (fast && !hold) {
    const [picked] = await pickAndLockReviewers(tx, now, 1);
    if (picked) {
      const reason = fromPool ? 'POOL' : 'ROUTED';
      // a full reviewer means the choosing statement's snapshot was stale: give the lock back (roll
      // back) and let the full algorithm choose
      if (!(await writeAssignmentIfRoom(tx, a, picked, reason, now))) throw new FastPathRefused();
      await appendAudit(tx, routedAudit(now, a.id, picked.id, reason));
      return { outcome: 'assigned', reviewerId: picked.id };
    }
    // no row: everyone with room is being assigned to right now (or nobody has room); the loops below
    // wait for them in turn or send the case to the pool, holding no reviewer lock so far
  }
  if (!reviewer) {
    // First pass skips reviewers another router is assigning to right now (parallel routers spread
    // over the team instead of queueing on one row); if all of them were busy, the second pass waits
    // for each in turn, so a case never lands in the pool while someone has room.
    const list = (await candidates(tx, now)).filter((id) => id !== excluded);
    for (const wait of [false, true]) {
      for (const id of list) {
        reviewer = await tryReviewer(tx, id, now, wait);
        if (reviewer) break;
      }
      if (reviewer) break;
    }
  }

  if (!reviewer) {
    if (a.status === 'SUBMITTED') {
      await transitionAppeal(tx, a.id, 'ROUTE', ROUTER, {
        held: { status: a.status },
        now,
        action: 'ROUTED_TO_POOL',
        patch: { assigneeId: null, assignedAt: null },
        reason: 'NO_ELIGIBLE_REVIEWER',
        eventData: { assigneeId: null, needsLead: false, reason: 'NO_ELIGIBLE_REVIEWER' },
      });
    }
    return { outcome: 'pool', needsLead: false };
  }

  const reason = hold
    ? 'POOL_HOLD_RELEASED'
    : resubmission && reviewer.id === a.lastReviewerId
      ? 'RESUBMISSION'
      : fromPool
        ? 'POOL'
        : 'ROUTED';
  await writeAssignment(tx, a, reviewer.id, reason, now, {
    historyData: hold
      ? {
          reviewerId: reviewer.id,
          rule: 'WARN_AT_PASSED',
          heldSince: hold.since.toISOString(),
          returnedFrom: hold.from,
        }
      : { reviewerId: reviewer.id },
  });
  await appendAudit(tx, routedAudit(now, a.id, reviewer.id, reason));
  return { outcome: 'assigned', reviewerId: reviewer.id };
}

/** What a 'case.route' outbox row records as its result. */
export function routeResult(out: RouteOutcome): Prisma.InputJsonValue {
  return out.outcome === 'assigned'
    ? { outcome: 'assigned', reviewerId: out.reviewerId }
    : { outcome: out.outcome };
}

/** Marks 'case.route' rows DONE with their outcome, in the routing transaction (one statement). */
export async function settleRouteRows(tx: Tx, rows: { id: string; out: RouteOutcome }[], now: Date) {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    UPDATE outbox o SET status = 'DONE', processed_at = ${now}, attempts = o.attempts + 1, result = v.result
    FROM (SELECT unnest(${rows.map((r) => r.id)}::uuid[]) AS id,
                 unnest(${rows.map((r) => JSON.stringify(routeResult(r.out)))}::jsonb[]) AS result) v
    WHERE o.id = v.id AND o.status IN ('PENDING', 'PUBLISHED')`;
}

/**
 * Tries to route pool cases (most urgent first) while reviewers have room: run by the periodic sweep, so
 * cases left in the pool move as soon as someone returns from leave or finishes a case.
 */
export async function drainPool(deps: RouteDeps, limit = 50): Promise<number> {
  const rows = await deps.prisma.appeal.findMany({
    where: { status: 'IN_REVIEW', assigneeId: null, needsLead: false },
    orderBy: [{ targetAt: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }],
    take: limit,
    select: { id: true },
  });
  let assigned = 0;
  for (const r of rows) {
    const out = await routeCase(deps, r.id);
    if (out.outcome === 'assigned') assigned++;
    else if (out.outcome === 'pool') break; // nobody has room: the rest would fail too
    // 'held' (a lead returned it): next case
  }
  return assigned;
}

/**
 * In the caller's transaction: returns a reviewer's untouched open cases (IN_REVIEW, no decision in the
 * current round) to the pool and queues their re-routing. Cases they already decided on (e.g. awaiting a
 * second approval) stay with them.
 */
export async function returnUntouchedCases(
  tx: Tx,
  input: { reviewerId: string; now: Date; actor: Actor; reason: string },
): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT a.id::text FROM appeals a
    WHERE a.assignee_id = ${input.reviewerId}::uuid AND a.status = 'IN_REVIEW'
      AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.appeal_id = a.id AND d.round = a.round)
    ORDER BY a.id
    FOR UPDATE`;
  for (const { id } of rows) {
    await transitionAppeal(tx, id, 'ASSIGN', input.actor, {
      now: input.now,
      action: 'UNASSIGNED',
      patch: { assigneeId: null, assignedAt: null },
      reason: input.reason,
      historyData: { reviewerId: input.reviewerId },
      eventData: { assigneeId: null, previousAssigneeId: input.reviewerId, reason: input.reason },
    });
    await tx.caseAssignment.updateMany({
      where: { appealId: id, reviewerId: input.reviewerId, endedAt: null },
      data: { endedAt: input.now },
    });
    await writeOutbox(tx, 'case.route', { appealId: id });
  }
  return rows.map((r) => r.id);
}
