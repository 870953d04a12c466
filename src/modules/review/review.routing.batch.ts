// Routing in batches (issue 18): one transaction routes a job's own case and up to ROUTE_BATCH - 1 other
// pending 'case.route' rows, each case locked, routed through transitionAppeal and audited as routeCase
// does, and marks every routed row DONE in the same transaction.
//
// Locks, in order: the job's own outbox row (waiting: if another batch holds it, that batch is routing the
// case; when it commits the row is DONE and this job has nothing to do), then other rows FOR UPDATE SKIP
// LOCKED (a row another router or the relay holds is left to it), then the appeals (the own one waiting,
// the others SKIP LOCKED: a case a lead is assigning right now stays with its own job), then reviewers
// only through routeLockedFast's SKIP LOCKED pick, then the audit chain heads last (appendAuditBatch).
// Nothing here waits for a lock while holding a reviewer's, so batches cannot deadlock on each other;
// routeCase (the full algorithm) takes its job's row first for the same reason (test/integration/routing-locks.test.ts).
// Never over cap: each pick recounts the reviewer's open cases inside their lock, and this transaction's
// own earlier assignments are visible to that count. Never twice: a case is routed only while its row is
// locked and SUBMITTED (or in the pool); a row is DONE only in the transaction that routed it.
// A case the fast way cannot take (see routeLockedFast) is left out: its row stays pending for its own
// job, which routes it alone with the full algorithm. The SLA timers follow from appeal.assigned (the sla
// subscriber writes its sla.schedule row in this transaction).
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { isUuid } from '../../platform/ids.ts';
import { type AuditEntry, appendAuditBatch } from '../audit/audit.service.ts';
import { type LockedAppeal, type RouteOutcome, routeLockedFast, settleRouteRows } from './review.routing.ts';

/** Cases per routing transaction: long enough to share the commit, short enough to hold few locks. */
export const ROUTE_BATCH = 20;

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
      const settle: { id: string; out: RouteOutcome }[] = [];
      let ownKind: BatchResult['own']['kind'] | 'busy' = busy ? 'busy' : 'deferred';
      for (const r of rows) {
        let out = outcome.get(r.appealId);
        if (!out) {
          const a = locked.get(r.appealId);
          if (!a) {
            // the own case does not exist: nothing to route; another's is locked elsewhere: its own job
            if (r.id !== own.outboxId) continue;
            out = { outcome: 'skipped', status: null };
          } else {
            const routed = await routeLockedFast(tx, deps, a, now);
            if (!routed) continue; // the full algorithm, in the row's own job
            out = routed.out;
            if (routed.audit) audits.push(routed.audit);
          }
          // a second row for the same case shares this outcome: it needs nothing more
          outcome.set(r.appealId, out);
        }
        settle.push({ id: r.id, out });
        if (r.id === own.outboxId) ownKind = 'settled';
      }
      await settleRouteRows(tx, settle, now);
      await appendAuditBatch(tx, audits); // last: the chain heads are held only until the commit
      return { own: { kind: ownKind }, routed: settle.length };
    },
    { timeout: 30_000 },
  );
  return result;
}
