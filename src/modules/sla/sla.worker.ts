// Queue consumers of the SLA timers ('sla.fire', delayed jobs) and the periodic sweep ('sla.sweep').
import type { DirectHandler } from '../../platform/jobs.ts';
import { drainPool } from '../review/review.routing.ts';
import { fireSlaTimer, type SlaFireJob, sweepSla } from './sla.timers.ts';

export const slaFireHandler: DirectHandler = async (data, ctx) => {
  const out = await fireSlaTimer(ctx.deps, data as SlaFireJob, 'timer');
  ctx.deps.logger.debug({ outcome: out }, 'sla timer');
};

/** Every minute: fire what is due and was missed, restore lost timers, move pool cases to free reviewers. */
export const slaSweepHandler: DirectHandler = async (_data, ctx) => {
  const sla = await sweepSla(ctx.deps);
  const routed = await drainPool(ctx.deps);
  if (sla.fired || routed) ctx.deps.logger.info({ ...sla, routed }, 'sla sweep');
};
