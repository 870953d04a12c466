import { z } from 'zod';
import { SLOTS } from '../../platform/slots.ts';

export const ZSlotName = z.enum(SLOTS);

export const ZPlaceParams = z.object({ id: z.string().max(64), docId: z.string().max(64) });
export const ZPlaceBody = z.strictObject({
  slot: ZSlotName,
  /** CARD_FRONT only: the last 4 digits the buyer can see on the card */
  cardLast4: z
    .string()
    .regex(/^\d{4}$/, 'exactly the 4 last digits of the card')
    .optional(),
});

export const ZUnsorted = z.object({
  id: z.uuid(),
  filename: z.string().nullable(),
  mimeType: z.string(),
  checks: z.unknown(),
  flags: z.array(z.string()),
  slotGuess: ZSlotName.nullable(),
  confidence: z.number().nullable(),
  source: z.object({ channel: z.literal('EMAIL'), senderCheck: z.string().nullable() }),
  createdAt: z.iso.datetime(),
});

export const ZMailParams = z.object({ id: z.string().max(64) });
export const ZQuarantineQuery = z.object({
  status: z.enum(['QUARANTINED', 'RELEASED', 'DISCARDED']).default('QUARANTINED'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** nextCursor of the previous page */
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/)
    .optional(),
});
export const ZQuarantinePage = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      status: z.string(),
      receivedAt: z.iso.datetime(),
      envelopeFrom: z.string(),
      fromAddress: z.string().nullable(),
      subject: z.string().nullable(),
      byteSize: z.number().int(),
      senderCheck: z.string().nullable(),
      auth: z.record(z.string(), z.unknown()).nullable(),
      /** the mail's files by name (no content); null for a mail quarantined before names were kept */
      files: z
        .array(
          z.object({
            filename: z.string(),
            mimeType: z.string().nullable(),
            size: z.number().int().nullable(),
            forwarded: z.boolean(),
          }),
        )
        .nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});
export const ZQuarantineResult = z.object({ id: z.uuid(), status: z.enum(['RELEASED', 'DISCARDED']) });
