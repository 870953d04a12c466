// The buyer's e-mails as a subscriber of the appeal's events (issue 14): APPEAL_OPENED on appeal.opened,
// SUBMITTED on appeal.submitted / appeal.resubmitted, APPROVED and REJECTED on appeal.decided, EXPIRED on appeal.expired, WITHDRAWN on appeal.withdrawn, each queued (queueEmail, one
// outbox row) in the transaction of the transition. It runs after the refunds subscriber, so the refund
// the transition scheduled is in the e-mail. The message is the one the producers wrote before: the link
// is the placeholder the e-mail worker replaces at send time (the database never holds a working token).
// MORE_INFO_REQUESTED on appeal.decided with that outcome (the slots from the event, the reasons and the
// buyer message from the decision row, respond-by APPEAL_EXPIRY_DAYS after the request). Still sent by
// their producers: the link re-issue, SLA and refund-overdue e-mails.
import type { Config } from '../../config.ts';
import { type BusinessCalendar, deadlineLocalDate, localDate } from '../../platform/calendar.ts';
import type { CalendarStore } from '../../platform/calendar.store.ts';
import type { Tx } from '../../platform/db.ts';
import type { DomainEvent, Subscriber } from '../../platform/events.ts';
import { money } from '../../platform/money.ts';
import { APPEAL_LINK_PLACEHOLDER, queueEmail } from '../../platform/email-outbox.ts';
import type { Slot } from './notifications.templates.ts';

type RefundRow = { amountMinor: bigint; currency: string; expectedFrom: Date; dueBy: Date };

/** The rejection e-mail's refund: both ends of the window as the working day they fall in. */
function rejectionRefund(r: RefundRow | null, cal: BusinessCalendar) {
  if (!r) return null;
  return {
    amount: money(r.amountMinor, r.currency),
    expectedFrom: deadlineLocalDate(r.expectedFrom, cal),
    dueBy: deadlineLocalDate(r.dueBy, cal),
  };
}

/** The withdrawal / expiry e-mails' refund (as appeals.lifecycle showed it): from the local date. */
function closingRefund(r: RefundRow | null, cal: BusinessCalendar) {
  if (!r) return null;
  return {
    amount: money(r.amountMinor, r.currency),
    expectedFrom: localDate(r.expectedFrom, cal),
    // dueBy is the first instant after the 10th working day: show that working day, not the next date
    dueBy: deadlineLocalDate(r.dueBy, cal),
  };
}

/** The buyer-facing texts of the reason codes, in the reviewer's order, each once. */
async function reasonsOf(tx: Tx, codes: readonly string[]) {
  const rows = await tx.reasonCode.findMany({ where: { code: { in: [...codes] } } });
  const byCode = new Map(rows.map((r) => [r.code, r]));
  return [...new Set(codes)].map((c) => {
    const r = byCode.get(c);
    if (!r) throw new Error(`reason code ${c} of a recorded decision is not in the catalogue`);
    return { code: r.code, en: r.buyerTextEn, zh: r.buyerTextZh };
  });
}

/** APPEAL_OPENED: the link, the blocked payment (amount, card brand, last 4) and the answer window. */
async function opened(tx: Tx, event: DomainEvent, config: NotificationsConfig): Promise<void> {
  const a = await tx.appeal.findUniqueOrThrow({ where: { id: event.appealId }, include: { order: true } });
  await queueEmail(tx, {
    to: a.order.buyerEmail,
    locale: a.order.buyerLocale,
    appealId: a.id,
    message: {
      template: 'APPEAL_OPENED',
      buyerName: a.order.buyerName,
      orderId: a.order.orderId,
      appealUrl: APPEAL_LINK_PLACEHOLDER,
      amount: money(a.order.amountMinor, a.order.currency),
      cardBrand: a.order.cardBrand,
      cardLast4: a.order.cardLast4,
      answerWindowDays: config.SLA_BREACH_DAYS,
    },
  });
}

/** SUBMITTED (and resubmitted): the answer-by date, when the transition set an SLA target. */
async function submitted(tx: Tx, event: DomainEvent, config: NotificationsConfig): Promise<void> {
  const a = await tx.appeal.findUniqueOrThrow({ where: { id: event.appealId }, include: { order: true } });
  if (!a.targetAt) return;
  const cal = await config.calendar.load(tx);
  await queueEmail(tx, {
    to: a.order.buyerEmail,
    locale: a.order.buyerLocale,
    appealId: a.id,
    message: {
      template: 'SUBMITTED',
      buyerName: a.order.buyerName,
      orderId: a.order.orderId,
      appealUrl: APPEAL_LINK_PLACEHOLDER,
      answerBy: deadlineLocalDate(a.targetAt, cal),
    },
  });
}

/** MORE_INFO_REQUESTED: the slots to send again, why, the reviewer's words and the respond-by date. */
async function moreInfo(tx: Tx, event: DomainEvent, config: NotificationsConfig): Promise<void> {
  const a = await tx.appeal.findUniqueOrThrow({ where: { id: event.appealId }, include: { order: true } });
  const decisionId = event.data.decisionId as string | null | undefined;
  const decision = decisionId
    ? await tx.decision.findUniqueOrThrow({
        where: { id: decisionId },
        select: { reasonCodes: true, buyerMessage: true },
      })
    : null;
  const cal = await config.calendar.load(tx);
  await queueEmail(tx, {
    to: a.order.buyerEmail,
    locale: a.order.buyerLocale,
    appealId: a.id,
    message: {
      template: 'MORE_INFO_REQUESTED',
      buyerName: a.order.buyerName,
      orderId: a.order.orderId,
      appealUrl: APPEAL_LINK_PLACEHOLDER,
      slots: (event.data.slots as Slot[] | undefined) ?? [],
      reasons: await reasonsOf(tx, decision?.reasonCodes ?? []),
      buyerMessage: decision?.buyerMessage ?? null,
      respondBy: localDate(
        new Date(event.occurredAt.getTime() + config.APPEAL_EXPIRY_DAYS * 86_400_000),
        cal,
      ),
    },
  });
}

export type NotificationsConfig = Pick<
  Config,
  'BUSINESS_TIMEZONE' | 'SLA_BREACH_DAYS' | 'APPEAL_EXPIRY_DAYS'
> & {
  calendar: CalendarStore;
};

export function notificationsSubscriber(config: NotificationsConfig): Subscriber {
  async function handle(tx: Tx, event: DomainEvent): Promise<void> {
    if (event.type === 'appeal.opened') return opened(tx, event, config);
    if (event.type === 'appeal.submitted' || event.type === 'appeal.resubmitted')
      return submitted(tx, event, config);
    const outcome = event.type === 'appeal.decided' ? event.data.outcome : null;
    if (outcome === 'MORE_INFO_REQUESTED') return moreInfo(tx, event, config);
    if (event.type === 'appeal.decided' && outcome !== 'APPROVED' && outcome !== 'REJECTED') return;
    const a = await tx.appeal.findUniqueOrThrow({
      where: { id: event.appealId },
      include: { order: true },
    });
    const email = { to: a.order.buyerEmail, locale: a.order.buyerLocale, appealId: a.id };
    const who = { buyerName: a.order.buyerName, orderId: a.order.orderId };
    if (outcome === 'APPROVED') {
      await queueEmail(tx, {
        ...email,
        message: { template: 'APPROVED', ...who, appealUrl: APPEAL_LINK_PLACEHOLDER },
      });
      return;
    }
    const cal = await config.calendar.load(tx);
    const refund = await tx.refund.findUnique({ where: { orderId: a.orderId } });
    if (outcome === 'REJECTED') {
      const decisionId = event.data.decisionId as string | null | undefined;
      const decision = decisionId
        ? await tx.decision.findUniqueOrThrow({ where: { id: decisionId }, select: { buyerMessage: true } })
        : null;
      await queueEmail(tx, {
        ...email,
        message: {
          template: 'REJECTED',
          ...who,
          appealUrl: APPEAL_LINK_PLACEHOLDER,
          reasons: await reasonsOf(tx, (event.data.reasonCodes as string[] | undefined) ?? []),
          buyerMessage: decision?.buyerMessage ?? null,
          refund: rejectionRefund(refund, cal),
        },
      });
      return;
    }
    if (event.type === 'appeal.withdrawn') {
      await queueEmail(tx, {
        ...email,
        message: { template: 'WITHDRAWN', ...who, refund: closingRefund(refund, cal) },
      });
      return;
    }
    if (event.type === 'appeal.expired') {
      await queueEmail(tx, {
        ...email,
        message: {
          template: 'EXPIRED',
          ...who,
          appealUrl: APPEAL_LINK_PLACEHOLDER,
          refund: closingRefund(refund, cal),
        },
      });
    }
  }
  return {
    name: 'notifications',
    events: [
      'appeal.opened',
      'appeal.submitted',
      'appeal.resubmitted',
      'appeal.decided',
      'appeal.expired',
      'appeal.withdrawn',
    ],
    handle,
  };
}
