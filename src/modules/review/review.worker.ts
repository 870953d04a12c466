// Queue consumer of 'case.route' (written to the outbox when an appeal is submitted or returned to the pool).
import type { DirectHandler, OutboxHandler } from '../../platform/jobs.ts';
import { drainPool, routeCase } from './review.routing.ts';

export const routeCaseHandler: OutboxHandler<'case.route'> = async (payload, ctx) => {
  const out = await routeCase(ctx.deps, payload.appealId);
  ctx.deps.logger.debug({ appealId: payload.appealId, outcome: out.outcome }, 'case routed');
  return {
    result:
      out.outcome === 'assigned'
        ? { outcome: 'assigned', reviewerId: out.reviewerId }
        : { outcome: out.outcome },
  };
};

/** Every minute: pool cases go to reviewers who have room again (on leave until now, or a case closed). */
export const drainPoolHandler: DirectHandler = async (_data, ctx) => {
  const routed = await drainPool(ctx.deps);
  if (routed) ctx.deps.logger.info({ routed }, 'pool cases routed');
};
