// Pure rules of a refund (SPEC section 5): its status machine, the ARN format, whether it is overdue and
// its ageing bucket. No I/O, no clock: callers pass `now`.
import { AppError } from '../../platform/errors.ts';

export type RefundStatus = 'SCHEDULED' | 'SUBMITTED' | 'SETTLED' | 'FAILED';
export type RefundEventType = 'SUBMITTED' | 'SETTLED' | 'FAILED';
export type Ageing = 'WITHIN_WINDOW' | 'IN_WINDOW_7_10' | 'PAST_DUE';

// FAILED -> SUBMITTED is the retry (a new provider reference); SETTLED is final.
const TRANSITIONS: Record<RefundEventType, readonly RefundStatus[]> = {
  SUBMITTED: ['SCHEDULED', 'FAILED'],
  SETTLED: ['SUBMITTED'],
  FAILED: ['SUBMITTED'],
};

/** The events that may be recorded next for a refund in `status` (the finance form offers only these). */
export function allowedRefundEvents(status: RefundStatus): RefundEventType[] {
  return (Object.keys(TRANSITIONS) as RefundEventType[]).filter((e) => TRANSITIONS[e].includes(status));
}

/** The status after `event`, or AppError('REFUND.INVALID_TRANSITION') naming what would be allowed. */
export function refundTransition(current: RefundStatus, event: RefundEventType): RefundStatus {
  const from = TRANSITIONS[event];
  if (!from.includes(current)) {
    throw new AppError(
      'REFUND.INVALID_TRANSITION',
      `A ${event} event is not allowed while the refund is ${current} (only from ${from.join(' or ')}).`,
      { status: current, event, allowedFrom: from },
    );
  }
  return event;
}

/**
 * Acquirer Reference Number: 23 digits on Visa and Mastercard refunds (the format card networks give the
 * buyer's bank to trace a credit). Separators that people copy from PSP consoles are not accepted: the
 * stored ARN is what the buyer's bank will be asked about, digit for digit.
 */
export const ARN_PATTERN = /^\d{23}$/;

export function isValidArn(arn: string): boolean {
  return ARN_PATTERN.test(arn);
}

/** Not SETTLED once `dueBy` has passed. */
export function isOverdue(r: { status: RefundStatus; dueBy: Date }, now: Date): boolean {
  return r.status !== 'SETTLED' && now.getTime() > r.dueBy.getTime();
}

/**
 * Working days since the decision, in buckets: under 7 (WITHIN_WINDOW: before the window opens), 7-10
 * (IN_WINDOW_7_10) and past `dueBy` (PAST_DUE). The stored window is compared directly - expectedFrom and
 * dueBy are the first instants at which 7 and 10 working days have elapsed - so a holiday added later does
 * not move refunds already promised. A settled refund is measured at its settlement: PAST_DUE then means
 * it was settled late.
 */
export function ageingBucket(
  r: { status: RefundStatus; expectedFrom: Date; dueBy: Date; settledAt: Date | null },
  now: Date,
): Ageing {
  const at = (r.status === 'SETTLED' && r.settledAt ? r.settledAt : now).getTime();
  if (at > r.dueBy.getTime()) return 'PAST_DUE';
  if (at >= r.expectedFrom.getTime()) return 'IN_WINDOW_7_10';
  return 'WITHIN_WINDOW';
}

/** An amount carried by an event must be exactly the refund's (partial refunds are not part of this build). */
export function checkEventAmount(
  refund: { amountMinor: bigint; currency: string },
  amount: { value: number; currency: string } | undefined,
): void {
  if (!amount) return;
  if (amount.currency !== refund.currency || BigInt(amount.value) !== refund.amountMinor) {
    throw new AppError(
      'REFUND.MISMATCH',
      `The event's amount ${amount.value} ${amount.currency} does not match the refund's ${refund.amountMinor} ${refund.currency} (minor units).`,
      {
        expected: { value: Number(refund.amountMinor), currency: refund.currency },
        received: amount,
      },
    );
  }
}
