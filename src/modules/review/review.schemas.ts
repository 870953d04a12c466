import { z } from 'zod';
import { SLOTS } from '../../platform/slots.ts';
import { DECISIONS } from './review.rules.ts';
import { CARD_NUMBER_IN_TEXT, noFullCardNumber } from '../security/card-text.ts';

const STATUSES = [
  'AWAITING_DOCUMENTS',
  'SUBMITTED',
  'IN_REVIEW',
  'MORE_INFO_REQUESTED',
  'APPROVED',
  'REJECTED',
  'EXPIRED',
  'WITHDRAWN',
] as const;

const Bool = z.enum(['true', 'false']).transform((s) => s === 'true');

export const ZCaseParams = z.object({ id: z.string().max(64) });

/** Document flags a case can be filtered by (documents.service.ts FLAGS). */
export const CASE_FLAGS = [
  'OVERRIDDEN',
  'DUPLICATE_OTHER_BUYER',
  'LAST4_MISMATCH_OCR',
  'LAST4_NOT_READ',
  'SUSPICIOUS_DIGIT_RUN',
  'OCR_UNAVAILABLE',
  'SENDER_UNVERIFIED',
  'FORWARDED',
] as const;

/** An amount in minor units, as a query string ("12345"). */
const Minor = z
  .string()
  .regex(/^\d{1,15}$/, 'a whole number of minor units')
  .transform((s) => Number(s));

/**
 * The queue's filters, as query parameters (strings). Shared by GET /api/v1/cases and saved views
 * (review.views.ts stores exactly these strings and parses them again with this schema).
 */
export const ZCaseFilters = z.object({
  /** one status or a comma-separated list */
  status: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(STATUSES)).max(STATUSES.length))
    .optional(),
  assignee: z.union([z.literal('me'), z.literal('unassigned'), z.uuid()]).optional(),
  overdue: Bool.optional(),
  escalated: Bool.optional(),
  needsLead: Bool.optional(),
  /** ISO 4217 code of the order, e.g. EUR */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR')
    .optional(),
  /** order amount >= amountMin (minor units) */
  amountMin: Minor.optional(),
  /** order amount <= amountMax (minor units) */
  amountMax: Minor.optional(),
  /** a current (ACTIVE) document carries any of these flags; comma-separated */
  flags: z
    .string()
    .transform((s) => [...new Set(s.split(',').filter(Boolean))])
    .pipe(z.array(z.enum(CASE_FLAGS)).min(1).max(CASE_FLAGS.length))
    .optional(),
});

function amountRangeOk(q: { amountMin?: number | undefined; amountMax?: number | undefined }) {
  return q.amountMin === undefined || q.amountMax === undefined || q.amountMin <= q.amountMax;
}
const AMOUNT_RANGE = { message: 'amountMin must not exceed amountMax', path: ['amountMin'] };

export const ZCaseListQuery = ZCaseFilters.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.uuid().optional(),
}).refine(amountRangeOk, AMOUNT_RANGE);

/** The filters of a saved view: the same parameters, nothing else (no limit or cursor). */
export const ZViewFilters = ZCaseFilters.strict().refine(amountRangeOk, AMOUNT_RANGE);

export const ZDecisionRequest = z.strictObject({
  decision: z.enum(DECISIONS),
  reasonCodes: z.array(z.string().trim().min(1).max(64)).max(20).default([]),
  buyerMessage: z
    .string()
    .trim()
    .max(4000)
    .refine(noFullCardNumber, `buyerMessage ${CARD_NUMBER_IN_TEXT}`)
    .nullable()
    .optional(),
  internalNote: z
    .string()
    .trim()
    .max(4000)
    .refine(noFullCardNumber, `internalNote ${CARD_NUMBER_IN_TEXT}`)
    .nullable()
    .optional(),
  slots: z.array(z.enum(SLOTS)).max(SLOTS.length).default([]),
});

export const ZAssignRequest = z.strictObject({ reviewerId: z.uuid().nullable() });

export const ZTeamSlaQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const ZCaseListItem = z.object({
  id: z.uuid(),
  orderId: z.string(),
  status: z.enum(STATUSES),
  assignee: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  submittedAt: z.string().nullable(),
  targetAt: z.string().nullable(),
  warnAt: z.string().nullable(),
  breachAt: z.string().nullable(),
  escalated: z.boolean(),
  needsLead: z.boolean(),
  round: z.number().int(),
  amount: z.object({ value: z.number().int(), currency: z.string() }),
  card: z.object({ brand: z.string(), last4: z.string() }),
});

export const ZReasonCode = z.object({
  code: z.string(),
  kind: z.enum(['RETRY', 'FINAL']),
  buyerText: z.object({ en: z.string(), zh: z.string() }),
  internalText: z.string(),
});

export const ZBulkRequest = z
  .strictObject({
    action: z.enum(['assign', 'reassign', 'return-to-pool', 'escalate']),
    caseIds: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, 'caseIds must not repeat'),
    assigneeId: z.uuid().optional(),
  })
  .superRefine((b, ctx) => {
    const needs = b.action === 'assign' || b.action === 'reassign';
    if (needs && !b.assigneeId)
      ctx.addIssue({ code: 'custom', path: ['assigneeId'], message: `${b.action} needs an assigneeId` });
    if (!needs && b.assigneeId)
      ctx.addIssue({ code: 'custom', path: ['assigneeId'], message: `${b.action} takes no assigneeId` });
  });

const ZError = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });

export const ZBulkResponse = z.object({
  action: z.enum(['assign', 'reassign', 'return-to-pool', 'escalate']),
  succeeded: z.array(
    z.object({
      caseId: z.string(),
      changed: z.boolean(),
      assigneeId: z.uuid().nullable().optional(),
      overCap: z.boolean().optional(),
      escalated: z.boolean().optional(),
    }),
  ),
  failed: z.array(z.object({ caseId: z.string(), status: z.number().int(), error: ZError })),
});

export const ZAdminWarnings = z.object({
  items: z.array(
    z.object({
      code: z.enum(['FOUR_EYES_TOO_FEW_LEADS']),
      message: z.string(),
      details: z.object({
        leadsAvailable: z.number().int(),
        required: z.number().int(),
        thresholdMinor: z.number().int(),
        leads: z.array(z.object({ id: z.uuid(), name: z.string() })),
      }),
    }),
  ),
});
