// Orders as a subscriber of the appeal's events (issue 14): an approved appeal releases its blocked order,
// in the transaction of the transition (review.approve no longer writes the orders table). A rejection's
// cancellation stays with the refunds subscriber, which needs the cancelled order for the refund.
import type { Subscriber } from '../../platform/events.ts';

export const ordersSubscriber: Subscriber = {
  name: 'orders',
  events: ['appeal.decided'],
  async handle(tx, event) {
    if (event.data.outcome !== 'APPROVED') return;
    const a = await tx.appeal.findUniqueOrThrow({ where: { id: event.appealId }, select: { orderId: true } });
    await tx.blockedOrder.update({ where: { id: a.orderId }, data: { state: 'RELEASED' } });
  },
};
