// Webhooks as a subscriber of the appeal's events (issue 14): a decision (APPROVED or REJECTED), an expiry
// or a withdrawal becomes one 'webhook.deliver' outbox row per active subscription, in the transaction of
// the transition. The payload is what the producers sent before, loaded from the database here: the
// shop's order id, and the refund the same transaction scheduled (the refunds subscriber runs first).
// MORE_INFO_REQUESTED is not a decision for the shop and sends nothing.
import type { Tx } from '../../platform/db.ts';
import type { DomainEvent, Subscriber } from '../../platform/events.ts';
import { queueWebhookEvent } from '../../platform/webhook-outbox.ts';

async function orderOf(tx: Tx, appealId: string): Promise<{ orderId: string; refundId: string | null }> {
  const appeal = await tx.appeal.findUniqueOrThrow({
    where: { id: appealId },
    select: { orderId: true, order: { select: { orderId: true } } },
  });
  const refund = await tx.refund.findUnique({ where: { orderId: appeal.orderId }, select: { id: true } });
  return { orderId: appeal.order.orderId, refundId: refund?.id ?? null };
}

async function handle(tx: Tx, event: DomainEvent): Promise<void> {
  if (event.type === 'appeal.decided') {
    const outcome = event.data.outcome;
    if (outcome !== 'APPROVED' && outcome !== 'REJECTED') return;
    const { orderId, refundId } = await orderOf(tx, event.appealId);
    const decisionId = (event.data.decisionId as string | null | undefined) ?? null;
    await queueWebhookEvent(tx, {
      type: 'appeal.decided',
      data:
        outcome === 'APPROVED'
          ? { appealId: event.appealId, orderId, decision: 'APPROVED', decisionId }
          : { appealId: event.appealId, orderId, decision: 'REJECTED', decisionId, refundId },
      occurredAt: event.occurredAt,
    });
    return;
  }
  if (event.type === 'appeal.expired' || event.type === 'appeal.withdrawn') {
    const { orderId, refundId } = await orderOf(tx, event.appealId);
    await queueWebhookEvent(tx, {
      type: event.type,
      data: { appealId: event.appealId, orderId, refundId },
      occurredAt: event.occurredAt,
    });
  }
}

export const webhooksSubscriber: Subscriber = {
  name: 'webhooks',
  events: ['appeal.decided', 'appeal.expired', 'appeal.withdrawn'],
  handle,
};
