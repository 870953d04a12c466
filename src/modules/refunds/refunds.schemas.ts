// Edges of the refunds module: the event body (finance and provider callbacks), the finance list filters
// and the shapes answered.
import { z } from 'zod';
import { ZMoney } from '../orders/orders.schemas.ts';
import { CARD_NUMBER_IN_TEXT, noFullCardNumber } from '../security/card-text.ts';
import { ARN_PATTERN } from './refunds.rules.ts';

export const REFUND_STATUSES = ['SCHEDULED', 'SUBMITTED', 'SETTLED', 'FAILED'] as const;
export const AGEING = ['WITHIN_WINDOW', 'IN_WINDOW_7_10', 'PAST_DUE'] as const;

/** Keys as payment APIs take them: printable ASCII, long enough for a UUID or a provider's event id. */
export const ZIdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'idempotency key: 1-255 printable ASCII characters, no spaces');

const Ref = z.string().trim().min(1).max(128).refine(noFullCardNumber, `providerRef ${CARD_NUMBER_IN_TEXT}`);
const common = {
  amount: ZMoney.optional(),
  idempotencyKey: ZIdempotencyKey.optional(),
};

export const ZRefundEventRequest = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('SUBMITTED'), providerRef: Ref, ...common }),
    z.strictObject({
      type: z.literal('SETTLED'),
      arn: z.string().regex(ARN_PATTERN, 'arn must be the 23-digit Acquirer Reference Number (digits only)'),
      ...common,
    }),
    z.strictObject({
      type: z.literal('FAILED'),
      reason: z.string().trim().min(1).max(500).refine(noFullCardNumber, `reason ${CARD_NUMBER_IN_TEXT}`),
      ...common,
    }),
  ])
  .meta({ id: 'RefundEventRequest' });
export type TRefundEventRequest = z.infer<typeof ZRefundEventRequest>;

// A date is a whole local day in the business time zone; an instant is taken as given.
const DateOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const ZRefundListFilters = z.strictObject({
  status: z.enum(REFUND_STATUSES).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as EUR')
    .optional(),
  /** decidedAt >= from (a date: from its local midnight) */
  from: DateOrInstant.optional(),
  /** decidedAt < to (a date: up to the end of that local day, inclusive) */
  to: DateOrInstant.optional(),
});
export type TRefundListFilters = z.infer<typeof ZRefundListFilters>;

export const ZRefundListQuery = ZRefundListFilters.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(300).optional(),
});
export type TRefundListQuery = z.infer<typeof ZRefundListQuery>;

const ZMoneyOut = z.object({ value: z.number().int(), currency: z.string() });

export const ZRefundItem = z
  .object({
    id: z.uuid(),
    orderId: z.string(),
    appealId: z.uuid(),
    status: z.enum(REFUND_STATUSES),
    cause: z.enum(['REJECTED', 'EXPIRED', 'WITHDRAWN']),
    amount: ZMoneyOut,
    card: z.object({ brand: z.string(), last4: z.string() }),
    provider: z.string(),
    decidedAt: z.string(),
    expectedFrom: z.string(),
    dueBy: z.string(),
    providerRef: z.string().nullable(),
    arn: z.string().nullable(),
    failureReason: z.string().nullable(),
    submittedAt: z.string().nullable(),
    settledAt: z.string().nullable(),
    overdue: z.boolean(),
    ageing: z.enum(AGEING),
    allowedEvents: z
      .array(z.enum(['SUBMITTED', 'SETTLED', 'FAILED']))
      .meta({ description: 'events that may be recorded next from this status (SETTLED: none)' }),
  })
  .meta({ id: 'Refund' });

export const ZTotals = z.array(z.object({ currency: z.string(), value: z.number(), count: z.number() }));

export const ZRefundList = z
  .object({ items: z.array(ZRefundItem), nextCursor: z.string().nullable(), totals: ZTotals })
  .meta({ id: 'RefundList' });

export const ZRefundSummary = z
  .object({
    asOf: z.string(),
    totals: ZTotals,
    byStatus: z.array(
      z.object({
        status: z.enum(REFUND_STATUSES),
        currency: z.string(),
        value: z.number(),
        count: z.number(),
      }),
    ),
    ageing: z.object({ WITHIN_WINDOW: z.number(), IN_WINDOW_7_10: z.number(), PAST_DUE: z.number() }),
    overdue: z.object({ count: z.number(), totals: ZTotals }),
  })
  .meta({ id: 'RefundSummary' });
