// Queue consumer of 'case.route' (written to the outbox when an appeal is submitted or returned to the pool).
import type { OutboxHandler } from '../../platform/jobs.ts';
import { routeCase } from './review.routing.ts';

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
