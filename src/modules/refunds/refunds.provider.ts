// The payment provider behind an interface (SPEC section 5). The default, `manual`, is finance working in
// the PSP's own console: they issue the refund there and record here what they did, so `submit` sends
// nothing and hands back the reference finance typed in. A networked provider would implement `submit`
// with the PSP's API (passing our idempotency key on) and report SETTLED/FAILED through the callback
// endpoint, authenticated with a key from REFUND_PROVIDER_KEYS.
import { AppError } from '../../platform/errors.ts';

/** What a provider may learn about a refund: ids and the amount, never more of the card than the last 4. */
export interface RefundForProvider {
  id: string;
  orderId: string;
  amountMinor: bigint;
  currency: string;
  cardBrand: string;
  cardLast4: string;
}

export interface RefundProvider {
  /** stored on the refund (`provider` column) */
  readonly name: string;
  /**
   * Asks the provider to pay the refund back. `providerRef` is the reference finance entered (manual
   * provider) or absent; `idempotencyKey` lets a provider drop a duplicate request.
   */
  submit(
    refund: RefundForProvider,
    input: { providerRef?: string; idempotencyKey?: string },
  ): Promise<{ providerRef: string }>;
}

export const manualProvider: RefundProvider = {
  name: 'manual',
  async submit(_refund, input) {
    if (!input.providerRef) {
      throw new AppError(
        'REQUEST.INVALID',
        'The manual provider needs the reference of the refund issued in the PSP console.',
        [{ path: 'providerRef', message: 'required for SUBMITTED' }],
      );
    }
    return { providerRef: input.providerRef };
  },
};

const PROVIDERS: Record<string, RefundProvider> = { manual: manualProvider };

/** The provider a refund was created with (`refund.provider`); unknown names are a configuration bug. */
export function refundProvider(name: string): RefundProvider {
  const p = PROVIDERS[name];
  if (!p) throw new AppError('INTERNAL', `No refund provider named ${name}.`);
  return p;
}
