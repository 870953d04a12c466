// The composition root of the appeal's domain events (issue 14): which module reacts to which event, in
// the order they run. createApp, startWorkers and the test environment install this list; dispatching
// without it throws (src/platform/events.ts). A new reaction is one subscriber file plus one line here.
import type { Config } from './config.ts';
import { ordersSubscriber } from './modules/orders/orders.subscriber.ts';
import { notificationsSubscriber } from './modules/notifications/notifications.subscriber.ts';
import { reviewSubscriber } from './modules/review/review.subscriber.ts';
import { refundsSubscriber } from './modules/refunds/refunds.subscriber.ts';
import { slaSubscriber } from './modules/sla/sla.subscriber.ts';
import type { QaConfig } from './modules/review/review.qa.draw.ts';
import { qaSubscriber } from './modules/review/review.qa.subscriber.ts';
import { webhooksSubscriber } from './modules/webhooks/webhooks.subscriber.ts';
import type { CalendarStore } from './platform/calendar.store.ts';
import { installSubscribers, type Subscriber } from './platform/events.ts';
import { installAppealViewPorts } from './modules/appeals/appeals.view-ports.ts';
import { isOverdue } from './modules/refunds/refunds.rules.ts';

/** What the subscribers are built with: the config they read and the process's calendar (deps.calendar). */
export interface SubscriberDeps {
  config: Pick<Config, 'BUSINESS_TIMEZONE' | 'SLA_BREACH_DAYS' | 'APPEAL_EXPIRY_DAYS'> & QaConfig;
  calendar: CalendarStore;
}

/** The process's subscribers, in dispatch order. */
export function appSubscribers(deps: SubscriberDeps): Subscriber[] {
  const config = { ...deps.config, calendar: deps.calendar };
  return [
    reviewSubscriber, // appeal.submitted, appeal.resubmitted: the case.route job
    slaSubscriber, // appeal.submitted, resubmitted, assigned: the sla.schedule job (the deadlines' wake-up calls)
    ordersSubscriber, // appeal.decided (APPROVED): the blocked order is released
    refundsSubscriber(config), // appeal.decided (REJECTED), appeal.expired, appeal.withdrawn
    notificationsSubscriber(config), // APPEAL_OPENED, SUBMITTED, APPROVED, REJECTED, MORE_INFO_REQUESTED, EXPIRED, WITHDRAWN e-mails
    webhooksSubscriber, // after refunds: its payload carries the refund id
    qaSubscriber(config), // appeal.decided (APPROVED, REJECTED): the quality-sampling draw
  ];
}

/** Installs appSubscribers(deps) as the process's registry, and the appeal view's ports (idempotent). */
export function installAppSubscribers(deps: SubscriberDeps): void {
  installSubscribers(appSubscribers(deps));
  // what the buyer's appeal view shows of other modules (appeals imports none of them)
  installAppealViewPorts({ refundOverdue: isOverdue });
}
