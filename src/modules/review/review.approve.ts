// APPROVE: the case closes APPROVED (through transitionAppeal), the order is released, the assignment
// ends; the subscribers of appeal.decided send the buyer the APPROVED e-mail and tell the shop.
import type { Tx } from '../../platform/db.ts';
import { transitionAppeal } from '../appeals/appeals.transition.ts';
import type { DecideDeps } from './review.decision.shared.ts';

export async function approveInTx(
  tx: Tx,
  deps: DecideDeps,
  a: {
    id: string;
    orderId: string;
    tokenNonce: string;
    order: { orderId: string; buyerEmail: string; buyerLocale: string; buyerName: string };
  },
  now: Date,
  actor: { type: 'STAFF'; id: string },
  decisionId?: string,
): Promise<void> {
  await transitionAppeal(tx, a.id, 'APPROVE', actor, {
    now,
    action: 'APPROVED',
    patch: { decidedAt: now, closedAt: now, needsLead: false },
    ...(decisionId ? { historyData: { decisionId } } : {}),
    eventData: { decisionId: decisionId ?? null },
  });
  await tx.blockedOrder.update({ where: { id: a.orderId }, data: { state: 'RELEASED' } });
  await tx.caseAssignment.updateMany({ where: { appealId: a.id, endedAt: null }, data: { endedAt: now } });
}
