// What a reviewer's browser receives for a stored document: never the stored bytes, always a fresh JPEG
// with the viewer's identity and the time burnt in (SPEC/issue 8 "Viewing documents"). A screenshot or a
// photo of the screen still names who looked and when.
//
// Images: decrypted, tiled diagonal text over the picture (semi-transparent, so the document stays
// readable), and a solid strip added BELOW the picture with the same text (added, not laid over, so it
// hides nothing of the document). PDF statements: the requested page is drawn with pdfjs on the
// @napi-rs/canvas that pdfjs-dist brings along, then watermarked like a photo; the PDF itself is never
// served (a browser's PDF viewer offers "download" and shows no watermark).
import { HARDENED_PDF_OPTIONS } from './checks.pdf.ts';
import sharp from 'sharp';
import { AppError } from '../../platform/errors.ts';
import { type DocumentStorage, readDecrypted } from '../../platform/document-storage.ts';
import { escapeHtml } from '../../platform/html.ts';

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

/** Height of the footer strip for an image `width` x `height`. */
export function footerHeight(width: number, height: number): number {
  return Math.max(28, Math.round(Math.min(width, height) * 0.045));
}

/**
 * Font size of the tiled label over a picture of `width` x `imageHeight`: about 1/28 of the short side,
 * and small enough that one rotated tile (watermarkTileSvg) fits inside the picture.
 */
export function labelSize(width: number, imageHeight: number, label: string): number {
  const perW = (0.62 * label.length + 2) * Math.cos(Math.PI / 6) + 3.2 * Math.sin(Math.PI / 6);
  const perH = (0.62 * label.length + 2) * Math.sin(Math.PI / 6) + 3.2 * Math.cos(Math.PI / 6);
  const fit = Math.floor(Math.min(width / perW, imageHeight / perH));
  return Math.max(6, Math.min(Math.max(14, Math.round(Math.min(width, imageHeight) / 36)), fit));
}

/**
 * One tile of the overlay: the label once, rotated by -30 degrees (white text with a dark outline, so it
 * shows on light and dark areas), in a box a little larger than the rotated text. libvips repeats the tile
 * over the picture (composite tile: true): rasterising one small SVG instead of a picture-sized pattern is
 * what keeps a 2400 px view fast (about 1 s less per image).
 */
/** Parallel lines of the label per tile. */
const TILE_LINES = 5;

export function watermarkTileSvg(label: string, size: number): string {
  const textW = size * 0.62 * label.length + size * 2;
  const textH = size * 3.2;
  const rad = Math.PI / 6;
  const w = Math.round(textW * Math.cos(rad) + textH * Math.sin(rad));
  const h = Math.round(textW * Math.sin(rad) + textH * Math.cos(rad));
  // LINES parallel copies of the label along the tile's diagonal, each also drawn shifted by one tile in
  // every direction (clipped by the tile): the repeated tiles then show seamless, evenly spaced lines
  const at = (x: number, y: number) =>
    `<text x="${Math.round(x)}" y="${Math.round(y)}" transform="rotate(-30 ${Math.round(x)} ${Math.round(y)})">${escapeHtml(label)}</text>`;
  let texts = '';
  for (let k = 0; k < TILE_LINES; k++)
    for (const dx of [-w, 0, w])
      for (const dy of [-h, 0, h]) {
        const x = (k * w) / TILE_LINES + dx + w / 2;
        const y = (k * h) / TILE_LINES + dy + h / 2;
        // a copy whose rotated box (w x h around its centre) misses the tile draws nothing: skip it
        if (Math.abs(x - w / 2) < w && Math.abs(y - h / 2) < h) texts += at(x, y);
      }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
<g text-anchor="middle" dominant-baseline="middle" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="${size}" fill="#ffffff" fill-opacity="0.42" stroke="#000000" stroke-opacity="0.30" stroke-width="${Math.max(1, Math.round(size / 16))}">
${texts}
</g>
</svg>`;
}

/** The opaque strip added below the picture, with the label once. */
export function footerSvg(width: number, footer: number, label: string): string {
  const footSize = Math.max(11, Math.round(footer * 0.45));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${footer}">
<rect x="0" y="0" width="${width}" height="${footer}" fill="rgb(${FOOTER_RGB.r},${FOOTER_RGB.g},${FOOTER_RGB.b})"/>
<text x="${Math.round(footer * 0.4)}" y="${Math.round(footer * 0.66)}" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="${footSize}" fill="#ffffff">${escapeHtml(label)}</text>
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

/** Any image sharp decodes -> a JPEG no larger than `maxSide` (VIEW_MAX_SIDE), watermarked with `label`. */
export async function renderWatermarked(
  input: Buffer,
  label: string,
  maxSide = VIEW_MAX_SIDE,
): Promise<WatermarkedImage> {
  // step 1 fixes the picture's size, which the overlay must match exactly
  const base = await sharp(input, { failOn: 'error' })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height: imageHeight } = base.info;
  const footer = footerHeight(width, imageHeight);
  const [tile, strip] = await Promise.all([
    sharp(Buffer.from(watermarkTileSvg(label, labelSize(width, imageHeight, label))))
      // a picture too small for even the smallest tile gets the tile shrunk to fit
      .resize({ width, height: imageHeight, fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer(),
    sharp(Buffer.from(footerSvg(width, footer, label)))
      .png()
      .toBuffer(),
  ]);
  const tiled = await sharp(base.data, { raw: base.info })
    .composite([{ input: tile, tile: true, top: 0, left: 0 }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  const jpeg = await sharp(tiled.data, { raw: tiled.info })
    .extend({ bottom: footer, background: FOOTER_RGB })
    .composite([{ input: strip, top: imageHeight, left: 0 }])
    .jpeg({ quality: 82 })
    .toBuffer();
  return { jpeg, width, height: imageHeight + footer, imageHeight };
}

/** Pixel budget of one drawn PDF page (canvas memory is native, outside V8's limits): 4 MP. */
export const PDF_MAX_PIXELS = 4_000_000;
/** V8 heap of the drawing worker; a page that needs more ends the worker, not the API. */
const PDF_WORKER_HEAP_MB = 256;
const PDF_WORKER = new URL('./documents.pdf-render.worker.mjs', import.meta.url);

interface RenderAnswer {
  ok: boolean;
  png?: Uint8Array;
  code?: string;
  pageCount?: number;
  reason?: string;
}

/**
 * Draws page `page` (1-based) of a PDF as a PNG whose long side is at most PDF_PAGE_SIDE and whose area is
 * at most PDF_MAX_PIXELS (whatever the page box or /UserUnit says), in a worker thread with a V8 heap
 * limit that is terminated after PDF_RENDER_TIMEOUT_MS. Same hardening as the intake's parser (no eval,
 * no XFA, no fetching); the PDF passed that parser before it was stored.
 * DOCUMENT.NOT_FOUND for a page the PDF does not have, DOCUMENT.PREVIEW_UNAVAILABLE when drawing fails.
 */
export async function renderPdfPage(
  pdf: Buffer,
  page: number,
  limits: { maxPixels?: number; timeoutMs?: number; maxSide?: number } = {},
): Promise<Buffer> {
  const { Worker } = await import('node:worker_threads');
  const data = new Uint8Array(pdf);
  const worker = new Worker(PDF_WORKER, {
    workerData: {
      pdf: data,
      page,
      maxPixels: limits.maxPixels ?? PDF_MAX_PIXELS,
      maxSide: Math.min(PDF_PAGE_SIDE, limits.maxSide ?? PDF_PAGE_SIDE),
      options: HARDENED_PDF_OPTIONS,
    },
    transferList: [data.buffer],
    resourceLimits: { maxOldGenerationSizeMb: PDF_WORKER_HEAP_MB, maxYoungGenerationSizeMb: 32 },
    stdout: true,
    stderr: true,
  });
  const unavailable = (reason: string) =>
    new AppError(
      'DOCUMENT.PREVIEW_UNAVAILABLE',
      'This PDF page cannot be shown; ask a lead to check the document.',
      { reason: reason.slice(0, 120) },
    );
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await new Promise<RenderAnswer>((resolve, reject) => {
      timer = setTimeout(
        () => reject(unavailable('PDF rendering timed out')),
        limits.timeoutMs ?? PDF_RENDER_TIMEOUT_MS,
      );
      worker.once('message', resolve);
      worker.once('error', (e) => reject(unavailable(e.message)));
      worker.once('exit', (code) => reject(unavailable(`renderer exited (${code})`)));
    });
    if (answer.ok && answer.png) return Buffer.from(answer.png);
    if (answer.code === 'DOCUMENT.NOT_FOUND')
      throw new AppError('DOCUMENT.NOT_FOUND', `The statement has ${answer.pageCount} page(s).`, {
        pageCount: answer.pageCount,
      });
    throw unavailable(answer.reason ?? 'unknown');
  } finally {
    clearTimeout(timer);
    await worker.terminate().catch(() => undefined);
  }
}

/**
 * Draws several pages of one PDF in ONE worker thread (same limits as renderPdfPage, the timeout per
 * page), yielding each PNG as soon as it is drawn: the card-number guard reads up to four pages, and a
 * worker start (pdfjs and the canvas loaded again) cost more than drawing a page. Stopping the
 * iteration terminates the worker.
 */
export async function* renderPdfPages(
  pdf: Buffer,
  pages: readonly number[],
  limits: { maxPixels?: number; timeoutMs?: number; maxSide?: number } = {},
): AsyncGenerator<Buffer> {
  if (pages.length === 0) return;
  const { Worker } = await import('node:worker_threads');
  const data = new Uint8Array(pdf);
  const worker = new Worker(PDF_WORKER, {
    workerData: {
      pdf: data,
      pages: [...pages],
      maxPixels: limits.maxPixels ?? PDF_MAX_PIXELS,
      maxSide: Math.min(PDF_PAGE_SIDE, limits.maxSide ?? PDF_PAGE_SIDE),
      options: HARDENED_PDF_OPTIONS,
    },
    transferList: [data.buffer],
    resourceLimits: { maxOldGenerationSizeMb: PDF_WORKER_HEAP_MB, maxYoungGenerationSizeMb: 32 },
    stdout: true,
    stderr: true,
  });
  const unavailable = (reason: string) =>
    new AppError(
      'DOCUMENT.PREVIEW_UNAVAILABLE',
      'This PDF page cannot be shown; ask a lead to check the document.',
      {
        reason: reason.slice(0, 120),
      },
    );
  // answers arrive in page order; waiters are served in the same order
  const answers: RenderAnswer[] = [];
  let failure: AppError | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (m: RenderAnswer) => {
    answers.push(m);
    notify();
  });
  worker.once('error', (e) => {
    failure ??= unavailable(e.message);
    notify();
  });
  worker.once('exit', (code) => {
    failure ??= unavailable(`renderer exited (${code})`);
    notify();
  });
  try {
    for (let i = 0; i < pages.length; i++) {
      if (answers.length === 0 && !failure) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(() => {
            failure ??= unavailable('PDF rendering timed out');
            resolve();
          }, limits.timeoutMs ?? PDF_RENDER_TIMEOUT_MS);
        });
        clearTimeout(timer);
      }
      const answer = answers.shift();
      if (!answer) throw failure ?? unavailable('no answer');
      if (answer.ok && answer.png) {
        yield Buffer.from(answer.png);
        continue;
      }
      if (answer.code === 'DOCUMENT.NOT_FOUND')
        throw new AppError('DOCUMENT.NOT_FOUND', `The statement has ${answer.pageCount} page(s).`, {
          pageCount: answer.pageCount,
        });
      throw unavailable(answer.reason ?? 'unknown');
    }
  } finally {
    await worker.terminate().catch(() => undefined);
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
  opts: { page: number; label: string; maxSide?: number },
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
    return renderWatermarked(
      await renderPdfPage(plain, opts.page, { maxSide: opts.maxSide }),
      opts.label,
      opts.maxSide,
    );
  if (opts.page !== 1) throw new AppError('DOCUMENT.NOT_FOUND', 'An image has one page.', { pageCount: 1 });
  return renderWatermarked(plain, opts.label, opts.maxSide);
}
