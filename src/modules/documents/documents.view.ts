// What a reviewer's browser receives for a stored document: never the stored bytes, always a fresh JPEG
// with the viewer's identity and the time burnt in (SPEC/issue 8 "Viewing documents"). A screenshot or a
// photo of the screen still names who looked and when.
//
// Images: decrypted, tiled diagonal text over the picture (semi-transparent, so the document stays
// readable), and a solid strip added BELOW the picture with the same text (added, not laid over, so it
// hides nothing of the document). PDF statements: the requested page is drawn with pdfjs on the
// @napi-rs/canvas that pdfjs-dist brings along, then watermarked like a photo; the PDF itself is never
// served (a browser's PDF viewer offers "download" and shows no watermark).
import { HARDENED_PDF_OPTIONS, loadPdfJs } from './checks.pdf.ts';
import sharp from 'sharp';
import { AppError } from '../../platform/errors.ts';
import { type DocumentStorage, readDecrypted } from './documents.storage.ts';

/** Long side of what is served: enough for 4x zoom on a case page, small enough to send quickly. */
export const VIEW_MAX_SIDE = 2400;
/** Long side a PDF page is drawn at. */
export const PDF_PAGE_SIDE = 1600;
/** Colour of the footer strip (tests look for it). */
export const FOOTER_RGB = { r: 17, g: 24, b: 39 } as const;
const PDF_RENDER_TIMEOUT_MS = 15_000;

export interface WatermarkViewer {
  email: string;
  name: string;
}

/** The line burnt into every view: who and when (UTC, ISO 8601). */
export function watermarkLabel(viewer: WatermarkViewer, at: Date): string {
  const name = viewer.name.replace(/\s+/g, ' ').trim().slice(0, 80);
  return `${name} <${viewer.email.slice(0, 120)}> · ${at.toISOString()}`;
}

function xml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

/** Height of the footer strip for an image `width` x `height`. */
export function footerHeight(width: number, height: number): number {
  return Math.max(28, Math.round(Math.min(width, height) * 0.045));
}

/**
 * The overlay for a picture of `width` x `imageHeight` with a `footer`-high strip below it: the label
 * tiled diagonally over the picture (white text with a dark outline, so it shows on light and dark
 * areas), and the label again, opaque, in the strip.
 */
export function watermarkSvg(width: number, imageHeight: number, footer: number, label: string): string {
  const text = xml(label);
  const size = Math.max(14, Math.round(Math.min(width, imageHeight) / 28));
  // one tile holds the label once; the tile is a little wider than the text so lines do not touch
  const tileW = Math.round(size * 0.62 * label.length + size * 2);
  const tileH = Math.round(size * 3.2);
  const footSize = Math.max(11, Math.round(footer * 0.45));
  const height = imageHeight + footer;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<defs>
<pattern id="wm" patternUnits="userSpaceOnUse" width="${tileW}" height="${tileH}" patternTransform="rotate(-30)">
<text x="0" y="${Math.round(tileH / 2)}" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="${size}" fill="#ffffff" fill-opacity="0.42" stroke="#000000" stroke-opacity="0.30" stroke-width="${Math.max(1, Math.round(size / 16))}">${text}</text>
</pattern>
<clipPath id="pic"><rect x="0" y="0" width="${width}" height="${imageHeight}"/></clipPath>
</defs>
<rect x="0" y="0" width="${width}" height="${imageHeight}" fill="url(#wm)" clip-path="url(#pic)"/>
<rect x="0" y="${imageHeight}" width="${width}" height="${footer}" fill="rgb(${FOOTER_RGB.r},${FOOTER_RGB.g},${FOOTER_RGB.b})"/>
<text x="${Math.round(footer * 0.4)}" y="${imageHeight + Math.round(footer * 0.66)}" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="${footSize}" fill="#ffffff">${text}</text>
</svg>`;
}

export interface WatermarkedImage {
  jpeg: Buffer;
  /** of the served JPEG, footer included */
  width: number;
  height: number;
  /** height of the picture part (the footer strip starts here) */
  imageHeight: number;
}

/** Any image sharp decodes -> a JPEG no larger than VIEW_MAX_SIDE, watermarked with `label`. */
export async function renderWatermarked(input: Buffer, label: string): Promise<WatermarkedImage> {
  // step 1 fixes the picture's size, which the overlay must match exactly
  const base = await sharp(input, { failOn: 'error' })
    .resize({ width: VIEW_MAX_SIDE, height: VIEW_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height: imageHeight } = base.info;
  const footer = footerHeight(width, imageHeight);
  const framed = await sharp(base.data, { raw: base.info })
    .extend({ bottom: footer, background: FOOTER_RGB })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const jpeg = await sharp(framed.data, { raw: framed.info })
    .composite([{ input: Buffer.from(watermarkSvg(width, imageHeight, footer, label)), top: 0, left: 0 }])
    .jpeg({ quality: 85, mozjpeg: true })
    .toBuffer();
  return { jpeg, width, height: imageHeight + footer, imageHeight };
}

interface NodeCanvas {
  toBuffer(mime: 'image/png'): Buffer;
}
interface CanvasFactory {
  create(w: number, h: number): { canvas: NodeCanvas; context: unknown };
}

/**
 * Draws page `page` (1-based) of a PDF as a PNG whose long side is PDF_PAGE_SIDE. Same hardening as the
 * intake's parser (no eval, no XFA, no fetching); the PDF passed that parser before it was stored.
 * DOCUMENT.NOT_FOUND for a page the PDF does not have, DOCUMENT.PREVIEW_UNAVAILABLE when drawing fails.
 */
export async function renderPdfPage(pdf: Buffer, page: number): Promise<Buffer> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({ data: new Uint8Array(pdf), ...HARDENED_PDF_OPTIONS });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('PDF rendering timed out')), PDF_RENDER_TIMEOUT_MS);
  });
  try {
    return await Promise.race([draw(), timeout]);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError(
      'DOCUMENT.PREVIEW_UNAVAILABLE',
      'This PDF page cannot be shown; ask a lead to check the document.',
      { reason: e instanceof Error ? e.message.slice(0, 120) : 'unknown' },
    );
  } finally {
    clearTimeout(timer);
    await task.destroy().catch(() => undefined);
  }

  async function draw(): Promise<Buffer> {
    const doc = await task.promise;
    if (!Number.isInteger(page) || page < 1 || page > doc.numPages)
      throw new AppError('DOCUMENT.NOT_FOUND', `The statement has ${doc.numPages} page(s).`, {
        pageCount: doc.numPages,
      });
    const p = await doc.getPage(page);
    const unit = p.getViewport({ scale: 1 });
    const scale = Math.min(4, Math.max(0.5, PDF_PAGE_SIDE / Math.max(unit.width, unit.height)));
    const viewport = p.getViewport({ scale });
    const factory = (doc as unknown as { canvasFactory?: CanvasFactory }).canvasFactory;
    if (!factory) throw new Error('no canvas in this process');
    const { canvas, context } = factory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
    await p.render({ canvasContext: context, viewport, canvas } as never).promise;
    return canvas.toBuffer('image/png');
  }
}

export interface StoredDocumentRef {
  mimeType: string;
  blobKey: string | null;
  wrappedKey: Uint8Array | null;
  keyId: string | null;
  purgedAt: Date | null;
}

/**
 * The watermarked view of one stored document (page 1-based; only PDFs have more than one).
 * DOCUMENT.PURGED when the blob is gone (retention, or replaced before anyone reviewed it).
 */
export async function watermarkedView(
  storage: DocumentStorage,
  doc: StoredDocumentRef,
  opts: { page: number; label: string },
): Promise<WatermarkedImage> {
  if (!doc.blobKey || !doc.wrappedKey || !doc.keyId)
    throw new AppError('DOCUMENT.PURGED', 'This document was deleted under the retention policy.', {
      purgedAt: doc.purgedAt?.toISOString() ?? null,
    });
  const plain = await readDecrypted(storage, {
    blobKey: doc.blobKey,
    wrappedKey: doc.wrappedKey,
    keyId: doc.keyId,
  });
  if (doc.mimeType === 'application/pdf')
    return renderWatermarked(await renderPdfPage(plain, opts.page), opts.label);
  if (opts.page !== 1) throw new AppError('DOCUMENT.NOT_FOUND', 'An image has one page.', { pageCount: 1 });
  return renderWatermarked(plain, opts.label);
}
