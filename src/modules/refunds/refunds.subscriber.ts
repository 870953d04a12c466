// Refunds as a subscriber of the appeal's events (issue 14): when an appeal ends REJECTED, EXPIRED or
// WITHDRAWN, the order is cancelled and, if its payment was captured, its refund is scheduled, in the
// transaction of the transition (scheduleRefundInTx: one refund per order, the unique order id makes a
// second insert a no-op). It runs before the webhooks subscriber, whose payload carries the refund id.
import type { CalendarStore } from '../../platform/calendar.store.ts';
import type { Tx } from '../../platform/db.ts';
import type { DomainEvent, Subscriber } from '../../platform/events.ts';
import { scheduleRefundInTx } from './refunds.create.ts';

type Cause = 'REJECTED' | 'EXPIRED' | 'WITHDRAWN';

function causeOf(event: DomainEvent): Cause | null {
  if (event.type === 'appeal.expired') return 'EXPIRED';
  if (event.type === 'appeal.withdrawn') return 'WITHDRAWN';
  if (event.type === 'appeal.decided' && event.data.outcome === 'REJECTED') return 'REJECTED';
  return null;
}

export function refundsSubscriber(config: { calendar: CalendarStore }): Subscriber {
  return {
    name: 'refunds',
    events: ['appeal.decided', 'appeal.expired', 'appeal.withdrawn'],
    async handle(tx: Tx, event: DomainEvent) {
      const cause = causeOf(event);
      if (!cause) return;
      const cal = await config.calendar.load(tx);
      await scheduleRefundInTx(tx, cal, { appealId: event.appealId, cause, decidedAt: event.occurredAt });
    },
  };
}
