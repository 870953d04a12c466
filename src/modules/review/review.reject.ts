// REJECT: the case closes REJECTED (through transitionAppeal, whose refunds subscriber schedules the refund
// of a captured payment, one per order), the assignment ends, the buyer gets the REJECTED e-mail with the
// refund window; the webhooks subscriber of appeal.decided tells the shop. Returns the refund id, or null when nothing was captured.
import type { BusinessCalendar } from '../../platform/calendar.ts';
import { deadlineLocalDate } from '../../platform/calendar.ts';
import type { Tx } from '../../platform/db.ts';
import { money } from '../../platform/money.ts';
import { transitionAppeal } from '../appeals/appeals.transition.ts';
import { queueEmail } from '../notifications/notifications.outbox.ts';
import {
  buyerLink,
  type DecideDeps,
  type DecidingAppeal,
  type DecisionContext,
} from './review.decision.shared.ts';

export async function rejectInTx(
  tx: Tx,
  deps: DecideDeps,
  cal: BusinessCalendar,
  a: DecidingAppeal,
  { decision, input, reasons, now, actor }: DecisionContext,
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
  const refund = await tx.refund.findUnique({ where: { orderId: a.orderId } });
  const refundId = refund?.id ?? null;
  await queueEmail(tx, {
    to: a.order.buyerEmail,
    locale: a.order.buyerLocale,
    appealId,
    message: {
      template: 'REJECTED',
      buyerName: a.order.buyerName,
      orderId: a.order.orderId,
      appealUrl: buyerLink(deps, a.tokenNonce),
      reasons,
      buyerMessage: input.buyerMessage ?? null,
      refund: refund
        ? {
            amount: money(refund.amountMinor, refund.currency),
            expectedFrom: deadlineLocalDate(refund.expectedFrom, cal),
            dueBy: deadlineLocalDate(refund.dueBy, cal),
          }
        : null,
    },
  });
  return refundId;
}
