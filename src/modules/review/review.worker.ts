// Queue consumer of 'case.route' (written to the outbox when an appeal is submitted or returned to the pool).
// It routes a batch: its own case and other pending 'case.route' rows, in one transaction that also marks
// their rows DONE (review.routing.batch.ts); a case the batch cannot take the fast way is routed alone by
// the full algorithm, its row settled in that transaction. Either way the job's bookkeeping is in the
// routing transaction, so a SIGKILL leaves a case routed with its row DONE, or neither.
import type { DirectHandler, OutboxHandler } from '../../platform/jobs.ts';
import { routeBatch } from './review.routing.batch.ts';
import { drainPool, routeCase, routeResult } from './review.routing.ts';

export const routeCaseHandler: OutboxHandler<'case.route'> = Object.assign(
  async (payload: { appealId: string }, ctx: Parameters<OutboxHandler<'case.route'>>[1]) => {
    const batch = await routeBatch(ctx.deps, { outboxId: ctx.outboxId, appealId: payload.appealId });
    ctx.deps.logger.debug(
      { appealId: payload.appealId, batch: batch.routed, own: batch.own.kind },
      'case.route batch',
    );
    if (batch.own.kind !== 'deferred') return {};
    const out = await routeCase(ctx.deps, payload.appealId, { settleOutboxId: ctx.outboxId });
    ctx.deps.logger.debug({ appealId: payload.appealId, outcome: out.outcome }, 'case routed');
    return { result: routeResult(out) };
  },
  { settlesOwnRow: true as const },
);

/** Every minute: pool cases go to reviewers who have room again (on leave until now, or a case closed). */
export const drainPoolHandler: DirectHandler = async (_data, ctx) => {
  const routed = await drainPool(ctx.deps);
  if (routed) ctx.deps.logger.info({ routed }, 'pool cases routed');
};
