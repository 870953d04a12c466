import { isIP } from 'node:net';
import { z } from 'zod';
import { isKnownCurrency } from '../../platform/money.ts';
import { CARD_NUMBER_IN_TEXT, noFullCardNumber } from '../security/card-text.ts';

export const CARD_BRANDS = [
  'VISA',
  'MASTERCARD',
  'MAESTRO',
  'AMEX',
  'DISCOVER',
  'JCB',
  'UNIONPAY',
  'DINERS',
  'OTHER',
] as const;

export const ZMoney = z.strictObject({
  value: z
    .number()
    .int('amount.value must be an integer number of minor units')
    .positive('amount.value must be positive')
    .max(Number.MAX_SAFE_INTEGER),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as EUR')
    .refine(isKnownCurrency, 'unknown ISO 4217 currency'),
});

/** Free text of the dispute-evidence fields: trimmed, no control characters, never a full card number. */
function evidenceText(field: string, max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !/\p{Cc}/u.test(s), `${field} must not contain control characters`)
    .refine(noFullCardNumber, `${field} ${CARD_NUMBER_IN_TEXT}`);
}

/**
 * Optional facts that dispute programmes ask for when the same payment is disputed later (Visa Compelling
 * Evidence 3.0 matches earlier undisputed transactions on IP address, device id, account id and shipping
 * address); stored with the order and printed on the evidence pack's cover (src/modules/evidence).
 */
export const ZShippingAddress = z
  .strictObject({
    name: evidenceText('shippingAddress.name', 200).optional(),
    line1: evidenceText('shippingAddress.line1', 200),
    line2: evidenceText('shippingAddress.line2', 200).optional(),
    city: evidenceText('shippingAddress.city', 100),
    region: evidenceText('shippingAddress.region', 100).optional(),
    postalCode: evidenceText('shippingAddress.postalCode', 20).optional(),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'shippingAddress.country must be an ISO 3166-1 alpha-2 code')
      .transform((s) => s.toUpperCase()),
  })
  .meta({ description: 'where the order ships to (printed on the evidence pack)' });
export type TShippingAddress = z.infer<typeof ZShippingAddress>;

export const ZDisputeEvidenceFields = {
  purchaseIp: z
    .string()
    .max(45)
    .refine((s) => isIP(s) !== 0, 'purchaseIp must be an IPv4 or IPv6 address')
    .optional()
    .meta({ description: "the buyer's IP address at purchase (IPv4 or IPv6)" }),
  deviceId: evidenceText('deviceId', 128)
    .optional()
    .meta({ description: "the risk system's device id or fingerprint of the purchase" }),
  accountId: evidenceText('accountId', 128)
    .optional()
    .meta({ description: "the buyer's account id at the marketplace" }),
  shippingAddress: ZShippingAddress.optional(),
};

export const ZCreateBlockedOrderRequest = z
  .strictObject({
    orderId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'orderId: 1-64 letters, digits, . _ : -'),
    buyer: z.strictObject({
      id: z.string().min(1).max(128),
      email: z.email().max(254),
      name: z.string().trim().min(1).max(200).refine(noFullCardNumber, `buyer.name ${CARD_NUMBER_IN_TEXT}`),
      locale: z
        .string()
        .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'locale must be a BCP 47 tag such as en-GB or zh-CN')
        .default('en'),
    }),
    amount: ZMoney,
    card: z.strictObject({
      brand: z
        .string()
        .transform((s) => s.toUpperCase())
        .pipe(z.enum(CARD_BRANDS)),
      last4: z.string().regex(/^\d{4}$/, 'card.last4 must be exactly 4 digits'),
      issuerCountry: z
        .string()
        .regex(/^[A-Za-z]{2}$/, 'card.issuerCountry must be an ISO 3166-1 alpha-2 code')
        .transform((s) => s.toUpperCase()),
    }),
    errorCode: z.string().min(1).max(64),
    paymentCaptured: z.boolean(),
    blockedAt: z.iso.datetime({ offset: true }),
    ...ZDisputeEvidenceFields,
  })
  .meta({ id: 'CreateBlockedOrderRequest' });
export type TCreateBlockedOrderRequest = z.infer<typeof ZCreateBlockedOrderRequest>;

export const ZPaymentError = z
  .object({
    code: z.string(),
    title: z.string(),
    titleZh: z.string(),
    action: z.string(),
    actionZh: z.string(),
    appealable: z.boolean(),
  })
  .meta({ id: 'PaymentError' });

export const ZCreateBlockedOrderResponse = z
  .object({
    orderId: z.string(),
    appealable: z.boolean(),
    appealId: z.uuid().optional(),
    appealUrl: z.url().optional(),
    paymentError: ZPaymentError,
  })
  .meta({ id: 'CreateBlockedOrderResponse' });
