// The edges of document intake: the multipart fields of an upload and the document as clients see it.
import { z } from 'zod';
import { type ALL_SLOTS, MAX_STATEMENT_PAGES } from '../appeals/appeals.rules.ts';

export const ZSlot = z.enum([
  'ID_FRONT',
  'ID_BACK',
  'CARD_FRONT',
  'CARD_BACK',
  'BILLING_STATEMENT',
]) satisfies z.ZodType<(typeof ALL_SLOTS)[number]>;

/** Multipart text fields of POST /api/v1/appeals/:id/documents (the file itself is the "file" part). */
export const ZUploadFields = z
  .object({
    slot: ZSlot,
    /** CARD_FRONT only: the last 4 digits the buyer can see on the card */
    cardLast4: z
      .string()
      .regex(/^\d{4}$/, 'exactly the 4 last digits of the card')
      .optional(),
    /** "upload anyway" after two attempts that failed only on heuristic rules */
    override: z
      .enum(['true', 'false'])
      .optional()
      .transform((v) => v === 'true'),
    /**
     * BILLING_STATEMENT only: the page to replace (0-based). Without it, the upload is appended as the
     * next page. Other slots have one document (page 0).
     */
    page: z.coerce
      .number()
      .int()
      .min(0)
      .max(MAX_STATEMENT_PAGES - 1)
      .optional(),
  })
  .strict();
export type TUploadFields = z.infer<typeof ZUploadFields>;

/** What the multipart body looks like, for the OpenAPI document. */
export const ZUploadMultipart = z.object({
  slot: ZSlot,
  file: z
    .string()
    .meta({ format: 'binary', description: 'JPEG, PNG, WebP, AVIF (PDF for BILLING_STATEMENT)' }),
  cardLast4: z
    .string()
    .regex(/^\d{4}$/)
    .optional(),
  override: z.enum(['true', 'false']).optional(),
  page: z.string().regex(/^\d+$/).optional(),
});

export const ZCheckResult = z.object({
  rule: z.string(),
  passed: z.boolean(),
  measured: z.unknown(),
  threshold: z.unknown(),
  message: z.string(),
  hard: z.boolean(),
});

export const ZDocument = z
  .object({
    id: z.uuid(),
    slot: ZSlot,
    page: z.number().int(),
    mimeType: z.string(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    pageCount: z.number().int().nullable(),
    checks: z.array(ZCheckResult),
    flags: z.array(z.string()),
    override: z.boolean(),
    createdAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'Document' });
export type TDocument = z.infer<typeof ZDocument>;

export const ZDocumentParams = z.object({ id: z.string().max(64), docId: z.string().max(64) });
