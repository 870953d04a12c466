// Worker thread that draws one PDF page for the staff preview (documents.view.ts starts it with V8 memory
// limits and terminates it on a timeout). Plain ES module so it runs in any Node process (tsx or not).
// Input (workerData): { pdf: Uint8Array, page: 1-based (or pages: [1-based, ...]), maxPixels, maxSide,
// options: pdfjs options }.
// Output (one message per page, in order; none after a failure): { ok: true, png: Uint8Array, width,
// height } or { ok: false, code, reason, pageCount }.
import { parentPort, workerData } from 'node:worker_threads';

const { pdf, page, pages, maxPixels, maxSide, options } = workerData;

async function drawPage(doc, number) {
  if (!Number.isInteger(number) || number < 1 || number > doc.numPages)
    return { ok: false, code: 'DOCUMENT.NOT_FOUND', pageCount: doc.numPages };
  const p = await doc.getPage(number);
  try {
    // getViewport already applies the page's /UserUnit; the scale keeps the canvas within both bounds
    const unit = p.getViewport({ scale: 1 });
    const scale = Math.min(
      4,
      maxSide / Math.max(unit.width, unit.height),
      Math.sqrt(maxPixels / Math.max(1, unit.width * unit.height)),
    );
    const viewport = p.getViewport({ scale });
    const width = Math.max(1, Math.ceil(viewport.width));
    const height = Math.max(1, Math.ceil(viewport.height));
    if ((width - 1) * (height - 1) > maxPixels)
      return { ok: false, code: 'DOCUMENT.PREVIEW_UNAVAILABLE', reason: 'size' };
    const { canvas, context } = doc.canvasFactory.create(width, height);
    await p.render({ canvasContext: context, viewport, canvas }).promise;
    const png = canvas.toBuffer('image/png');
    return {
      ok: true,
      png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength),
      width,
      height,
      pageCount: doc.numPages,
    };
  } finally {
    p.cleanup();
  }
}

const failed = (e) => ({
  ok: false,
  code: 'DOCUMENT.PREVIEW_UNAVAILABLE',
  reason: e instanceof Error ? e.message.slice(0, 120) : 'unknown',
});

async function main() {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = pdfjs.getDocument({ data: pdf, ...options });
  try {
    const doc = await task.promise;
    // `pages`: several pages of one PDF, one message each in order (the card-number guard reads up to
    // four; one worker start instead of four); `page`: one page, one message (the staff preview)
    if (Array.isArray(pages)) {
      for (const number of pages) {
        const out = await drawPage(doc, number).catch(failed);
        parentPort.postMessage(out);
        if (!out.ok) return;
      }
      return;
    }
    const out = await drawPage(doc, page);
    parentPort.postMessage(out);
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

main().catch((e) => parentPort.postMessage(failed(e)));
