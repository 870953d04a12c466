import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  defaultHolidays,
  makeCalendar,
  workingDaysElapsed,
} from '../../src/platform/calendar.ts';
import { currencyExponent as templateExponent } from '../../src/modules/notifications/notifications.templates.ts';
import { refundWindow } from '../../src/modules/refunds/refunds.create.ts';
import {
  ageingBucket,
  checkEventAmount,
  isOverdue,
  isValidArn,
  type RefundEventType,
  type RefundStatus,
  refundTransition,
} from '../../src/modules/refunds/refunds.rules.ts';
import { ZRefundEventRequest } from '../../src/modules/refunds/refunds.schemas.ts';
import { currencyExponent, minorToMajorString } from '../../src/platform/money.ts';

const cal = makeCalendar(
  'Europe/London',
  defaultHolidays(2026).map((h) => h.date),
);

describe('refund status machine', () => {
  const allowed: Array<[RefundStatus, RefundEventType, RefundStatus]> = [
    ['SCHEDULED', 'SUBMITTED', 'SUBMITTED'],
    ['SUBMITTED', 'SETTLED', 'SETTLED'],
    ['SUBMITTED', 'FAILED', 'FAILED'],
    ['FAILED', 'SUBMITTED', 'SUBMITTED'],
  ];
  it.each(allowed)('%s + %s -> %s', (from, ev, to) => {
    expect(refundTransition(from, ev)).toBe(to);
  });

  const statuses: RefundStatus[] = ['SCHEDULED', 'SUBMITTED', 'SETTLED', 'FAILED'];
  const events: RefundEventType[] = ['SUBMITTED', 'SETTLED', 'FAILED'];
  const refused = statuses.flatMap((s) =>
    events.filter((e) => !allowed.some(([f, ev]) => f === s && ev === e)).map((e) => [s, e] as const),
  );
  it('refuses every other combination with REFUND.INVALID_TRANSITION (8 of 12)', () => {
    expect(refused).toHaveLength(8);
    for (const [s, e] of refused) {
      expect(() => refundTransition(s, e)).toThrowError(
        expect.objectContaining({ code: 'REFUND.INVALID_TRANSITION' }),
      );
    }
  });
  it('names the allowed source states when SETTLED comes before SUBMITTED', () => {
    expect(() => refundTransition('SCHEDULED', 'SETTLED')).toThrow(
      'A SETTLED event is not allowed while the refund is SCHEDULED (only from SUBMITTED).',
    );
  });
});

describe('ARN', () => {
  it('accepts exactly 23 digits', () => {
    expect(isValidArn('74537606123123456789012')).toBe(true);
    expect(isValidArn('7453760612312345678901')).toBe(false); // 22
    expect(isValidArn('745376061231234567890123')).toBe(false); // 24
    expect(isValidArn('7453 7606 1231 2345 6789 012')).toBe(false);
    expect(isValidArn('7453760612312345678901A')).toBe(false);
  });
  it('the event schema refuses a bad ARN and a SETTLED without one', () => {
    expect(ZRefundEventRequest.safeParse({ type: 'SETTLED', arn: '12345' }).success).toBe(false);
    expect(ZRefundEventRequest.safeParse({ type: 'SETTLED' }).success).toBe(false);
    expect(ZRefundEventRequest.safeParse({ type: 'SUBMITTED' }).success).toBe(false);
    expect(ZRefundEventRequest.safeParse({ type: 'FAILED', reason: ' ' }).success).toBe(false);
    expect(
      ZRefundEventRequest.safeParse({ type: 'SETTLED', arn: '74537606123123456789012', x: 1 }).success,
    ).toBe(false);
    expect(ZRefundEventRequest.parse({ type: 'SETTLED', arn: '74537606123123456789012' })).toEqual({
      type: 'SETTLED',
      arn: '74537606123123456789012',
    });
  });
});

describe('amount check', () => {
  const refund = { amountMinor: 12_999n, currency: 'EUR' };
  it('passes on the same amount or none, refuses another value or currency', () => {
    expect(() => checkEventAmount(refund, undefined)).not.toThrow();
    expect(() => checkEventAmount(refund, { value: 12_999, currency: 'EUR' })).not.toThrow();
    expect(() => checkEventAmount(refund, { value: 12_998, currency: 'EUR' })).toThrowError(
      expect.objectContaining({ code: 'REFUND.MISMATCH' }),
    );
    expect(() => checkEventAmount(refund, { value: 12_999, currency: 'GBP' })).toThrowError(
      expect.objectContaining({ code: 'REFUND.MISMATCH' }),
    );
  });
});

describe('refund window on the business calendar', () => {
  it('Monday 30 March 2026 10:00 BST: 7 and 10 working days skip Good Friday and Easter Monday', () => {
    const w = refundWindow(new Date('2026-03-30T09:00:00Z'), cal);
    expect(w.expectedFrom.toISOString()).toBe('2026-04-10T09:00:00.000Z');
    expect(w.dueBy.toISOString()).toBe('2026-04-15T09:00:00.000Z');
  });
  it('a decision on a holiday starts counting at the next working day (Good Friday -> Tuesday 7 April)', () => {
    const w = refundWindow(new Date('2026-04-03T11:00:00Z'), cal);
    expect(w.expectedFrom.toISOString()).toBe('2026-04-15T23:00:00.000Z'); // end of Wednesday 15 April
    expect(w.dueBy.toISOString()).toBe('2026-04-20T23:00:00.000Z'); // end of Monday 20 April
  });
});

describe('overdue and ageing', () => {
  const decided = new Date('2026-03-02T09:00:00Z');
  const { expectedFrom, dueBy } = refundWindow(decided, cal);
  const r = (status: RefundStatus, settledAt: Date | null = null) => ({
    status,
    expectedFrom,
    dueBy,
    settledAt,
  });

  it('is overdue strictly after dueBy unless settled', () => {
    expect(isOverdue({ status: 'SUBMITTED', dueBy }, dueBy)).toBe(false);
    expect(isOverdue({ status: 'SUBMITTED', dueBy }, new Date(dueBy.getTime() + 1))).toBe(true);
    expect(isOverdue({ status: 'FAILED', dueBy }, new Date(dueBy.getTime() + 1))).toBe(true);
    expect(isOverdue({ status: 'SETTLED', dueBy }, new Date(dueBy.getTime() + 1))).toBe(false);
  });

  it('buckets agree with whole working days elapsed: <7, 7-10, past dueBy', () => {
    const probes = [0, 1, 3.5, 6.999, 7, 8, 9.5, 10].map((d) => addWorkingDays(decided, d, cal));
    probes.push(new Date(dueBy.getTime() + 1), addWorkingDays(decided, 15, cal));
    const got = probes.map((at) => [workingDaysElapsed(decided, at, cal), ageingBucket(r('SUBMITTED'), at)]);
    expect(got).toEqual([
      [0, 'WITHIN_WINDOW'],
      [1, 'WITHIN_WINDOW'],
      [3, 'WITHIN_WINDOW'],
      [6, 'WITHIN_WINDOW'],
      [7, 'IN_WINDOW_7_10'],
      [8, 'IN_WINDOW_7_10'],
      [9, 'IN_WINDOW_7_10'],
      [10, 'IN_WINDOW_7_10'],
      [10, 'PAST_DUE'],
      [15, 'PAST_DUE'],
    ]);
  });

  it('a settled refund is measured at its settlement', () => {
    const late = addWorkingDays(decided, 12, cal);
    const now = addWorkingDays(decided, 30, cal);
    expect(ageingBucket(r('SETTLED', addWorkingDays(decided, 8, cal)), now)).toBe('IN_WINDOW_7_10');
    expect(ageingBucket(r('SETTLED', late), now)).toBe('PAST_DUE');
  });
});

describe('money: one ISO 4217 exponent table', () => {
  it('places the decimal point by the ISO exponent, not by Intl (IDR 2, HUF 2, IQD 3)', () => {
    expect(minorToMajorString(12_999n, 'EUR')).toBe('129.99');
    expect(minorToMajorString(5000, 'JPY')).toBe('5000');
    expect(minorToMajorString(12_345n, 'KWD')).toBe('12.345');
    expect(minorToMajorString(5, 'KWD')).toBe('0.005');
    expect(minorToMajorString(150_000, 'IDR')).toBe('1500.00');
    expect(minorToMajorString(150_000, 'HUF')).toBe('1500.00');
    expect(minorToMajorString(150_000, 'IQD')).toBe('150.000');
    expect(minorToMajorString(-5, 'EUR')).toBe('-0.05');
  });
  it('the e-mail templates use the same table', () => {
    for (const c of ['EUR', 'JPY', 'KWD', 'IDR', 'HUF', 'IQD', 'CLF', 'XOF']) {
      expect(templateExponent(c)).toBe(currencyExponent(c));
    }
    expect(['IDR', 'HUF', 'IQD', 'JPY', 'KWD'].map(currencyExponent)).toEqual([2, 2, 3, 0, 3]);
  });
});
