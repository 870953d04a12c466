// The document pages of an evidence pack as images: each approved document decrypted through the same
// storage and keyring as the staff viewer, PDF statements drawn page by page with the viewer's renderer
// (documents.view.ts renderPdfPage), and every page image read by the card-number guard (documents.guard.ts,
// the OCR pool) before it may go into the pack. Fail closed: no guard, no pack.
import type { Deps } from '../../platform/deps.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import type { Slot } from '../appeals/appeals.rules.ts';
import type { AuditActor } from '../audit/audit.service.ts';
import { scanPdfText } from '../documents/checks.pdf.ts';
import { guardImage } from '../documents/documents.guard.ts';
import { readDecrypted } from '../../platform/document-storage.ts';
import { renderPdfPage } from '../documents/documents.view.ts';
import { ocrPoolOf, secondOcrPoolOf } from '../documents/documents.ocr-pool.ts';
import { recordIncident } from '../security/incidents.service.ts';
import type { PackDocument } from './evidence.data.ts';

/** A statement page is drawn at this long side (the viewer's PDF_PAGE_SIDE): ~190 DPI on A4. */
const PDF_RENDER_SIDE = 1600;
/** Pages of one statement that go into a pack (the intake allows 20). */
const MAX_STATEMENT_PAGES = 20;

export interface PageImage {
  documentId: string;
  slot: string;
  /** 1-based page of the document (images have one) */
  page: number;
  pages: number;
  /** the decrypted image, or the drawn PDF page (PNG) */
  image: Buffer;
}

/** The OCR readers are the process's (deps.pools, documents.ocr-pool.ts); OCR off: every pack refused. */
export type GuardDeps = Pick<Deps, 'prisma' | 'config' | 'clock' | 'logger' | 'storage' | 'pools'>;

function guardDown(reason: string): AppError {
  return new AppError(
    'EVIDENCE_PACK.GUARD_UNAVAILABLE',
    'The documents could not be checked for card numbers just now, so no evidence pack was made. Try again shortly.',
    { reason },
  );
}

/** Decrypts and draws the pages of every document, in order. */
export async function documentPages(
  deps: Pick<Deps, 'config' | 'storage'>,
  docs: readonly PackDocument[],
): Promise<PageImage[]> {
  const storage = deps.storage;
  const out: PageImage[] = [];
  for (const d of docs) {
    const plain = await readDecrypted(storage, {
      blobKey: d.blobKey!,
      wrappedKey: d.wrappedKey!,
      keyId: d.keyId!,
    });
    if (d.mimeType !== 'application/pdf') {
      out.push({ documentId: d.id, slot: d.slot, page: 1, pages: 1, image: plain });
      continue;
    }
    const pages = Math.min(d.pageCount ?? 1, MAX_STATEMENT_PAGES);
    // the text layer too: a number typed into a statement need not be legible in the drawing
    let text: Awaited<ReturnType<typeof scanPdfText>>;
    try {
      text = await scanPdfText(plain, { maxPages: pages });
    } catch {
      throw guardDown('pdf_text_scan_failed');
    }
    if (text.fullNumber) throw new CardDataFound(d.slot, 'pdf-text', 'full');
    for (let p = 1; p <= pages; p += 1) {
      const png = await renderPdfPage(plain, p, { maxSide: PDF_RENDER_SIDE });
      out.push({ documentId: d.id, slot: d.slot, page: p, pages, image: png });
    }
  }
  return out;
}

/** Thrown inside this module only; guardPages turns it into the incident and the 422. */
class CardDataFound extends Error {
  constructor(
    readonly slot: string,
    readonly detector: string,
    readonly what: 'full' | 'cvv',
  ) {
    super('card data found');
  }
}

/**
 * Runs the guard over every page image: a full card number (or a readable security code) anywhere refuses
 * the pack with EVIDENCE_PACK.CARD_NUMBER_VISIBLE and records a security incident (no digits); a guard that
 * cannot answer refuses it with EVIDENCE_PACK.GUARD_UNAVAILABLE.
 */
export async function guardedPages(
  deps: GuardDeps,
  caseId: string,
  docs: readonly PackDocument[],
  actor: AuditActor,
): Promise<PageImage[]> {
  const pool = ocrPoolOf(deps);
  if (!pool) throw guardDown('ocr_disabled');
  try {
    const pages = await documentPages(deps, docs);
    for (const p of pages) {
      let outcome: Awaited<ReturnType<typeof guardImage>>;
      try {
        outcome = await guardImage(deps, pool, p.slot as Slot, p.image, secondOcrPoolOf(deps));
      } catch (e) {
        if (isAppError(e) && e.code === 'SERVICE.BUSY')
          throw guardDown(String((e.details as { reason?: string })?.reason ?? 'busy'));
        throw e;
      }
      if (outcome.unavailable || !outcome.reading) throw guardDown('ocr_unavailable');
      if (outcome.reading.fullNumberDetected) throw new CardDataFound(p.slot, 'ocr', 'full');
      if (outcome.reading.cvvVisible === true) throw new CardDataFound(p.slot, 'ocr', 'cvv');
    }
    return pages;
  } catch (e) {
    if (!(e instanceof CardDataFound)) throw e;
    await recordIncident(
      deps.prisma,
      {
        appealId: caseId,
        slot: e.slot as Slot,
        kind: e.what === 'full' ? 'FULL_CARD_NUMBER' : 'CVV_VISIBLE',
        detector: `evidence-pack-${e.detector}`,
        detail: { stage: 'evidence_pack' },
      },
      { now: deps.clock.now(), publicBaseUrl: deps.config.PUBLIC_BASE_URL, actor },
    );
    throw new AppError(
      'EVIDENCE_PACK.CARD_NUMBER_VISIBLE',
      e.what === 'full'
        ? 'A full card number can be read in an approved document, so no evidence pack was made. A security incident was recorded.'
        : 'A card security code can be read in an approved document, so no evidence pack was made. A security incident was recorded.',
      { slot: e.slot, what: e.what },
    );
  }
}
