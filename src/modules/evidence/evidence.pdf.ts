// The evidence pack as one PDF (pdfkit): the cover, then one A4 page per document page, each image
// downsampled with sharp so that it is drawn at no more than the profile's DPI, with "for dispute
// evidence" burnt into the picture and printed on every page. The attempts of fitSteps() are tried in
// order until the whole file fits the profile's size; a pack that cannot fit is refused (422).
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { AppError } from '../../platform/errors.ts';
import { labelSize, watermarkTileSvg } from '../documents/documents.view.ts';
import { type CoverMeta, drawCover, FONT_BOLD, FONT_REGULAR, WATERMARK_TEXT } from './evidence.cover.ts';
import type { PackFacts } from './evidence.data.ts';
import type { PageImage } from './evidence.pages.ts';
import { type FitStep, fitSteps, type PackProfile } from './evidence.profiles.ts';

/** A4 portrait in points (1/72 in). */
export const PAGE = { width: 595.28, height: 841.89 } as const;
const MARGIN = 36;
/** where a document picture may go on its page: below the caption, above the footer */
export const IMAGE_BOX = { x: MARGIN, y: 64, width: PAGE.width - 2 * MARGIN, height: PAGE.height - 64 - 52 };

export interface BuiltPack {
  pdf: Buffer;
  pages: number;
  /** the attempt that fitted */
  step: FitStep;
  /** the highest resolution an image is drawn at (<= step.dpi) */
  maxImageDpi: number;
}

/** Size in points of an image of w x h px fitted into IMAGE_BOX. */
export function fittedSize(w: number, h: number): { width: number; height: number } {
  const s = Math.min(IMAGE_BOX.width / w, IMAGE_BOX.height / h);
  return { width: w * s, height: h * s };
}

/** Pixels of an image drawn `pt` points wide at no more than `dpi` (never enlarged). */
export function pixelsFor(sourcePx: number, pt: number, dpi: number): number {
  return Math.max(1, Math.min(sourcePx, Math.floor((pt / 72) * dpi)));
}

interface Prepared {
  width: number;
  height: number;
  /** drawn size in points */
  drawW: number;
  drawH: number;
  raw: Buffer;
}

/** Downsamples one page image for `dpi` and burns the watermark into it (raw RGB, encoded per quality). */
async function prepare(img: PageImage, dpi: number, label: string): Promise<Prepared> {
  const meta = await sharp(img.image, { failOn: 'error' }).metadata();
  const w0 = meta.autoOrient?.width ?? meta.width ?? 1;
  const h0 = meta.autoOrient?.height ?? meta.height ?? 1;
  const drawn = fittedSize(w0, h0);
  const width = pixelsFor(w0, drawn.width, dpi);
  const height = Math.max(1, Math.round((width * h0) / w0));
  const base = await sharp(img.image, { failOn: 'error' })
    .rotate()
    .resize({ width, height, fit: 'fill' })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const tile = await sharp(Buffer.from(watermarkTileSvg(label, labelSize(width, height, label))))
    .resize({ width, height, fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer();
  const marked = await sharp(base.data, { raw: base.info })
    .composite([{ input: tile, tile: true, top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width, height, drawW: drawn.width, drawH: drawn.height, raw: marked.data };
}

async function encode(p: Prepared, quality: number): Promise<Buffer> {
  return sharp(p.raw, { raw: { width: p.width, height: p.height, channels: 3 } })
    .jpeg({ quality, mozjpeg: false, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

function render(
  facts: PackFacts,
  pages: readonly PageImage[],
  images: { jpeg: Buffer; p: Prepared }[],
  meta: CoverMeta,
): Promise<{ pdf: Buffer; pages: number }> {
  const doc = new PDFDocument({
    size: [PAGE.width, PAGE.height],
    margin: MARGIN,
    bufferPages: true,
    compress: true,
    info: {
      Title: `Dispute evidence pack ${facts.order.orderId}`,
      Subject: WATERMARK_TEXT,
      Creator: 'Appeal desk',
      CreationDate: meta.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', FONT_REGULAR);
  doc.registerFont('bold', FONT_BOLD);
  drawCover(doc, facts, meta);
  pages.forEach((pg, i) => {
    const { jpeg, p } = images[i]!;
    doc.addPage();
    doc
      .font('bold')
      .fontSize(10)
      .fillColor('#111111')
      .text(
        `Document page ${i + 1} of ${pages.length}: ${pg.slot}${pg.pages > 1 ? `, page ${pg.page} of ${pg.pages}` : ''}`,
        MARGIN,
        MARGIN,
        { lineBreak: false },
      );
    const x = IMAGE_BOX.x + (IMAGE_BOX.width - p.drawW) / 2;
    doc.image(jpeg, x, IMAGE_BOX.y, { width: p.drawW, height: p.drawH });
  });
  // every page, the cover included: the words, the order and the page number in the footer
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i += 1) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('body')
      .fontSize(8)
      .fillColor('#555555')
      .text(
        `${WATERMARK_TEXT} · order ${facts.order.orderId} · case ${facts.caseId} · page ${i + 1} of ${range.count}`,
        MARGIN,
        PAGE.height - 30,
        { lineBreak: false },
      );
    doc
      .save()
      .rotate(-35, { origin: [PAGE.width / 2, PAGE.height / 2] })
      .font('bold')
      .fontSize(44)
      .fillColor('#9ca3af')
      .fillOpacity(0.18)
      .text(WATERMARK_TEXT.toUpperCase(), PAGE.width / 2 - 260, PAGE.height / 2 - 22, {
        width: 520,
        align: 'center',
        lineBreak: false,
      })
      .restore();
    doc.page.margins.bottom = bottom;
  }
  const count = range.count;
  doc.end();
  return done.then((pdf) => ({ pdf, pages: count }));
}

/**
 * Builds the pack that fits `profile`: at the highest resolution of fitSteps(profile.maxDpi) where the lowest
 * quality fits maxBytes, the highest quality that fits (a resolution whose lowest quality does not fit is
 * skipped without trying the others). EVIDENCE_PACK.TOO_LARGE when the pages exceed maxPages or nothing fits.
 */
export async function buildPack(
  facts: PackFacts,
  pages: readonly PageImage[],
  profile: PackProfile,
  meta: Omit<CoverMeta, 'profile' | 'contents'>,
): Promise<BuiltPack> {
  const cover: CoverMeta = {
    ...meta,
    profile,
    contents: pages.map((p) => ({ slot: p.slot, page: p.page, pages: p.pages })),
  };
  const label = `${WATERMARK_TEXT} · ${facts.order.orderId}`;
  let smallest = Number.POSITIVE_INFINITY;
  const attempt = async (ps: Prepared[], step: FitStep): Promise<BuiltPack | null> => {
    const images: { jpeg: Buffer; p: Prepared }[] = [];
    for (const p of ps) images.push({ jpeg: await encode(p, step.quality), p });
    const built = await render(facts, pages, images, cover);
    if (profile.maxPages !== null && built.pages > profile.maxPages)
      throw new AppError(
        'EVIDENCE_PACK.TOO_LARGE',
        `The pack needs ${built.pages} pages; the ${profile.label} profile allows ${profile.maxPages}.`,
        { profile: profile.name, reason: 'pages', pages: built.pages, maxPages: profile.maxPages },
      );
    smallest = Math.min(smallest, built.pdf.length);
    if (built.pdf.length > profile.maxBytes) return null;
    const maxImageDpi = Math.max(0, ...ps.map((p) => (p.width * 72) / p.drawW));
    return { pdf: built.pdf, pages: built.pages, step, maxImageDpi };
  };
  // per resolution, the lowest quality first: when even that does not fit, the higher ones are skipped
  const byDpi = new Map<number, FitStep[]>();
  for (const st of fitSteps(profile.maxDpi)) byDpi.set(st.dpi, [...(byDpi.get(st.dpi) ?? []), st]);
  for (const [dpi, steps] of byDpi) {
    const ps: Prepared[] = [];
    for (const pg of pages) ps.push(await prepare(pg, dpi, label));
    const lowest = steps.at(-1)!;
    const floor = await attempt(ps, lowest);
    if (!floor) continue;
    for (const st of steps.slice(0, -1)) {
      const better = await attempt(ps, st);
      if (better) return better;
    }
    return floor;
  }
  throw new AppError(
    'EVIDENCE_PACK.TOO_LARGE',
    `The documents do not fit the ${profile.label} limit of ${profile.maxBytes} bytes even at ${fitSteps(profile.maxDpi).at(-1)!.dpi} DPI.`,
    { profile: profile.name, reason: 'size', smallestBytes: smallest, maxBytes: profile.maxBytes },
  );
}
