// Routing in batches (issue 18): one transaction routes a job's own case and up to ROUTE_BATCH - 1 other
// pending 'case.route' rows, each case locked, audited as routeCase does, and marks every routed row DONE
// in the same transaction. The writes are set-based: the cases that need a reviewer the plain way are
// given one together (assignBatchFast) and written with one statement per table (assignHeldAppeals: the
// appeal rows, history entries, domain events and their dispatch; the assignment rows; the audit records),
// so a batch costs about 20 statements however many cases it holds (it was about 10 per case).
//
// Locks, in order: the job's own outbox row (waiting: if another batch holds it, that batch is routing the
// case; when it commits the row is DONE and this job has nothing to do), then other rows FOR UPDATE SKIP
// LOCKED (a row another router or the relay holds is left to it), then the appeals (the own one waiting,
// the others SKIP LOCKED: a case a lead is assigning right now stays with its own job), then reviewers
// only through assignBatchFast's SKIP LOCKED pick, then the audit chain heads last (appendAuditBatch).
// Nothing here waits for a lock while holding a reviewer's, so batches cannot deadlock on each other;
// routeCase (the full algorithm) takes its job's row first for the same reason (test/integration/routing-locks.test.ts).
// Never over cap: the open cases of the locked reviewers are recounted inside their locks, and this
// transaction's own earlier assignments are visible to that count. Never twice: a case is routed only
// while its row is locked and SUBMITTED (or in the pool); a row is DONE only in the transaction that
// routed it. A case the batch cannot take (see routeLockedPrecheck, or nobody locked here has room) is left
// out: its row stays pending for its own job, which routes it alone with the full algorithm. The SLA
// timers follow from appeal.assigned (the sla subscriber writes the sla.schedule rows in this transaction).
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { isUuid } from '../../platform/ids.ts';
import { type AuditEntry, appendAuditBatch } from '../audit/audit.service.ts';
import { assignHeldAppeals, type HeldAssignment } from '../appeals/appeals.transition.ts';
import {
  type LockedAppeal,
  overResubmissionCap,
  pickAndLockReviewers,
  poolHold,
  routeOverCap,
  ROUTER,
  type RouteOutcome,
  routedAudit,
  settleRouteRows,
} from './review.routing.ts';

/**
 * Cases per routing transaction: long enough to share the commit and the set-based writes (bench 4 on 4
 * Dec: 20 -> 40 took routing from about 0.42x to 0.5x of the raw-pg rate), short enough to hold few locks.
 */
export const ROUTE_BATCH = 40;

type RouteDeps = Pick<Deps, 'prisma' | 'clock' | 'queues' | 'config' | 'logger'>;

export interface BatchResult {
  /** the job's own row: routed here, already settled by another job, or left for the full algorithm */
  own: { kind: 'settled' } | { kind: 'done-elsewhere' } | { kind: 'deferred' };
  /** cases routed (or found needing nothing) and settled in this transaction */
  routed: number;
}

async function lockAppeals(tx: Tx, ids: string[]): Promise<LockedAppeal[]> {
  if (ids.length === 0) return [];
  return tx.$queryRaw<LockedAppeal[]>`
    SELECT id::text, status::text, assignee_id::text AS "assigneeId", last_reviewer_id::text AS "lastReviewerId",
           round, needs_lead AS "needsLead"
    FROM appeals WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE SKIP LOCKED`;
}

/**
 * Routes a batch around a job's own row. When another batch holds that row (it claimed it with the
 * others), this job does not wait idle: it routes a batch of the rows nobody holds, then waits for its own
 * row, which by then is usually DONE.
 */
export async function routeBatch(
  deps: RouteDeps,
  own: { outboxId: string; appealId: string },
  size = ROUTE_BATCH,
): Promise<BatchResult> {
  const first = await routeBatchOnce(deps, own, size, false);
  if (first.own.kind !== 'busy') return first as BatchResult;
  const second = await routeBatchOnce(deps, own, size, true);
  return { own: second.own as BatchResult['own'], routed: first.routed + second.routed };
}

async function routeBatchOnce(
  deps: RouteDeps,
  own: { outboxId: string; appealId: string },
  size: number,
  waitOwn: boolean,
): Promise<{ own: { kind: BatchResult['own']['kind'] | 'busy' }; routed: number }> {
  const now = deps.clock.now();
  const result = await deps.prisma.$transaction(
    async (tx): Promise<{ own: { kind: BatchResult['own']['kind'] | 'busy' }; routed: number }> => {
      const [mine] = waitOwn
        ? await tx.$queryRaw<{ status: string }[]>`
            SELECT status::text FROM outbox WHERE id = ${own.outboxId}::uuid FOR UPDATE`
        : await tx.$queryRaw<{ status: string }[]>`
            SELECT status::text FROM outbox WHERE id = ${own.outboxId}::uuid FOR UPDATE SKIP LOCKED`;
      const busy = !mine && !waitOwn;
      if (!busy && (!mine || (mine.status !== 'PENDING' && mine.status !== 'PUBLISHED')))
        return { own: { kind: 'done-elsewhere' }, routed: 0 };
      const others = await tx.$queryRaw<{ id: string; appealId: string | null }[]>`
        SELECT id::text, payload->>'appealId' AS "appealId" FROM outbox
        WHERE topic = 'case.route' AND status IN ('PENDING', 'PUBLISHED') AND available_at <= now()
          AND id <> ${own.outboxId}::uuid
        ORDER BY created_at LIMIT ${size - 1}
        FOR UPDATE SKIP LOCKED`;
      const valid = others.filter((r): r is { id: string; appealId: string } => isUuid(r.appealId));
      const rows = busy ? valid : [{ id: own.outboxId, appealId: own.appealId }, ...valid];
      // the own case waits for its lock (lockAppeals skips), the others are taken only if free
      const locked = new Map<string, LockedAppeal>();
      if (!busy) {
        const [ownAppeal] = await tx.$queryRaw<LockedAppeal[]>`
          SELECT id::text, status::text, assignee_id::text AS "assigneeId", last_reviewer_id::text AS "lastReviewerId",
                 round, needs_lead AS "needsLead"
          FROM appeals WHERE id = ${own.appealId}::uuid FOR UPDATE`;
        if (ownAppeal) locked.set(ownAppeal.id, ownAppeal);
      }
      const rest = [...new Set(valid.map((r) => r.appealId))].filter((id) => busy || id !== own.appealId);
      for (const a of await lockAppeals(tx, rest)) locked.set(a.id, a);

      const outcome = new Map<string, RouteOutcome>();
      const audits: AuditEntry[] = [];
      const fast: LockedAppeal[] = [];
      const seen = new Set<string>();
      for (const r of rows) {
        // a second row for the same case shares its outcome: it needs nothing more
        if (seen.has(r.appealId)) continue;
        seen.add(r.appealId);
        const a = locked.get(r.appealId);
        if (!a) {
          // the own case does not exist: nothing to route; another's is locked elsewhere: its own job
          if (r.id === own.outboxId) outcome.set(r.appealId, { outcome: 'skipped', status: null });
          continue;
        }
        const pre = await routeLockedPrecheck(tx, deps, a, now);
        if (pre === null) continue; // the full algorithm, in the row's own job
        if (pre === 'fast') fast.push(a);
        else {
          outcome.set(a.id, pre.out);
          if (pre.audit) audits.push(pre.audit);
        }
      }
      // every case needing a reviewer the plain way, at once (set-based writes)
      for (const [id, r] of await assignBatchFast(tx, fast, now)) {
        outcome.set(id, r.out);
        audits.push(r.audit);
      }
      const settle = rows.flatMap((r) => {
        const out = outcome.get(r.appealId);
        return out ? [{ id: r.id, out }] : [];
      });
      const ownKind: BatchResult['own']['kind'] | 'busy' = busy
        ? 'busy'
        : settle.some((x) => x.id === own.outboxId)
          ? 'settled'
          : 'deferred';
      await settleRouteRows(tx, settle, now);
      await appendAuditBatch(tx, audits); // last: the chain heads are held only until the commit
      return { own: { kind: ownKind }, routed: settle.length };
    },
    { timeout: 30_000 },
  );
  return result;
}

/** What routeLockedPrecheck decided: an outcome, 'fast' (needs a reviewer: assignBatchFast) or null. */
export type Precheck = { out: RouteOutcome; audit?: AuditEntry } | 'fast' | null;

/**
 * The common cases of routeInTransaction for a locked appeal of a batch (review.routing.batch.ts): skip,
 * hold and the resubmission cap decided here; 'fast' for a case that needs a reviewer the plain way (a
 * first submission, or a pool case not held), which assignBatchFast then gives one with the batch's
 * others; null when the case needs the full algorithm (a resubmission, a released pool hold): the caller
 * leaves it to its own job.
 */
export async function routeLockedPrecheck(
  tx: Tx,
  deps: RouteDeps,
  a: LockedAppeal,
  now: Date,
): Promise<Precheck> {
  const fromPool = a.status === 'IN_REVIEW' && a.assigneeId === null && !a.needsLead;
  if (a.status !== 'SUBMITTED' && !fromPool) return { out: { outcome: 'skipped', status: a.status } };
  const hold = fromPool ? await poolHold(tx, a.id, now) : null;
  if (hold && !hold.released) return { out: { outcome: 'held' } };
  if (hold) return null;
  if (overResubmissionCap(deps, a)) return { out: await routeOverCap(tx, deps, a, now) };
  if (a.status === 'SUBMITTED' && a.lastReviewerId !== null) return null;
  return 'fast';
}

interface TeamMember {
  id: string;
  max: number;
  open: number;
  /** last_assigned_at in ms, null = never assigned */
  last: number | null;
}

/**
 * A batch locks one reviewer per this many of its cases (rounded up), so parallel batches (the routing
 * worker runs 4 jobs at a time) each find reviewers free instead of one batch holding the whole team while
 * the others fall back to the full algorithm (locking one per case, 0.25x of the raw-pg rate; one per 4,
 * 0.42x; one per 8 with batches of 40, 0.5x). The price: within a batch a reviewer may be given up to this
 * many cases in a row, so the team's open counts are level to within a batch's share, not to one case.
 */
export const BATCH_REVIEWER_SHARE = 8;

/** candidates()' order: fewest open cases, then longest idle (never assigned first), then id. */
function before(x: TeamMember, y: TeamMember): boolean {
  if (x.open !== y.open) return x.open < y.open;
  if (x.last !== y.last) return x.last === null ? true : y.last === null ? false : x.last < y.last;
  return x.id < y.id;
}

/**
 * The batch's fast path for the cases routeLockedPrecheck called 'fast', set-based: one statement locks
 * the best eligible reviewers, one per BATCH_REVIEWER_SHARE cases (FOR UPDATE SKIP LOCKED: parallel batches
 * take different reviewers; none waits), one recounts their open cases inside those locks (every
 * assignment to them committed before is visible to it, and this transaction's own), then the cases are
 * given out in order, each to the best of them with room (candidates()' order, counting the ones just
 * given), and written in one statement per table (assignHeldAppeals; the assignment rows and
 * last_assigned_at). Never over cap: a reviewer is given at most max - open cases. Cases left over (nobody
 * locked here has room) are not in the result: they stay for their own jobs' full algorithm.
 */
export async function assignBatchFast(
  tx: Tx,
  appeals: readonly LockedAppeal[],
  now: Date,
): Promise<Map<string, { out: RouteOutcome; audit: AuditEntry }>> {
  const result = new Map<string, { out: RouteOutcome; audit: AuditEntry }>();
  if (appeals.length === 0) return result;
  const locked = await pickAndLockReviewers(tx, now, Math.ceil(appeals.length / BATCH_REVIEWER_SHARE));
  if (locked.length === 0) return result;
  const counts = await tx.$queryRaw<{ id: string; open: number }[]>`
    SELECT s.id::text,
           (SELECT count(*)::int FROM appeals a WHERE a.assignee_id = s.id AND a.status = 'IN_REVIEW') AS open
    FROM staff_users s WHERE s.id = ANY(${locked.map((r) => r.id)}::uuid[])`;
  const openOf = new Map(counts.map((c) => [c.id, c.open]));
  const team: TeamMember[] = locked.map((r) => ({
    id: r.id,
    max: r.max,
    open: openOf.get(r.id) ?? r.max,
    last: r.last ? r.last.getTime() : null,
  }));
  const items: HeldAssignment[] = [];
  for (const a of appeals) {
    let best: TeamMember | null = null;
    for (const r of team) if (r.open < r.max && (!best || before(r, best))) best = r;
    if (!best) break;
    best.open += 1;
    best.last = now.getTime();
    const reason = a.status === 'SUBMITTED' ? 'ROUTED' : 'POOL';
    items.push({
      appealId: a.id,
      from: a.status,
      assigneeId: best.id,
      reason,
      historyData: { reviewerId: best.id },
      eventData: { assigneeId: best.id, reason },
    });
  }
  if (items.length === 0) return result;
  await assignHeldAppeals(tx, items, ROUTER, { now, action: 'ASSIGNED' });
  const reviewers = items.map((i) => i.assigneeId);
  await tx.$executeRaw`
    WITH a AS (
      INSERT INTO case_assignments (id, appeal_id, reviewer_id, assigned_by_id, reason, assigned_at)
      SELECT gen_random_uuid(), v.appeal_id, v.reviewer_id, NULL, v.reason, ${now}
      FROM unnest(${items.map((i) => i.appealId)}::uuid[], ${reviewers}::uuid[], ${items.map((i) => i.reason)}::text[])
           AS v(appeal_id, reviewer_id, reason)
    )
    UPDATE staff_users SET last_assigned_at = ${now}, updated_at = now() WHERE id = ANY(${reviewers}::uuid[])`;
  for (const i of items) {
    result.set(i.appealId, {
      out: { outcome: 'assigned', reviewerId: i.assigneeId },
      audit: routedAudit(now, i.appealId, i.assigneeId, i.reason),
    });
  }
  return result;
}
