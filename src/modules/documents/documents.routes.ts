import { Router } from 'express';
import { z } from 'zod';
import { requireBuyerOf } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { removeUpload, singleFileUpload } from '../../http/upload.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { uploadAllowance } from '../../http/upload-allowance.ts';
import { ZDocument, ZDocumentParams, ZUploadFields, ZUploadMultipart } from './documents.schemas.ts';
import { type IntakeDeps, removeDocument, uploadDocument } from './documents.service.ts';
import { intakePoolOf } from './documents.intake-pool.ts';

const upload = describeRoute({
  method: 'post',
  path: '/api/v1/appeals/:id/documents',
  summary:
    'Upload one document to a slot (multipart: slot, file, cardLast4 for CARD_FRONT, override=true, page for statements)',
  tags: ['documents'],
  security: ['buyer'],
  roles: ['buyer of this appeal'],
  params: z.object({ id: z.string().max(64) }),
  multipart: ZUploadMultipart,
  responses: {
    201: { description: 'Stored: the document with every check result', schema: ZDocument },
    400: { description: 'No file, two files, unknown slot or field, cardLast4 missing for CARD_FRONT' },
    409: { description: 'Uploads are not allowed in this status (or for this slot)' },
    413: { description: 'File larger than MAX_UPLOAD_BYTES' },
    415: { description: 'Not an accepted format (decided from the bytes)' },
    422: { description: 'Checks failed (details.checks), last 4 mismatch, or a full card number is visible' },
    503: {
      description:
        'SERVICE.BUSY with Retry-After: the intake queue is full (answered at once, before authentication and before the file is read; nothing stored; a client that sent Expect: 100-continue gets this answer instead of 100 Continue and need not send the file), or the card-number guard could not run (nothing stored). details.retryAfterSeconds, details.reason',
    },
    429: {
      description:
        'Upload allowance spent (the first round and each more-information round have their own); details.retryAfterSeconds, the wait in words in the message',
    },
  },
});

const remove = describeRoute({
  method: 'delete',
  path: '/api/v1/appeals/:id/documents/:docId',
  summary: 'Remove a document before submission',
  tags: ['documents'],
  security: ['buyer'],
  roles: ['buyer of this appeal'],
  params: ZDocumentParams,
  responses: { 204: { description: 'Removed (the stored copy is deleted)' } },
});

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const documentsRouteDocs = [upload, remove] as const;

/**
 * Mounted before the rate limits and authentication (src/app.ts): while the intake queue is full, an
 * upload is answered 503 SERVICE.BUSY with Retry-After without a database read. It takes no place (the
 * route's admission step does, once the buyer is known), so a request without a valid token cannot hold
 * one; while the queue is full it may hear the 503 before the 401 it would get otherwise.
 */
export function intakeBusyGate(deps: Deps): Router {
  return Router().post(upload.path, (_req, _res, next) => {
    intakePoolOf(deps).refuseIfFull();
    next();
  });
}

export function documentsRoutes(deps: Deps): Router {
  const intake: IntakeDeps = deps;
  const r = Router();
  r.post(
    upload.path,
    requireBuyerOf('id'),
    // a full intake queue answers before the body is read or the allowance is spent; the place is
    // held while the body arrives and through the checks (intake pool, OCR guard), so an admitted upload
    // is not refused after sending its bytes; the database writes after the checks do not hold it
    (_req, res, next) => {
      const place = intakePoolOf(deps).admit();
      res.locals.intakePlace = place;
      // a client gone while the steps before ran (auth reads the database) closed the response already:
      // 'close' does not fire again, so the place is given back now or it would be held for good
      if (res.closed) place.release();
      else res.once('close', place.release);
      next();
    },
    uploadAllowance(deps),
    singleFileUpload({ maxBytes: deps.config.MAX_UPLOAD_BYTES }),
    async (req, res) => {
      try {
        const { params } = parseRequest(upload, req);
        if (!req.file) {
          throw new AppError('UPLOAD.INVALID', 'The request has no file: send it in the "file" field.');
        }
        const fields = ZUploadFields.parse({ ...req.body });
        const place = res.locals.intakePlace as { release(): void };
        const doc = await uploadDocument(intake, {
          appealId: params.id,
          fields,
          filePath: req.file.path,
          onChecked: place.release,
        });
        res.status(201).set('Cache-Control', 'no-store').json(doc);
      } finally {
        await removeUpload(req);
      }
    },
  );
  r.delete(remove.path, requireBuyerOf('id'), async (req, res) => {
    const { params } = parseRequest(remove, req);
    await removeDocument(intake, params.id, params.docId);
    res.status(204).end();
  });
  return r;
}
