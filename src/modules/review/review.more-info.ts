// REQUEST_MORE_INFO: the case goes to MORE_INFO_REQUESTED (through transitionAppeal), the SLA clock pauses
// with the time used so far, the requested slots are marked for redo and the round advances; the
// notifications subscriber of appeal.decided sends the buyer the e-mail with the slots and the respond-by date.
import { type BusinessCalendar, slaDeadlines, workingMsBetween } from '../../platform/calendar.ts';
import type { Tx } from '../../platform/db.ts';
import { transitionAppeal } from '../appeals/appeals.transition.ts';
import type { DecideDeps, DecidingAppeal, DecisionContext } from './review.decision.shared.ts';

export async function requestMoreInfoInTx(
  tx: Tx,
  deps: DecideDeps,
  cal: BusinessCalendar,
  a: DecidingAppeal,
  { decision, input, now, actor, by }: DecisionContext & { by: { id: string } },
): Promise<void> {
  const appealId = a.id;
  // REQUEST_MORE_INFO: the clock pauses with the time used so far; deadlines not yet reached become
  // null until the buyer resubmits (a paused clock has no deadline, so no timer can fire).
  const pauses = [
    ...a.pauses.map((p) => ({ start: p.startedAt, end: p.endedAt ?? now })),
    { start: now, end: null },
  ];
  const deadlines = a.slaStartAt ? sla(deps, cal, a.slaStartAt, pauses) : null;
  const usedMs = a.slaStartAt ? workingMsBetween(a.slaStartAt, now, cal, pauses.slice(0, -1)) : 0;
  await transitionAppeal(tx, appealId, 'REQUEST_MORE_INFO', actor, {
    now,
    action: 'MORE_INFO_REQUESTED',
    reason: input.reasonCodes.join(','),
    historyData: { decisionId: decision.id, slots: input.slots, round: a.round + 1, slaUsedMs: usedMs },
    eventData: { decisionId: decision.id, slots: input.slots, round: a.round + 1 },
    patch: {
      requestedSlots: { set: input.slots },
      round: a.round + 1,
      lastReviewerId: by.id,
      assigneeId: null,
      assignedAt: null,
      needsLead: false,
      slaPausedAt: now,
      slaUsedMs: BigInt(usedMs),
      lastBuyerActivityAt: now,
      ...(deadlines ?? {}),
    },
  });
  await tx.caseAssignment.updateMany({ where: { appealId, endedAt: null }, data: { endedAt: now } });
  await tx.document.updateMany({
    where: { appealId, slot: { in: input.slots }, status: 'ACTIVE' },
    data: { status: 'REDO_REQUESTED' },
  });
  await tx.slaPause.create({ data: { appealId, startedAt: now } });
}

function sla(
  deps: DecideDeps,
  cal: BusinessCalendar,
  startAt: Date,
  pauses: { start: Date; end: Date | null }[],
): { targetAt: Date | null; warnAt: Date | null; breachAt: Date | null } {
  return slaDeadlines(
    {
      startAt,
      pauses,
      targetDays: deps.config.SLA_TARGET_DAYS,
      warnDays: deps.config.SLA_WARN_DAYS,
      breachDays: deps.config.SLA_BREACH_DAYS,
    },
    cal,
  );
}
