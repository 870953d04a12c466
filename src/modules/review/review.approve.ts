// APPROVE: the case closes APPROVED (through transitionAppeal), the order is released, the assignment
// ends, the buyer gets the APPROVED e-mail; the webhooks subscriber of appeal.decided tells the shop.
import type { Tx } from '../../platform/db.ts';
import { transitionAppeal } from '../appeals/appeals.transition.ts';
import { queueEmail } from '../notifications/notifications.outbox.ts';
import { buyerLink, type DecideDeps } from './review.decision.shared.ts';

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
  await queueEmail(tx, {
    to: a.order.buyerEmail,
    locale: a.order.buyerLocale,
    appealId: a.id,
    message: {
      template: 'APPROVED',
      buyerName: a.order.buyerName,
      orderId: a.order.orderId,
      appealUrl: buyerLink(deps, a.tokenNonce),
    },
  });
}
