// GET /api/v1/cases/:id/documents/:docId/image: a stored document as a reviewer sees it, watermarked
// with the viewer and the time (documents.view.ts), never cached, never offered as a download, and every
// view in the audit trail before the first byte leaves.
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { sharedViewCache, viewCacheKey } from '../documents/documents.view-cache.ts';
import { VIEW_MAX_SIDE, watermarkedView, watermarkLabel } from '../documents/documents.view.ts';
import { caseIdOr404, reviewerScope, type Viewer } from './review.cases.ts';
import { isUuid } from '../../platform/ids.ts';

export interface ImageViewer extends Viewer {
  email: string;
  name: string;
}

export interface ViewContext {
  ip: string | null;
  userAgent: string | null;
}

/**
 * Renders the watermarked view, then writes DOCUMENT_VIEWED. The record is written before the caller
 * sends anything: a view the trail cannot record is not served (DEPENDENCY.UNAVAILABLE). A view that
 * fails to render is not recorded: nothing was seen.
 */
export async function viewCaseDocument(
  deps: Pick<Deps, 'prisma' | 'config' | 'clock' | 'logger' | 'storage'>,
  viewer: ImageViewer,
  input: { caseId: string; docId: string; page: number; width?: number },
  ctx: ViewContext,
) {
  const caseId = caseIdOr404(input.caseId);
  if (!isUuid(input.docId)) throw new AppError('DOCUMENT.NOT_FOUND', 'No such document.');
  // the case's own rule: a case outside it answers 404 like the case itself, so the image URL tells
  // nothing the case URL hides
  const scope = reviewerScope(viewer);
  const appeal = await deps.prisma.appeal.findFirst({
    where: { AND: [{ id: caseId }, ...(scope ? [scope] : [])] },
    select: { id: true },
  });
  if (!appeal) throw new AppError('CASE.NOT_FOUND', 'No such case.');
  const doc = await deps.prisma.document.findFirst({
    where: { id: input.docId, appealId: caseId },
    select: {
      id: true,
      slot: true,
      page: true,
      round: true,
      status: true,
      mimeType: true,
      blobKey: true,
      wrappedKey: true,
      keyId: true,
      purgedAt: true,
    },
  });
  if (!doc) throw new AppError('DOCUMENT.NOT_FOUND', 'No such document.');

  const at = deps.clock.now();
  // the page asks for the size it shows (?w=), and for the full resolution when the reviewer zooms in
  const maxSide = Math.min(VIEW_MAX_SIDE, input.width ?? VIEW_MAX_SIDE);
  // a rendition served to this viewer in the last VIEW_CACHE_TTL_MS is served again (documents.view-cache.ts);
  // only while the blob is there (a purged document answers 410 at once) and keyed by the blob itself
  const key = doc.blobKey ? viewCacheKey(viewer.id, `${doc.id}:${doc.blobKey}`, input.page, maxSide) : null;
  const cached = key ? sharedViewCache.get(key, at.getTime()) : null;
  const view =
    cached ??
    (await watermarkedView(deps.storage, doc, {
      page: input.page,
      label: watermarkLabel(viewer, at),
      maxSide,
    }));
  if (key && !cached) sharedViewCache.set(key, view, at.getTime());
  try {
    await appendAudit(deps.prisma, {
      at,
      actor: { type: 'STAFF', id: viewer.id, label: viewer.email },
      action: 'DOCUMENT_VIEWED',
      appealId: caseId,
      target: { type: 'document', id: doc.id },
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      data: {
        slot: doc.slot,
        page: input.page,
        round: doc.round,
        status: doc.status,
        mimeType: doc.mimeType,
        watermarked: true,
        cached: Boolean(cached),
        width: maxSide,
      },
    });
  } catch (err) {
    deps.logger.error(
      { err: (err as Error).message, docId: doc.id },
      'document view not audited; not served',
    );
    throw new AppError('DEPENDENCY.UNAVAILABLE', 'The view could not be recorded; try again shortly.');
  }
  return view;
}
