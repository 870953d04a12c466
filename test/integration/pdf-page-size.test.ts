// Issue 15 point 7: a PDF page box (or /UserUnit) large enough to ask the preview for a gigapixel canvas
// is refused at intake, and the staff preview draws any page within a pixel budget, in a worker that a
// timeout terminates.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readPdf } from '../../src/modules/documents/checks.pdf.ts';
import { checkPdf, MAX_PDF_PAGE_SIDE_PT } from '../../src/modules/documents/checks.rules.ts';
import { DEFAULT_THRESHOLDS } from '../../src/modules/documents/checks.thresholds.ts';
import { PDF_MAX_PIXELS, renderPdfPage, renderPdfPages } from '../../src/modules/documents/documents.view.ts';
import { statementPdf } from '../support/images.ts';

async function measure(pdf: Buffer) {
  const r = await readPdf(pdf, { maxPages: 20 });
  if (!r.ok) throw new Error(`unreadable: ${r.reason}`);
  return r.measurements;
}

describe('oversized PDF pages', () => {
  it('measures the page box times /UserUnit and refuses pages beyond A0 at intake', async () => {
    const a4 = await measure(statementPdf(2));
    expect(a4.maxPageSidePt).toBe(842);
    expect(checkPdf(a4, DEFAULT_THRESHOLDS).passed).toBe(true);

    const huge = await measure(statementPdf(1, { mediaBox: [0, 0, 14400, 14400] }));
    expect(huge.maxPageSidePt).toBe(14400);
    const verdict = checkPdf(huge, DEFAULT_THRESHOLDS);
    expect(verdict.passed).toBe(false);
    expect(verdict.message).toContain('508 cm');
    expect(verdict.threshold).toMatchObject({ maxPageSidePt: MAX_PDF_PAGE_SIDE_PT });

    // a normal-looking box with UserUnit 20 is 20 times larger
    const scaled = await measure(statementPdf(1, { userUnit: 20 }));
    expect(scaled.maxPageSidePt).toBe(842 * 20);
    expect(checkPdf(scaled, DEFAULT_THRESHOLDS).passed).toBe(false);
    // the largest accepted page still passes
    const a0 = await measure(statementPdf(1, { mediaBox: [0, 0, 2384, MAX_PDF_PAGE_SIDE_PT] }));
    expect(checkPdf(a0, DEFAULT_THRESHOLDS).passed).toBe(true);
  });

  it('the preview of any page stays within the pixel budget (stored before the rule, or UserUnit)', async () => {
    for (const pdf of [
      statementPdf(1, { mediaBox: [0, 0, 14400, 14400] }),
      statementPdf(1, { userUnit: 20 }),
      statementPdf(1, { mediaBox: [0, 0, 14400, 30] }),
    ]) {
      const png = await renderPdfPage(pdf, 1);
      const m = await sharp(png).metadata();
      expect(m.width! * m.height!).toBeLessThanOrEqual(PDF_MAX_PIXELS + m.width! + m.height!);
      expect(Math.max(m.width!, m.height!)).toBeLessThanOrEqual(1600);
    }
  });

  it('a render that runs past its time limit ends its worker and answers PREVIEW_UNAVAILABLE', async () => {
    await expect(renderPdfPage(statementPdf(2), 1, { timeoutMs: 1 })).rejects.toMatchObject({
      code: 'DOCUMENT.PREVIEW_UNAVAILABLE',
    });
    // the next render is unaffected
    const png = await renderPdfPage(statementPdf(2), 2);
    expect((await sharp(png).metadata()).format).toBe('png');
  });

  it('several pages drawn in one worker (the card-number guard) are the pages renderPdfPage draws', async () => {
    const pdf = statementPdf(3);
    const many: Buffer[] = [];
    for await (const png of renderPdfPages(pdf, [1, 2, 3])) many.push(png);
    expect(many).toHaveLength(3);
    for (const [i, png] of many.entries()) expect(png.equals(await renderPdfPage(pdf, i + 1))).toBe(true);
    // a page the PDF does not have ends the iteration with NOT_FOUND, after the pages before it
    const got: Buffer[] = [];
    await expect(
      (async () => {
        for await (const png of renderPdfPages(pdf, [3, 4])) got.push(png);
      })(),
    ).rejects.toMatchObject({ code: 'DOCUMENT.NOT_FOUND' });
    expect(got).toHaveLength(1);
    await expect(
      (async () => {
        for await (const _ of renderPdfPages(pdf, [1], { timeoutMs: 1 })) {
        }
      })(),
    ).rejects.toMatchObject({ code: 'DOCUMENT.PREVIEW_UNAVAILABLE' });
  });
});
