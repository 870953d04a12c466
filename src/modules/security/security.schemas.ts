import { z } from 'zod';

export const ZCaseParams = z.object({ id: z.string().max(64) });
export const ZLegalHoldRequest = z.strictObject({ hold: z.boolean() });
export const ZLegalHoldResponse = z.object({
  id: z.string(),
  legalHold: z.boolean(),
  blobsPurgedAt: z.string().nullable(),
});

export const ZIncidentQuery = z.strictObject({
  appealId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/)
    .optional(),
});

export const ZIncident = z.object({
  id: z.string(),
  appealId: z.string(),
  slot: z.string(),
  kind: z.string(),
  detector: z.string(),
  detail: z.unknown(),
  createdAt: z.string(),
});
export const ZIncidentPage = z.object({ items: z.array(ZIncident), nextCursor: z.string().nullable() });
