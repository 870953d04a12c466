// The document checker's rules (SPEC section 3, "Image checks") as pure functions: measurements and
// thresholds in, CheckResult out. No I/O here: checks.sharp.ts and checks.pdf.ts measure, these decide.
// Every message is buyer-facing English that names the measured value and says what to do about it.
import type { Thresholds } from './checks.thresholds.ts';

export type Slot = 'ID_FRONT' | 'ID_BACK' | 'CARD_FRONT' | 'CARD_BACK' | 'BILLING_STATEMENT';

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
  /** auto-oriented greyscale JPEG about 1600 px wide for the OCR step (images only, hard rules passed) */
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
// Format from the bytes

export type AllowedFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'heic' | 'pdf';

export interface DetectedFormat {
  /** short name: jpeg, png, webp, avif, heic, pdf, gif, tiff, bmp, svg, html, elf, exe, zip, ... or unknown */
  format: string;
  /** how a buyer would call it, for messages: "a GIF image", "a program file" */
  label: string;
}

const IMAGE_FORMATS: readonly AllowedFormat[] = ['jpeg', 'png', 'webp', 'avif', 'heic'];

const LABELS: Record<string, string> = {
  jpeg: 'a JPEG photo',
  png: 'a PNG image',
  webp: 'a WebP image',
  avif: 'an AVIF image',
  heic: 'an HEIC photo',
  pdf: 'a PDF document',
  gif: 'a GIF image',
  tiff: 'a TIFF image',
  bmp: 'a BMP image',
  ico: 'an icon file',
  svg: 'an SVG drawing',
  html: 'a web page',
  xml: 'an XML file',
  jxl: 'a JPEG XL image',
  jp2: 'a JPEG 2000 image',
  psd: 'a Photoshop file',
  video: 'a video',
  elf: 'a program file',
  exe: 'a program file',
  macho: 'a program file',
  script: 'a script',
  zip: 'an archive (ZIP or Office document)',
  rar: 'an archive',
  '7z': 'an archive',
  gzip: 'a compressed archive',
  unknown: 'a file we do not recognise',
};

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i += 1) if (b[at + i] !== sig[i]) return false;
  return true;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < Math.min(to, b.length); i += 1) s += String.fromCharCode(b[i]!);
  return s;
}

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);

/** ISO base media file (AVIF, HEIC, MP4...): decides from the major and compatible brands of the ftyp box. */
function isoBmffFormat(b: Uint8Array): string | null {
  if (ascii(b, 4, 8) !== 'ftyp') return null;
  const boxSize = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const end = Math.min(Math.max(boxSize, 16), b.length, 4096);
  const brands = [ascii(b, 8, 12)];
  for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(b, i, i + 4));
  if (brands.some((x) => AVIF_BRANDS.has(x))) return 'avif';
  if (brands.some((x) => HEIC_BRANDS.has(x))) return 'heic';
  return 'video';
}

/** Text-based formats (SVG, HTML, XML, scripts): look past a BOM and leading white space. */
function textFormat(b: Uint8Array): string | null {
  let i = startsWith(b, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (i < b.length && i < 1024 && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d))
    i += 1;
  const head = ascii(b, i, i + 512).toLowerCase();
  if (head.startsWith('#!')) return 'script';
  if (!head.startsWith('<')) return null;
  if (head.includes('<svg')) return 'svg';
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || head.includes('<script'))
    return 'html';
  if (head.startsWith('<?xml')) return head.includes('svg') ? 'svg' : 'xml';
  return 'html';
}

/**
 * What the bytes are, from their magic numbers only (never the file name or Content-Type). The allowed
 * formats must match at offset 0, so a file is handed to the matching decoder only: SVG never reaches
 * librsvg, TIFF never reaches libtiff. PDF must start with "%PDF-" at offset 0 (stricter than readers,
 * which tolerate leading junk; leading junk is how PDF polyglots are built).
 */
export function detectFormat(bytes: Uint8Array): DetectedFormat {
  const f = detectFormatName(bytes);
  return { format: f, label: LABELS[f] ?? LABELS.unknown! };
}

function detectFormatName(b: Uint8Array): string {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  const iso = isoBmffFormat(b);
  if (iso) return iso;
  if (ascii(b, 0, 5) === '%PDF-') return 'pdf';
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'gif';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(b, [0x49, 0x49, 0x2b, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (ascii(b, 0, 2) === 'BM') return 'bmp';
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00])) return 'ico';
  if (startsWith(b, [0xff, 0x0a]) || startsWith(b, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return 'jxl';
  if (startsWith(b, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return 'jp2';
  if (ascii(b, 0, 4) === '8BPS') return 'psd';
  if (startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return 'elf';
  if (ascii(b, 0, 2) === 'MZ') return 'exe';
  if (
    startsWith(b, [0xfe, 0xed, 0xfa, 0xce]) ||
    startsWith(b, [0xfe, 0xed, 0xfa, 0xcf]) ||
    startsWith(b, [0xcf, 0xfa, 0xed, 0xfe]) ||
    startsWith(b, [0xce, 0xfa, 0xed, 0xfe]) ||
    startsWith(b, [0xca, 0xfe, 0xba, 0xbe])
  ) {
    return 'macho';
  }
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (ascii(b, 0, 4) === 'Rar!') return 'rar';
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(b, [0x1f, 0x8b])) return 'gzip';
  return textFormat(b) ?? 'unknown';
}

/**
 * Width and height from the first bytes of a JPEG (SOF marker), PNG (IHDR) or WebP (VP8, VP8L, VP8X)
 * header, or null when they cannot be read here (AVIF/HEIC keep them deep in the box tree; sharp reads
 * those). Lets a pixel bomb be refused without handing a single byte to a decoder.
 */
export function headerDimensions(b: Uint8Array, format: string): { width: number; height: number } | null {
  const u16be = (i: number) => (b[i]! << 8) | b[i + 1]!;
  const u32be = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  const u16le = (i: number) => b[i]! | (b[i + 1]! << 8);
  const u24le = (i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
  if (format === 'jpeg') {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1]!;
      if (marker === 0xff) {
        i += 1; // fill byte
        continue;
      }
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        i += 2; // markers without a length
        continue;
      }
      if (marker === 0xda || marker === 0xd9) return null; // scan data before any frame header
      const isFrame =
        marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) return { height: u16be(i + 5), width: u16be(i + 7) };
      i += 2 + u16be(i + 2);
    }
    return null;
  }
  if (format === 'png') {
    if (b.length < 24 || ascii(b, 12, 16) !== 'IHDR') return null;
    return { width: u32be(16), height: u32be(20) };
  }
  if (format === 'webp') {
    const chunk = ascii(b, 12, 16);
    if (chunk === 'VP8X' && b.length >= 30) return { width: u24le(24) + 1, height: u24le(27) + 1 };
    if (chunk === 'VP8L' && b.length >= 25) {
      const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8 ' && b.length >= 30) return { width: u16le(26) & 0x3fff, height: u16le(28) & 0x3fff };
    return null;
  }
  return null;
}

/** The formats a slot accepts. HEIC only where this build's decoder can read it (the prebuilt sharp cannot). */
export function allowedFormats(slot: Slot, opts: { heicDecodable: boolean }): AllowedFormat[] {
  const images = IMAGE_FORMATS.filter((f) => f !== 'heic' || opts.heicDecodable);
  return slot === 'BILLING_STATEMENT' ? [...images, 'pdf'] : images;
}

// ---------------------------------------------------------------------------------------------------
// Message helpers

function mb(bytes: number): string {
  const v = bytes / (1024 * 1024);
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} MB`;
}

function pct(share: number): string {
  const p = share * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
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

/** What checks.sharp.ts measures on the normalised downscale. */
export interface ImageMeasurements {
  /** variance of the 4-neighbour Laplacian of the luminance at the normalised size */
  laplacianVariance: number;
  /** mean Rec. 601 luma, 0-255 */
  meanLuminance: number;
  /** standard deviation of luma (RMS contrast), 0-~128 */
  contrast: number;
  /** share (0-1) of pixels with luma >= the blown-out level */
  blownOutShare: number;
  /** Hasler-Suesstrunk colourfulness after grey-world white balance (a tinted grey copy measures ~0) */
  colourfulness: number;
  /** the same without white balance: 0 when the file carries no colour at all */
  uncorrectedColourfulness: number;
}

/** sharpness (heuristic): Laplacian variance at the normalised size at least t.minSharpness. */
export function checkSharpness(m: Pick<ImageMeasurements, 'laplacianVariance'>, t: Thresholds): CheckResult {
  const score = round(m.laplacianVariance);
  const passed = m.laplacianVariance >= t.minSharpness;
  return {
    rule: 'sharpness',
    hard: false,
    measured: { laplacianVariance: score },
    threshold: { minLaplacianVariance: t.minSharpness },
    passed,
    message: passed
      ? `Sharp enough (sharpness score ${score.toFixed(0)}).`
      : `This photo looks blurry (sharpness score ${score.toFixed(0)}; we need at least ${t.minSharpness}). ` +
        'Hold the phone steady, tap the document to focus, and try again in good light.',
  };
}

/**
 * exposure (heuristic): mean luminance inside the band, and enough contrast (a washed-out photo has a fine
 * mean but no spread). Statements get the contrast part only: a screenshot's white page or a dark-mode
 * banking app is legitimately far outside a photo's brightness band.
 */
export function checkExposure(
  m: Pick<ImageMeasurements, 'meanLuminance' | 'contrast'>,
  slot: Slot,
  t: Thresholds,
): CheckResult {
  const mean = round(m.meanLuminance);
  const contrast = round(m.contrast);
  const statement = slot === 'BILLING_STATEMENT';
  const threshold = statement
    ? { minContrast: t.minContrast }
    : {
        minMeanLuminance: t.minMeanLuminance,
        maxMeanLuminance: t.maxMeanLuminance,
        minContrast: t.minContrast,
      };
  const base = { rule: 'exposure', hard: false, measured: { meanLuminance: mean, contrast }, threshold };
  const brightness = `average brightness ${mean.toFixed(0)} of 255`;
  if (!statement && m.meanLuminance < t.minMeanLuminance) {
    return {
      ...base,
      passed: false,
      message:
        `This photo is too dark (${brightness}; we need ${t.minMeanLuminance} to ${t.maxMeanLuminance}). ` +
        'Turn on more light or move next to a window, without using the flash directly on the document.',
    };
  }
  if (!statement && m.meanLuminance > t.maxMeanLuminance) {
    return {
      ...base,
      passed: false,
      message:
        `This photo is too bright (${brightness}; we need ${t.minMeanLuminance} to ${t.maxMeanLuminance}). ` +
        'Move out of direct light or switch off the flash.',
    };
  }
  if (m.contrast < t.minContrast) {
    return {
      ...base,
      passed: false,
      message:
        `This photo looks washed out (contrast ${contrast.toFixed(0)}; we need at least ${t.minContrast}). ` +
        'Avoid haze and reflections: clean the lens and photograph the document in even light.',
    };
  }
  return {
    ...base,
    passed: true,
    message: `Exposure is fine (${brightness}, contrast ${contrast.toFixed(0)}).`,
  };
}

/** glare (heuristic): the share of blown-out pixels below t.maxBlownOutShare. Not applied to statements. */
export function checkGlare(
  m: Pick<ImageMeasurements, 'blownOutShare'>,
  slot: Slot,
  t: Thresholds,
): CheckResult {
  const share = round(m.blownOutShare, 4);
  const measured = { blownOutShare: share, level: t.blownOutLevel };
  if (slot === 'BILLING_STATEMENT') {
    return {
      rule: 'glare',
      hard: false,
      measured,
      threshold: null,
      passed: true,
      message: 'Glare is not checked for statements (white paper and screenshots are meant to be white).',
    };
  }
  const passed = m.blownOutShare < t.maxBlownOutShare;
  return {
    rule: 'glare',
    hard: false,
    measured,
    threshold: { maxBlownOutShare: t.maxBlownOutShare },
    passed,
    message: passed
      ? `No strong glare (${pct(m.blownOutShare)} of the photo is pure white).`
      : `Part of this photo is blown out by glare (${pct(m.blownOutShare)} of it is pure white; the limit is ` +
        `${pct(t.maxBlownOutShare)}). Tilt the document away from the light or switch off the flash.`,
  };
}

/**
 * colour: ID slots must be colour photos, not black-and-white copies. Hard when the file carries no colour
 * at all (uncorrected colourfulness at the floor: a greyscale file, or pixels that are all neutral grey -
 * certainly a black-and-white copy, no measuring error possible). Heuristic otherwise: after white balance
 * a copy photographed under coloured light measures grey too, but so might a card printed in one ink
 * colour, so the buyer may upload anyway and the reviewer sees the flag.
 */
export function checkColour(
  m: Pick<ImageMeasurements, 'colourfulness' | 'uncorrectedColourfulness'>,
  slot: Slot,
  t: Thresholds,
): CheckResult {
  const c = round(m.colourfulness);
  const measured = { colourfulness: c, uncorrectedColourfulness: round(m.uncorrectedColourfulness) };
  if (!ID_SLOTS.includes(slot)) {
    return {
      rule: 'colour',
      hard: false,
      measured,
      threshold: null,
      passed: true,
      message: 'Colour is not required for this document.',
    };
  }
  const threshold = {
    minColourfulness: t.minColourfulness,
    greyscaleAtOrBelow: t.greyscaleColourfulness,
  };
  const hard = m.uncorrectedColourfulness <= t.greyscaleColourfulness;
  if (!hard && m.colourfulness >= t.minColourfulness) {
    return {
      rule: 'colour',
      hard: false,
      measured,
      threshold,
      passed: true,
      message: `Colour photo (colourfulness ${c}).`,
    };
  }
  return {
    rule: 'colour',
    hard,
    measured,
    threshold,
    passed: false,
    message: hard
      ? `This is a black-and-white image (colourfulness ${round(m.uncorrectedColourfulness)}; a colour photo ` +
        `measures at least ${t.minColourfulness}). Please photograph the original document in colour, not a copy.`
      : `This looks like a black-and-white copy (colourfulness ${c}; we need at least ${t.minColourfulness}). ` +
        'Please photograph the original document in colour, in daylight.',
  };
}

/** The heuristic image rules, in order, for one slot. */
export function checkImageQuality(m: ImageMeasurements, slot: Slot, t: Thresholds): CheckResult[] {
  return [checkSharpness(m, t), checkExposure(m, slot, t), checkGlare(m, slot, t), checkColour(m, slot, t)];
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
