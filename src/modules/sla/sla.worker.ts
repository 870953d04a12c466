// Queue consumers of the SLA timers: 'sla.schedule' (outbox, from sla.subscriber.ts), 'sla.fire' (delayed
// jobs) and the periodic sweep ('sla.sweep').
import type { DirectHandler, OutboxHandler } from '../../platform/jobs.ts';
import { fireSlaTimer, type SlaFireJob, scheduleSlaTimers, sweepSla } from './sla.timers.ts';

export const slaScheduleHandler: OutboxHandler<'sla.schedule'> = async (payload, ctx) => {
  const added = await scheduleSlaTimers(ctx.deps, payload.appealId);
  return { result: { added } };
};

export const slaFireHandler: DirectHandler = async (data, ctx) => {
  const out = await fireSlaTimer(ctx.deps, data as SlaFireJob, 'timer');
  ctx.deps.logger.debug({ outcome: out }, 'sla timer');
};

/** Every minute: fire what is due and was missed, restore lost timers. */
export const slaSweepHandler: DirectHandler = async (_data, ctx) => {
  const sla = await sweepSla(ctx.deps);
  if (sla.fired) ctx.deps.logger.info(sla, 'sla sweep');
};
