import { z } from 'zod';

export const OUTBOX_STATUSES = ['PENDING', 'PUBLISHED', 'DONE', 'FAILED', 'DEAD'] as const;

export const ZOutboxListQuery = z.strictObject({
  /** one status, or several separated by commas; default FAILED,DEAD (what needs an admin) */
  status: z
    .string()
    .max(100)
    .default('FAILED,DEAD')
    .transform((s) => s.split(',').map((x) => x.trim().toUpperCase()))
    .pipe(z.array(z.enum(OUTBOX_STATUSES)).min(1)),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

// What an admin may see of a row: never the payload itself (names, links, amounts), only what tells
// them what it was and where it went.
export const ZOutboxItem = z
  .object({
    id: z.uuid(),
    topic: z.string(),
    status: z.enum(OUTBOX_STATUSES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.iso.datetime(),
    processedAt: z.iso.datetime().nullable(),
    template: z.string().nullable().meta({ description: 'e-mail template (email.send)' }),
    recipientDomain: z.string().nullable().meta({ description: 'domain of the e-mail recipient' }),
    eventType: z.string().nullable().meta({ description: 'webhook event type (webhook.deliver)' }),
    eventId: z.string().nullable(),
  })
  .meta({ id: 'OutboxItem' });

export const ZOutboxList = z.object({ items: z.array(ZOutboxItem), nextCursor: z.string().nullable() });

export const ZOutboxIdParams = z.object({ id: z.uuid() });
