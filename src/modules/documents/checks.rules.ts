// The document checker's rules (SPEC section 3, "Image checks") as pure functions: measurements and
// thresholds in, CheckResult out. No I/O here: checks.sharp.ts and checks.pdf.ts measure, these decide.
// Every message is buyer-facing English that names the measured value and says what to do about it.
import { type AllowedFormat, allowedFormats, type DetectedFormat } from './checks.format.ts';
import type { Thresholds } from './checks.thresholds.ts';

export {
  type AllowedFormat,
  allowedFormats,
  type DetectedFormat,
  detectFormat,
  headerDimensions,
} from './checks.format.ts';
export {
  checkColour,
  checkExposure,
  checkGlare,
  checkImageQuality,
  checkSharpness,
  type ImageMeasurements,
} from './checks.quality.ts';

import type { Slot } from '../../platform/slots.ts';

export type { Slot };

export type RuleName =
  | 'size'
  | 'format'
  | 'integrity'
  | 'pixels'
  | 'resolution'
  | 'sharpness'
  | 'exposure'
  | 'glare'
  | 'colour'
  | 'pdf';

export interface CheckResult {
  rule: string;
  passed: boolean;
  measured: unknown;
  threshold: unknown;
  message: string;
  /** true: never overridable. false: the buyer may "upload anyway" after two failed attempts. */
  hard: boolean;
}

export interface Inspection {
  /** 'rejected': not an allowed, readable file (size, format, header, pixel bomb or decode failed). */
  kind: 'image' | 'pdf' | 'rejected';
  /** decided from the bytes: jpeg, png, webp, avif, heic, pdf, or what else was recognised (gif, svg...) */
  format: string | null;
  /** the rules evaluated, in order; evaluation stops at the first failure that makes measuring impossible */
  checks: CheckResult[];
  /** every check passed (hard and heuristic) */
  passed: boolean;
  /** after EXIF auto-orientation */
  width?: number;
  height?: number;
  pageCount?: number;
  /** 64-bit dHash as 16 lower-case hex characters */
  perceptualHash?: string;
  /** the bytes to store; present only when every HARD rule passed */
  sanitised?: { bytes: Buffer; mimeType: string };
  /** auto-oriented greyscale JPEG about 1600 px wide for the OCR step (every image that decodes) */
  ocrInput?: Buffer;
  /** where the time went, for metrics and the benchmark report */
  timings?: InspectionTimings;
}

export interface InspectionTimings {
  totalMs: number;
  /** header + full decode (the integrity check) */
  decodeMs: number;
  /** downscales + pixel statistics */
  measureMs: number;
  /** sanitised JPEG (and OCR input) encoding */
  encodeMs: number;
}

export const ID_SLOTS: readonly Slot[] = ['ID_FRONT', 'ID_BACK'];
export const CARD_SLOTS: readonly Slot[] = ['CARD_FRONT', 'CARD_BACK'];

/**
 * Hamming distances at or below this between two dHashes mean "the same picture". Re-encoding, resizing,
 * brightening and mild blur of one photo stay at or below it; distinct photos measured far above (see
 * docs/calibration.md). Callers decide what a duplicate means (reject within an appeal, flag across buyers).
 */
export const DUPLICATE_MAX_DISTANCE = 10;

/** true when the upload failed only on rules the buyer may override ("upload anyway"). */
export function overridable(checks: readonly CheckResult[]): boolean {
  const failed = checks.filter((c) => !c.passed);
  return failed.length > 0 && failed.every((c) => !c.hard);
}

/** true when no hard rule failed: the upload can be stored (with a flag if a heuristic failed). */
export function hardRulesPassed(checks: readonly CheckResult[]): boolean {
  return checks.every((c) => c.passed || !c.hard);
}

const HEX64 = /^[0-9a-f]{16}$/i;

/** Number of differing bits between two 64-bit hashes written as 16 hex characters. */
export function hammingDistance(a: string, b: string): number {
  if (!HEX64.test(a) || !HEX64.test(b)) {
    throw new TypeError('hammingDistance expects two 16-character hex strings');
  }
  let bits = 0;
  for (let i = 0; i < 16; i += 1) {
    let x = Number.parseInt(a[i]!, 16) ^ Number.parseInt(b[i]!, 16);
    while (x) {
      bits += x & 1;
      x >>= 1;
    }
  }
  return bits;
}

// ---------------------------------------------------------------------------------------------------
// Message helpers

function mb(bytes: number): string {
  const v = bytes / (1024 * 1024);
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} MB`;
}

function round(v: number, digits = 1): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

const NAMES: Record<AllowedFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  avif: 'AVIF',
  heic: 'HEIC',
  pdf: 'PDF',
};

function listFormats(formats: readonly AllowedFormat[]): string {
  const names = formats.map((f) => NAMES[f]);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

// ---------------------------------------------------------------------------------------------------
// Rules

/** size: 0 bytes and more than t.maxBytes are rejected (hard). */
export function checkSize(bytes: number, t: Thresholds): CheckResult {
  const base = {
    rule: 'size',
    measured: { bytes },
    threshold: { minBytes: 1, maxBytes: t.maxBytes },
    hard: true,
  };
  if (bytes === 0) {
    return {
      ...base,
      passed: false,
      message: 'This file is empty (0 bytes). Please choose the photo again.',
    };
  }
  if (bytes > t.maxBytes) {
    return {
      ...base,
      passed: false,
      message:
        `This file is ${mb(bytes)}; the limit is ${mb(t.maxBytes)}. Please send a smaller photo ` +
        '(a screenshot or your camera app\'s "medium" size is enough).',
    };
  }
  return { ...base, passed: true, message: `File size ${mb(bytes)} is within the ${mb(t.maxBytes)} limit.` };
}

/**
 * format: decided from the bytes. `decoderFormat` is what the decoder itself read from the header after the
 * magic bytes allowed it in; a disagreement means the file is two things at once and is rejected.
 */
export function checkFormat(
  detected: DetectedFormat,
  slot: Slot,
  opts: { heicDecodable: boolean; decoderFormat?: string | null },
): CheckResult {
  const allowed = allowedFormats(slot, opts);
  const base = { rule: 'format', hard: true, threshold: { allowed } };
  const measured: Record<string, unknown> = { detected: detected.format };
  if (opts.decoderFormat !== undefined) measured.decoder = opts.decoderFormat;
  const accepted = allowed.includes(detected.format as AllowedFormat);
  if (!accepted) {
    let message: string;
    if (detected.format === 'pdf') {
      message =
        'PDF files are accepted only for the billing statement. Please upload a photo of this document.';
    } else if (detected.format === 'heic') {
      message =
        'This is an HEIC photo (the iPhone default), which we cannot read yet. Please send it as JPEG: on an ' +
        'iPhone choose Settings > Camera > Formats > Most Compatible, or share the photo as JPEG.';
    } else {
      message = `This file is ${detected.label}; we accept ${listFormats(allowed)} files. Please upload a photo.`;
    }
    return { ...base, measured, passed: false, message };
  }
  if (opts.decoderFormat !== undefined && opts.decoderFormat !== detected.format) {
    return {
      ...base,
      measured,
      passed: false,
      message:
        `This file looks like ${detected.label} but does not read as one. ` +
        'Please take the photo again or export it as JPEG.',
    };
  }
  return {
    ...base,
    measured,
    passed: true,
    message: `File type ${NAMES[detected.format as AllowedFormat]}.`,
  };
}

export type IntegrityFailure = 'truncated' | 'corrupt' | 'unreadable-header';

/** integrity: the header must read and the whole image must decode (hard). */
export function checkIntegrity(
  failure: IntegrityFailure | null,
  what: 'image' | 'pdf' = 'image',
): CheckResult {
  const base = { rule: 'integrity', hard: true, threshold: { wholeFileDecodes: true } };
  const noun = what === 'pdf' ? 'PDF' : 'image';
  if (failure === null) {
    return {
      ...base,
      passed: true,
      measured: { decoded: true },
      message: `The whole ${noun} reads correctly.`,
    };
  }
  const message =
    failure === 'truncated'
      ? `This ${noun} is incomplete: the file stops part-way through (it was probably cut off while copying ` +
        'or uploading). Please take or export it again.'
      : `This ${noun} is damaged and cannot be read. Please take or export it again.`;
  return { ...base, passed: false, measured: { decoded: false, failure }, message };
}

/** pixel bomb: width x height from the header above t.maxPixels is rejected before decoding (hard). */
export function checkPixels(width: number, height: number, t: Thresholds): CheckResult {
  const pixels = width * height;
  const megapixels = round(pixels / 1e6);
  const maxMp = round(t.maxPixels / 1e6);
  const base = {
    rule: 'pixels',
    hard: true,
    measured: { width, height, megapixels },
    threshold: { maxMegapixels: maxMp },
  };
  if (pixels > t.maxPixels) {
    return {
      ...base,
      passed: false,
      message:
        `This image is ${width} x ${height} (${megapixels} megapixels); we accept at most ${maxMp} megapixels. ` +
        'Please send an ordinary camera photo.',
    };
  }
  return {
    ...base,
    passed: true,
    message: `${megapixels} megapixels is within the ${maxMp} megapixel limit.`,
  };
}

/** resolution after auto-orientation: ID/card long >= 1000 and short >= 600; statement long >= 1200 (hard). */
export function checkResolution(width: number, height: number, slot: Slot, t: Thresholds): CheckResult {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const measured = { width, height };
  if (slot === 'BILLING_STATEMENT') {
    const threshold = { minLongSide: t.statementMinLongSide };
    const passed = long >= t.statementMinLongSide;
    return {
      rule: 'resolution',
      hard: true,
      measured,
      threshold,
      passed,
      message: passed
        ? `This image is ${width} x ${height}, enough to read the statement.`
        : `This image is ${width} x ${height}; we need at least ${t.statementMinLongSide} px on the long side ` +
          'to read a statement. Photograph the page closer, or upload the PDF from your bank.',
    };
  }
  const threshold = { minLongSide: t.photoMinLongSide, minShortSide: t.photoMinShortSide };
  const passed = long >= t.photoMinLongSide && short >= t.photoMinShortSide;
  return {
    rule: 'resolution',
    hard: true,
    measured,
    threshold,
    passed,
    message: passed
      ? `This photo is ${width} x ${height}, enough detail.`
      : `This photo is ${width} x ${height}; we need at least ${t.photoMinLongSide} px on the long side and ` +
        `${t.photoMinShortSide} px on the short side. Move closer or use the main camera.`,
  };
}

/** What checks.pdf.ts reads from a PDF that parsed. */
export interface PdfMeasurements {
  pageCount: number;
  /** a user password is needed to open it */
  passwordRequired: boolean;
  /** it has an /Encrypt dictionary (owner-password "permissions" PDFs open without a password) */
  encrypted: boolean;
  /** document-level JavaScript or open actions that run script */
  hasJavaScript: boolean;
  /** embedded files (attachments) */
  hasAttachments: boolean;
  /** longest side of the largest page in points, /UserUnit applied (absent: not measured) */
  maxPageSidePt?: number;
}

/** Longest page side accepted: A0 (1189 mm). A statement page is A4 or Letter; larger asks for gigapixels. */
export const MAX_PDF_PAGE_SIDE_PT = 3370;

/**
 * pdf (hard): not password-protected, at most t.maxPdfPages pages, no active content. PDF bytes are the one
 * thing stored as uploaded (nothing here can rebuild a PDF), so script and attachments are refused rather
 * than passed to a reviewer's viewer.
 */
export function checkPdf(m: PdfMeasurements, t: Thresholds): CheckResult {
  const base = {
    rule: 'pdf',
    hard: true,
    measured: { ...m },
    threshold: {
      maxPages: t.maxPdfPages,
      passwordAllowed: false,
      activeContentAllowed: false,
      maxPageSidePt: MAX_PDF_PAGE_SIDE_PT,
    },
  };
  if (m.passwordRequired) {
    return {
      ...base,
      passed: false,
      message:
        'This PDF is protected by a password, so we cannot open it. Please download the statement again ' +
        'without a password, or upload a photo or screenshot of it.',
    };
  }
  if (m.pageCount > t.maxPdfPages) {
    return {
      ...base,
      passed: false,
      message:
        `This PDF has ${m.pageCount} pages; we accept at most ${t.maxPdfPages}. Please upload only the pages ` +
        'that show the payment.',
    };
  }
  if ((m.maxPageSidePt ?? 0) > MAX_PDF_PAGE_SIDE_PT) {
    return {
      ...base,
      passed: false,
      message:
        `This PDF has a page ${Math.round(((m.maxPageSidePt ?? 0) / 72) * 2.54)} cm long; we accept pages up to ` +
        `${Math.round((MAX_PDF_PAGE_SIDE_PT / 72) * 2.54)} cm. Please download the statement from your bank ` +
        'again, or upload a screenshot of it.',
    };
  }
  if (m.hasJavaScript || m.hasAttachments) {
    return {
      ...base,
      passed: false,
      message:
        `This PDF contains ${m.hasJavaScript ? 'scripts' : 'attached files'}, which we do not accept. Please ` +
        'download the statement from your bank again, or upload a screenshot of it.',
    };
  }
  return {
    ...base,
    passed: true,
    message: `PDF with ${m.pageCount} page${m.pageCount === 1 ? '' : 's'}, not password-protected.`,
  };
}
