// Creating the refund when an order whose payment was captured ends REJECTED, EXPIRED or WITHDRAWN.
// Exactly once per order: the unique order_id makes a second insert a no-op, also when two decisions race.
import type { Tx } from '../../platform/db.ts';
import { addWorkingDays, type BusinessCalendar } from '../../platform/calendar.ts';

export const REFUND_WINDOW = { fromWorkingDays: 7, dueWorkingDays: 10 } as const;

export function refundWindow(decidedAt: Date, cal: BusinessCalendar): { expectedFrom: Date; dueBy: Date } {
  return {
    expectedFrom: addWorkingDays(decidedAt, REFUND_WINDOW.fromWorkingDays, cal),
    dueBy: addWorkingDays(decidedAt, REFUND_WINDOW.dueWorkingDays, cal),
  };
}

/**
 * In the caller's transaction: cancels the order and, if its payment was captured, schedules its refund.
 * Returns the refund id (existing or new), or null when nothing was captured.
 */
export async function scheduleRefundInTx(
  tx: Tx,
  cal: BusinessCalendar,
  input: { appealId: string; cause: 'REJECTED' | 'EXPIRED' | 'WITHDRAWN'; decidedAt: Date },
): Promise<string | null> {
  const appeal = await tx.appeal.findUniqueOrThrow({
    where: { id: input.appealId },
    include: { order: true },
  });
  await tx.blockedOrder.update({ where: { id: appeal.orderId }, data: { state: 'CANCELLED' } });
  if (!appeal.order.paymentCaptured) return null;
  const { expectedFrom, dueBy } = refundWindow(input.decidedAt, cal);
  const created = await tx.refund.createMany({
    data: [
      {
        orderId: appeal.orderId,
        appealId: appeal.id,
        cause: input.cause,
        amountMinor: appeal.order.amountMinor,
        currency: appeal.order.currency,
        cardBrand: appeal.order.cardBrand,
        cardLast4: appeal.order.cardLast4,
        decidedAt: input.decidedAt,
        expectedFrom,
        dueBy,
      },
    ],
    skipDuplicates: true,
  });
  const refund = await tx.refund.findUniqueOrThrow({
    where: { orderId: appeal.orderId },
    select: { id: true },
  });
  if (created.count === 1) {
    await tx.refundEvent.create({
      data: {
        refundId: refund.id,
        type: 'SCHEDULED',
        fromStatus: 'SCHEDULED',
        actorType: 'SYSTEM',
        reason: input.cause,
        createdAt: input.decidedAt,
      },
    });
  }
  return refund.id;
}
