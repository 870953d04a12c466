// GET /api/v1/cases/:id/documents/:docId/image: the watermarked, audited document view (review.documents.ts),
// and the one way a rendition is sent (the case viewer and the QA review).
import { type Response, Router } from 'express';
import { z } from 'zod';
import { requireSecondFactor, requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import { viewCaseDocument } from './review.documents.ts';

const image = describeRoute({
  method: 'get',
  path: '/api/v1/cases/:id/documents/:docId/image',
  summary:
    'A document of the case as a JPEG watermarked with the viewer and the time (PDF statements: one page, ' +
    '?page=N); no-store, inline only; every view is audited (DOCUMENT_VIEWED)',
  tags: ['review'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  params: z.object({ id: z.string().max(64), docId: z.string().max(64) }),
  query: z.object({
    page: z.coerce.number().int().min(1).max(100).default(1),
    w: z.coerce
      .number()
      .int()
      .min(200)
      .max(2400)
      .optional()
      .meta({ description: 'longest side wanted (the size shown); default and maximum 2400 (PDF 1600)' }),
  }),
  responses: {
    200: { description: 'The watermarked image', schema: z.string(), contentType: 'image/jpeg' },
    404: { description: 'No such case for this viewer, no such document in this case, or no such page' },
    410: { description: 'DOCUMENT.PURGED: the blob was deleted (retention)' },
    415: { description: 'DOCUMENT.PREVIEW_UNAVAILABLE: the PDF page could not be drawn' },
    503: { description: 'DEPENDENCY.UNAVAILABLE: the view could not be audited, so it is not served' },
  },
});

/** A watermarked document rendition: inline, never cached, never sniffed (the case viewer and the QA review). */
export function sendDocumentJpeg(res: Response, jpeg: Buffer): void {
  res
    .status(200)
    .set({
      'Content-Type': 'image/jpeg',
      'Content-Length': String(jpeg.length),
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      'Content-Disposition': 'inline',
      'X-Content-Type-Options': 'nosniff',
    })
    .end(jpeg);
}

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const reviewDocumentsRouteDocs = [image] as const;

export function reviewDocumentsRoutes(deps: Deps): Router {
  const r = Router();
  r.get(image.path, requireStaff('REVIEWER', 'LEAD'), requireSecondFactor(deps.config), async (req, res) => {
    const { params, query } = parseRequest(image, req);
    const p = req.principal;
    if (p.kind !== 'staff') throw new Error('requireStaff must run first');
    const { ip, userAgent } = auditFromRequest(req);
    const view = await viewCaseDocument(
      deps,
      { id: p.userId, roles: p.roles, email: p.email, name: p.name },
      { caseId: params.id, docId: params.docId, page: query.page, width: query.w },
      { ip, userAgent },
    );
    sendDocumentJpeg(res, view.jpeg);
  });
  return r;
}
