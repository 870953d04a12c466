// REJECT: the case closes REJECTED through transitionAppeal, whose subscribers schedule the refund of a
// captured payment (refunds, one per order), send the buyer the REJECTED e-mail with the refund window
// (notifications) and tell the shop (webhooks); the assignment ends. Returns the refund id, or null when
// nothing was captured.
import type { Tx } from '../../platform/db.ts';
import { transitionAppeal } from '../appeals/appeals.transition.ts';
import type { DecidingAppeal, DecisionContext } from './review.decision.shared.ts';

export async function rejectInTx(
  tx: Tx,
  a: DecidingAppeal,
  { decision, input, now, actor }: DecisionContext,
): Promise<string | null> {
  const appealId = a.id;
  await transitionAppeal(tx, appealId, 'REJECT', actor, {
    now,
    action: 'REJECTED',
    patch: { decidedAt: now, closedAt: now, needsLead: false },
    reason: input.reasonCodes.join(','),
    historyData: { decisionId: decision.id },
    eventData: { decisionId: decision.id, reasonCodes: input.reasonCodes },
  });
  await tx.caseAssignment.updateMany({ where: { appealId, endedAt: null }, data: { endedAt: now } });
  // the refunds subscriber of appeal.decided scheduled it in this transaction (one per order)
  const refund = await tx.refund.findUnique({ where: { orderId: a.orderId }, select: { id: true } });
  return refund?.id ?? null;
}
