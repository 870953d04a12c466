// A lead escalates an open case by hand: the same `escalated` flag an SLA breach sets (sla.timers.ts), so
// the case shows on the leads' escalation list and under the queue's escalated filter. The status does not
// change (no transition); the history entry and the audit record are written in the same transaction.
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { recordHistory } from '../appeals/appeals.history.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { lockAppeal } from './review.routing.ts';
import { markEscalated } from '../appeals/appeals.flags.ts';

/** Escalates a SUBMITTED or IN_REVIEW case; an already escalated one is left alone (changed: false). */
export async function escalateCase(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  input: { appealId: string; leadId: string; source?: AuditSource },
): Promise<{ escalated: true; changed: boolean }> {
  const now = deps.clock.now();
  return deps.prisma.$transaction(
    async (tx) => {
      const a = await lockAppeal(tx, input.appealId);
      if (!a) throw new AppError('CASE.NOT_FOUND', 'No such case.');
      if (a.status !== 'SUBMITTED' && a.status !== 'IN_REVIEW')
        throw new AppError('CASE.NOT_IN_REVIEW', `A case in status ${a.status} cannot be escalated.`, {
          status: a.status,
        });
      const { escalated } = await tx.appeal.findUniqueOrThrow({
        where: { id: a.id },
        select: { escalated: true },
      });
      if (escalated) return { escalated: true as const, changed: false };
      await markEscalated(tx, a.id);
      const actor = { type: 'STAFF' as const, id: input.leadId };
      await recordHistory(tx, {
        appealId: a.id,
        at: now,
        actor,
        action: 'ESCALATED',
        reason: 'LEAD_ESCALATION',
        data: { assigneeId: a.assigneeId },
      });
      await appendAudit(tx, {
        ...(input.source ?? { actor }),
        at: now,
        action: 'CASE_ESCALATED',
        appealId: a.id,
        target: null,
        data: { assigneeId: a.assigneeId },
      });
      return { escalated: true as const, changed: true };
    },
    { timeout: 15_000 },
  );
}
