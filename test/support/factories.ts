// Request bodies and shortcuts shared by integration tests.
import { randomBytes } from 'node:crypto';

export const RISK_KEY = 'dev-risk-key';

export function blockedOrder(over: Record<string, unknown> = {}) {
  return {
    orderId: `ORD-${randomBytes(5).toString('hex')}`,
    buyer: { id: 'buyer-1', email: 'buyer@example.com', name: 'Bea Buyer', locale: 'en-GB' },
    amount: { value: 12_999, currency: 'EUR' },
    card: { brand: 'VISA', last4: '4242', issuerCountry: 'GB' },
    errorCode: 'ISC_RS_5100102051',
    paymentCaptured: true,
    blockedAt: '2026-03-02T08:00:00Z',
    ...over,
  };
}

export function tokenFromUrl(url: string): string {
  const m = /\/a\/(apl_[A-Za-z0-9_-]+)$/.exec(url);
  if (!m?.[1]) throw new Error(`no token in ${url}`);
  return m[1];
}
