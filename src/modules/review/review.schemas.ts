import { z } from 'zod';
import { SLOTS } from '../notifications/notifications.templates.ts';
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

export const ZCaseListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.uuid().optional(),
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
});

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
