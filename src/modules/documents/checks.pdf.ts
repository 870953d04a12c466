// Reads what the PDF rule needs (pages, password, active content) with pdfjs-dist, without rendering.
// pdfjs runs in-process ("fake worker": the legacy Node build parses on the main thread), with eval, font
// loading, XFA and fetching switched off: we only parse structure, we never execute or draw anything.
import { containsFullCardNumber, containsSuspiciousDigitRun } from '../../platform/card-number.ts';
import type { PdfMeasurements } from './checks.rules.ts';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

let pdfjsPromise: Promise<PdfJs> | undefined;

// Imported lazily: ~100 ms to load, and most uploads are photos.
export function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsPromise;
}

/**
 * pdfjs options shared by every place that opens an uploaded PDF: no eval, no font loading, no XFA, no
 * fetching or streaming, no wasm or image decoders: structure and drawing only.
 */
export const HARDENED_PDF_OPTIONS = {
  isEvalSupported: false,
  disableFontFace: true,
  useSystemFonts: false,
  useWorkerFetch: false,
  useWasm: false,
  enableXfa: false,
  isOffscreenCanvasSupported: false,
  isImageDecoderSupported: false,
  disableAutoFetch: true,
  disableStream: true,
  disableRange: true,
  verbosity: 0,
} as const;

export type PdfReading =
  | { ok: true; measurements: PdfMeasurements }
  | { ok: false; failure: 'corrupt'; reason: string };

/** A parse that takes longer than this is treated as unreadable (pathological xref reconstruction). */
const PARSE_TIMEOUT_MS = 15_000;

function isPasswordError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: string }).name === 'PasswordException';
}

function nonEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * Parses a PDF and measures it. Every page is loaded (not rendered) so that a page tree that lies about its
 * /Count, or a page that cannot be read, counts as corrupt. Never throws for bad input.
 */
export async function readPdf(bytes: Uint8Array, opts: { maxPages: number }): Promise<PdfReading> {
  const pdfjs = await loadPdfJs();
  // pdfjs takes ownership of (and may detach) the array it is given: hand it a copy.
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    ...HARDENED_PDF_OPTIONS,
    stopAtErrors: true,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('PDF parsing timed out')), PARSE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([measure(task), timeout]);
  } catch (e) {
    if (isPasswordError(e)) {
      return {
        ok: true,
        measurements: {
          pageCount: 0,
          passwordRequired: true,
          encrypted: true,
          hasJavaScript: false,
          hasAttachments: false,
        },
      };
    }
    return { ok: false, failure: 'corrupt', reason: e instanceof Error ? e.name : 'unknown' };
  } finally {
    clearTimeout(timer);
    await task.destroy().catch(() => undefined);
  }

  async function measure(t: typeof task): Promise<PdfReading> {
    const doc = await t.promise;
    const pageCount = doc.numPages;
    const meta = await doc.getMetadata();
    const info = meta.info as { EncryptFilterName?: string | null };
    let hasJavaScript = nonEmpty(await doc.getJSActions());
    const hasAttachments = nonEmpty(await doc.getAttachments());
    // More pages than allowed is already a rejection; do not spend time loading hundreds of them.
    const pagesToLoad = Math.min(pageCount, opts.maxPages);
    let maxPageSidePt = 0;
    for (let i = 1; i <= pagesToLoad; i += 1) {
      const page = await doc.getPage(i);
      // the page box times /UserUnit (a 14400 pt box, or UserUnit 20, asks a renderer for gigapixels)
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = page.view;
      const unit = (page as { userUnit?: number }).userUnit ?? 1;
      maxPageSidePt = Math.max(maxPageSidePt, Math.abs(x1 - x0) * unit, Math.abs(y1 - y0) * unit);
      if (!hasJavaScript && nonEmpty(await page.getJSActions())) hasJavaScript = true;
      if (!hasJavaScript) {
        const annotations = (await page.getAnnotations()) as { actions?: unknown }[];
        if (annotations.some((a) => nonEmpty(a.actions))) hasJavaScript = true;
      }
    }
    return {
      ok: true,
      measurements: {
        pageCount,
        passwordRequired: false,
        encrypted: Boolean(info.EncryptFilterName),
        hasJavaScript,
        hasAttachments,
        maxPageSidePt: Math.round(maxPageSidePt),
      },
    };
  }
}

export interface PdfTextScan {
  /** a Luhn-valid number of a card brand's length and prefix is in the text layer */
  fullNumber: boolean;
  /** a card-grouped run of a brand's length and prefix that fails Luhn */
  suspicious: boolean;
}

/** Text-layer characters looked at per page; a statement page holds a few thousand. */
const MAX_TEXT_PER_PAGE = 50_000;

/**
 * The card-number rule on a PDF's text layer (getTextContent), page by page: items are joined as the
 * page lays them out (a space between items, a line break where pdfjs marks the end of a line), so a
 * number split into one item per group is still found. Only the verdicts leave this function.
 * Throws when the PDF cannot be parsed within PARSE_TIMEOUT_MS: the caller fails closed.
 */
export async function scanPdfText(bytes: Uint8Array, opts: { maxPages: number }): Promise<PdfTextScan> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({ data: new Uint8Array(bytes), ...HARDENED_PDF_OPTIONS });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('PDF text scan timed out')), PARSE_TIMEOUT_MS);
  });
  const scan = async (): Promise<PdfTextScan> => {
    const doc = await task.promise;
    const result: PdfTextScan = { fullNumber: false, suspicious: false };
    for (let i = 1; i <= Math.min(doc.numPages, opts.maxPages); i += 1) {
      const page = await doc.getPage(i);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items as { str?: string; hasEOL?: boolean }[]) {
        if (typeof item.str !== 'string') continue;
        text += item.str + (item.hasEOL ? '\n' : ' ');
        if (text.length > MAX_TEXT_PER_PAGE) break;
      }
      result.fullNumber ||= containsFullCardNumber(text);
      result.suspicious ||= containsSuspiciousDigitRun(text);
      if (result.fullNumber) break;
    }
    return result;
  };
  try {
    return await Promise.race([scan(), timeout]);
  } finally {
    clearTimeout(timer);
    await task.destroy().catch(() => undefined);
  }
}
