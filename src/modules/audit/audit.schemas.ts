import { z } from 'zod';

export const ZAuditQuery = z.strictObject({
  /** actorId: a staff user id, an appeal id (buyer), risk-key-N, provider-key-N */
  actor: z.string().min(1).max(100).optional(),
  appealId: z.uuid().optional(),
  action: z
    .string()
    .regex(/^[A-Z0-9_.]{1,64}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[0-9]{1,19}$/)
    .optional(),
});

export const ZAuditRecord = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable(), label: z.string().nullable() }),
  action: z.string(),
  appealId: z.string().nullable(),
  target: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  data: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});

export const ZAuditPage = z.object({ items: z.array(ZAuditRecord), nextCursor: z.string().nullable() });
