import { z } from 'zod';

export const ZSlotName = z.enum(['ID_FRONT', 'ID_BACK', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT']);

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
    }),
  ),
});
export const ZQuarantineResult = z.object({ id: z.uuid(), status: z.enum(['RELEASED', 'DISCARDED']) });
