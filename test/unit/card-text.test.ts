// Free-text fields refuse a full card number (grouped or not) and keep everything else, including the
// last 4 digits, phone numbers, dates and amounts.
import { describe, expect, it } from 'vitest';
import { ZCreateBlockedOrderRequest } from '../../src/modules/orders/orders.schemas.ts';
import { ZDecisionRequest } from '../../src/modules/review/review.schemas.ts';
import { noFullCardNumber } from '../../src/modules/security/card-text.ts';

describe('noFullCardNumber', () => {
  it.each([
    ['4111111111111111', false],
    ['card 4111 1111 1111 1111 please', false],
    ['Amex 3782-822463-10005', false],
    ['ends in 1111', true],
    ['call +44 20 7946 0958', true],
    ['paid 1,234.56 EUR on 12/28', true],
    ['4111 1111 1111 1112 (one digit off: fails Luhn)', true],
  ])('%s -> %s', (text, ok) => {
    expect(noFullCardNumber(text)).toBe(ok);
  });

  it('the decision and registration schemas refuse it without repeating the digits', () => {
    const d = ZDecisionRequest.safeParse({
      decision: 'REJECT',
      reasonCodes: ['IMAGE_BLURRY'],
      internalNote: 'card 5555 5555 5555 4444',
    });
    expect(d.success).toBe(false);
    expect(JSON.stringify(d.error?.issues)).not.toContain('5555');
    expect(d.error?.issues.map((i) => i.path.join('.'))).toEqual(['internalNote']);
    const o = ZCreateBlockedOrderRequest.safeParse({
      orderId: 'ORD-1',
      buyer: { id: 'b', email: 'b@example.com', name: 'Bea 4111111111111111' },
      amount: { value: 100, currency: 'EUR' },
      card: { brand: 'VISA', last4: '1111', issuerCountry: 'GB' },
      errorCode: 'X',
      paymentCaptured: true,
      blockedAt: '2026-03-02T08:00:00Z',
    });
    expect(o.success).toBe(false);
    expect(o.error?.issues.map((i) => i.path.join('.'))).toContain('buyer.name');
    expect(JSON.stringify(o.error?.issues)).not.toContain('4111111111111111');
  });
});

describe('disguised card numbers (issue 15 point 11)', () => {
  it.each([
    ['4111.1111.1111.1111'],
    ['4111/1111/1111/1111'],
    ['4111_1111_1111_1111'],
    ['4111\u00A01111\u00A01111\u00A01111'],
    ['4111\u20091111\u20091111\u20091111'],
    ['4111\u202F1111\u202F1111\u202F1111'],
    ['41 11 11 11 11 11 11 11'],
    ['５５５５ ５５５５ ５５５５ ４４４４'],
    ['my card: 5555-55.55 5555/4444 thanks'],
  ])('%s is refused', (text) => {
    expect(noFullCardNumber(text)).toBe(false);
  });

  it.each([
    ['order 2026.03.02, ref 12/28'],
    ['IBAN DE89 3704 0044 0532 0130 00'],
    ['tracking 1Z 999 AA1 01 2345 6784'],
    ['４１１１ only the last four: 1111'],
  ])('%s is kept', (text) => {
    expect(noFullCardNumber(text)).toBe(true);
  });

  it('the refund reason and providerRef are checked too', async () => {
    const { ZRefundEventRequest } = await import('../../src/modules/refunds/refunds.schemas.ts');
    const failed = ZRefundEventRequest.safeParse({
      type: 'FAILED',
      reason: 'card 4111.1111.1111.1111 closed',
    });
    expect(failed.success).toBe(false);
    expect(JSON.stringify(failed.error?.issues)).not.toContain('4111');
    const sub = ZRefundEventRequest.safeParse({ type: 'SUBMITTED', providerRef: '4111111111111111' });
    expect(sub.success).toBe(false);
    expect(ZRefundEventRequest.safeParse({ type: 'SUBMITTED', providerRef: 'rf_8842' }).success).toBe(true);
  });
});
