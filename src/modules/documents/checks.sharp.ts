// The document checker's adapter: reads the upload, measures it with sharp (libvips) or pdfjs, and hands the
// measurements to the pure rules in checks.rules.ts. Entry point: inspectUpload().
//
// Cost model (the benchmark compares against a plain `sharp(buf).raw().toBuffer()`; measured split in
// docs/calibration.md, "Cost"):
// - Rejections are decided from size, magic bytes and header bytes: nothing is decoded for an empty,
//   oversized, wrongly typed or pixel-bomb file, and only allowed formats ever reach sharp.
// - The integrity check is a decode of every block with failOn: 'error'. Where nothing is to be stored
//   that decode streams straight to the measuring size (shrink-on-load for large JPEGs); where a copy is
//   to be stored, either a scaled measuring decode plus a streaming decode+encode of the copy, or one full
//   decode to raw pixels that the copy and the downscales are derived from, whichever costs less.
// - Statistics are computed in two passes over a 1000 px image on the main thread while the copy encodes
//   in the libuv pool.
// - At most one image per CPU is decoded at a time (decodeGate, FIFO): under load the others wait with
//   their bytes only, instead of all sharing the CPUs and the libuv pool with their decode buffers.
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import sharp, { type Metadata, type ResizeOptions, type Sharp } from 'sharp';
import { measureRaw, u8 } from './checks.measure.ts';
import { readPdf } from './checks.pdf.ts';
import {
  type CheckResult,
  checkFormat,
  checkImageQuality,
  checkIntegrity,
  checkPdf,
  checkPixels,
  checkResolution,
  checkSize,
  type DetectedFormat,
  detectFormat,
  headerDimensions,
  type Inspection,
  type IntegrityFailure,
  type Slot,
} from './checks.rules.ts';
import { DEFAULT_THRESHOLDS, type Thresholds } from './checks.thresholds.ts';

export type { CheckResult, Inspection, InspectionTimings, Slot } from './checks.rules.ts';
export {
  DUPLICATE_MAX_DISTANCE,
  hammingDistance,
  hardRulesPassed,
  overridable,
} from './checks.rules.ts';
export {
  COLOUR_GRID_LONG_SIDE,
  type Colourfulness,
  colourfulness,
  dHash,
  laplacianVariance,
  measureRaw,
  type RawMeasurements,
} from './checks.measure.ts';
export { DEFAULT_THRESHOLDS, resolveThresholds, type Thresholds } from './checks.thresholds.ts';

/** Long side of the image the heuristics are measured on. The calibrated thresholds depend on it. */
export const NORMALISED_LONG_SIDE = 1000;
/**
 * The OCR input: a greyscale JPEG OCR_WIDTH wide (fit inside OCR_WIDTH x OCR_MAX_HEIGHT). Exported for
 * My Appeal's downscale, which never sends fewer pixels than this copy would be made from.
 */
export const OCR_WIDTH = 1600;
export const OCR_MAX_HEIGHT = 2400;
const OCR_QUALITY = 85;
const SANITISED_QUALITY = 90;
/**
 * Triangle filter for the measuring and OCR downscales: a third cheaper than lanczos3 on a full-size image
 * and anti-aliased all the same. The sharpness threshold was calibrated with it.
 */
const RESIZE_KERNEL = 'linear';
/** The measuring size: small images are enlarged, so every score is taken at the same scale. */
const NORMALISED_GEOMETRY: ResizeOptions = Object.freeze({
  width: NORMALISED_LONG_SIDE,
  height: NORMALISED_LONG_SIDE,
  fit: 'inside',
  kernel: RESIZE_KERNEL,
});

/** The OCR size, never enlarged here (ocrJpeg enlarges the small ones after measuring). */
const OCR_GEOMETRY: ResizeOptions = Object.freeze({
  width: OCR_WIDTH,
  height: OCR_MAX_HEIGHT,
  fit: 'inside',
  withoutEnlargement: true,
  kernel: RESIZE_KERNEL,
});

/**
 * Whether this sharp build decodes HEIC (HEVC-coded HEIF). The prebuilt sharp binaries ship libheif with the
 * AV1 decoder only (patent licensing), so it reads AVIF but not iPhone HEIC; a libvips built with libde265
 * lists .heic among the heif loader's suffixes, and then HEIC is allowed.
 */
export const HEIC_DECODABLE: boolean = (sharp.format.heif?.input.fileSuffix ?? []).includes('.heic');

export type UploadInput = { path: string } | { buffer: Buffer };

export interface InspectOptions {
  /** produce `sanitised` when every hard rule passed (default true) */
  sanitise?: boolean;
  /** produce `ocrInput` for every image that decodes, whatever the other rules say (default true) */
  ocrInput?: boolean;
}

/**
 * Runs every check of SPEC section 3 ("Image checks") that does not need OCR, on an upload for `slot`.
 * Never throws for bad input (bad input is a failed check); throws only for I/O errors on `path`.
 * `opts` lets a caller that only wants the verdict (a pre-check, the benchmark) skip the two encodes.
 */
export async function inspectUpload(
  input: UploadInput,
  slot: Slot,
  t: Thresholds = DEFAULT_THRESHOLDS,
  opts: InspectOptions = {},
): Promise<Inspection> {
  const started = performance.now();
  let bytes: Buffer;
  if ('path' in input) {
    // stat first: an oversized file is refused without reading it into memory
    const { size } = await stat(input.path);
    const sizeCheck = checkSize(size, t);
    if (!sizeCheck.passed) return rejected(null, [sizeCheck]);
    bytes = await readFile(input.path);
  } else {
    bytes = input.buffer;
  }
  const size = checkSize(bytes.length, t);
  if (!size.passed) return rejected(null, [size]);

  const detected = detectFormat(bytes);
  const format = checkFormat(detected, slot, { heicDecodable: HEIC_DECODABLE });
  if (!format.passed) return rejected(detected.format, [size, format]);

  if (detected.format === 'pdf') return inspectPdf(bytes, [size, format], t, opts);
  return inspectImage(bytes, detected, slot, size, t, opts, started);
}

function rejected(format: string | null, checks: CheckResult[]): Inspection {
  return { kind: 'rejected', format, checks, passed: false };
}

async function inspectPdf(
  bytes: Buffer,
  checks: CheckResult[],
  t: Thresholds,
  opts: InspectOptions,
): Promise<Inspection> {
  const reading = await readPdf(bytes, { maxPages: t.maxPdfPages });
  if (!reading.ok) return rejected('pdf', [...checks, checkIntegrity('corrupt', 'pdf')]);
  const pdf = checkPdf(reading.measurements, t);
  const all = [...checks, checkIntegrity(null, 'pdf'), pdf];
  const result: Inspection = {
    kind: 'pdf',
    format: 'pdf',
    checks: all,
    passed: all.every((c) => c.passed),
    pageCount: reading.measurements.pageCount,
  };
  // PDFs are the one upload stored as received: nothing in this stack can rewrite a PDF faithfully (see
  // docs/calibration.md). The pdf rule has refused password protection, script and attachments.
  if (pdf.passed && opts.sanitise !== false) result.sanitised = { bytes, mimeType: 'application/pdf' };
  return result;
}

/** sharp reports AVIF and HEIC both as 'heif'; the compression tells them apart. */
function decoderFormatName(meta: Metadata): string {
  if (meta.format === 'heif') {
    if (meta.compression === 'av1') return 'avif';
    if (meta.compression === 'hevc') return 'heic';
  }
  return meta.format ?? 'unknown';
}

function integrityFailure(e: unknown): IntegrityFailure {
  const text = e instanceof Error ? e.message : String(e);
  return /premature end|truncat|not enough data|unexpected end|end of (file|stream)|read error/i.test(text)
    ? 'truncated'
    : 'corrupt';
}

interface RawImage {
  data: Buffer;
  raw: { width: number; height: number; channels: 1 | 3 };
}

async function inspectImage(
  bytes: Buffer,
  detected: DetectedFormat,
  slot: Slot,
  size: CheckResult,
  t: Thresholds,
  opts: InspectOptions,
  started: number,
): Promise<Inspection> {
  // A pixel bomb is refused from the first bytes when they say how big it is: no decoder involved.
  const declared = headerDimensions(bytes, detected.format);
  if (declared && declared.width * declared.height > t.maxPixels) {
    const format = checkFormat(detected, slot, { heicDecodable: HEIC_DECODABLE });
    return rejected(detected.format, [size, format, checkPixels(declared.width, declared.height, t)]);
  }
  // Header only. The pixel limit is off for this one call because sharp applies it after reading the
  // header anyway, and the dimensions are needed to tell the buyer what is wrong; checkPixels rejects
  // before anything is decoded, and every decoding call below carries the limit.
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch {
    const format = checkFormat(detected, slot, { heicDecodable: HEIC_DECODABLE });
    return rejected(detected.format, [size, format, checkIntegrity('unreadable-header')]);
  }
  const format = checkFormat(detected, slot, {
    heicDecodable: HEIC_DECODABLE,
    decoderFormat: decoderFormatName(meta),
  });
  if (!format.passed) return rejected(detected.format, [size, format]);
  const pixels = checkPixels(meta.width ?? 0, meta.height ?? 0, t);
  if (!pixels.passed) return rejected(detected.format, [size, format, pixels]);
  return decodeGate.run(() =>
    decodeAndMeasure(bytes, detected, meta, slot, [size, format, pixels], t, opts, started),
  );
}

/**
 * Decodes, measures and (when asked) encodes an image whose header passed. At most DECODE_SLOTS of these
 * run at once, in arrival order.
 */
async function decodeAndMeasure(
  bytes: Buffer,
  detected: DetectedFormat,
  meta: Metadata,
  slot: Slot,
  [size, format, pixels]: [CheckResult, CheckResult, CheckResult],
  t: Thresholds,
  opts: InspectOptions,
  started: number,
): Promise<Inspection> {
  // Resolution is a header fact too (EXIF orientation applied), so the encodes can start with the decode.
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  const resolution = checkResolution(width, height, slot, t);
  const wantSanitised = resolution.passed && opts.sanitise !== false;
  // The card-number guard reads every decodable image, whatever the other rules say: a small photo with
  // a legible number gets the card-number answer (and an incident), not only "too small".
  const wantOcr = opts.ocrInput !== false;
  const srgbProfile = isSrgbProfile(meta.icc);
  const decoder = (): Sharp => decodePipeline(bytes, meta, srgbProfile, t);

  let encodeMs = 0;
  const timed = <T>(p: Promise<T>): Promise<Settled<T>> => {
    const t0 = performance.now();
    return settle(p).finally(() => {
      encodeMs += performance.now() - t0;
    });
  };

  let sanitised: Promise<Settled<Buffer>> | undefined;
  let mid: Settled<RawImage>;
  // A colour transform (CMYK, Display P3...) costs more than the decode itself: pay it once.
  const colourTransform = meta.space === 'cmyk' || (Boolean(meta.icc) && !srgbProfile);
  const target = wantOcr ? OCR_GEOMETRY : NORMALISED_GEOMETRY;
  // sharp decodes a JPEG at 1/k scale (DCT scaling) only when the whole shrink is at least k + 1
  const shrink = Math.max(width / (target.width ?? width), height / (target.height ?? height));
  const scaledDecode = detected.format === 'jpeg' && !colourTransform && shrink >= 3;
  if (!wantSanitised || scaledDecode) {
    // One streaming pipeline straight to the measuring (or OCR) size: no full-size raw buffer. When the
    // stored copy is wanted too, this only pays because the JPEG is decoded at a reduced scale here
    // (DCT scaling still entropy-decodes every block, so truncation fails it exactly like a full decode)
    // and the copy is decoded and encoded strip by strip in a second pipeline (docs/calibration.md, "Cost").
    if (wantSanitised) sanitised = timed(encodeSanitised(decoder()));
    mid = await settle(toRaw(decoder().resize(target)));
  } else {
    // Otherwise decode once at full size and derive the stored copy and the downscales from the pixels:
    // PNG, WebP and AVIF decode at full cost whatever the output size, colour-managed JPEGs pay the
    // transform per decode, and smaller JPEGs would be decoded twice at full scale.
    const full = await settle(toRaw(decoder()));
    if (full.ok && wantSanitised) sanitised = timed(encodeSanitised(rawPipeline(full.value, t)));
    mid = full.ok && wantOcr ? await settle(shrinkRaw(full.value, OCR_GEOMETRY, t)) : full;
  }
  const decodedAt = performance.now();
  if (!mid.ok) {
    await sanitised;
    return rejected(detected.format, [size, format, pixels, checkIntegrity(integrityFailure(mid.error))]);
  }

  const cardSlot = slot === 'CARD_FRONT' || slot === 'CARD_BACK';
  const ocr = wantOcr ? timed(ocrJpeg(mid.value, t, cardSlot)) : undefined;
  const measureStarted = performance.now();
  const norm = await resizeRaw(mid.value, NORMALISED_GEOMETRY, t);
  const measured = measureRaw(norm.data, norm.raw.width, norm.raw.height, norm.raw.channels, t.blownOutLevel);
  const measureEnded = performance.now();

  const stored = sanitised ? await sanitised : undefined;
  if (stored && !stored.ok) {
    // the measuring decode passed but the full decode did not: the file is still not whole
    return rejected(detected.format, [size, format, pixels, checkIntegrity(integrityFailure(stored.error))]);
  }
  const ocrResult = ocr ? await ocr : undefined;
  if (ocrResult && !ocrResult.ok) throw ocrResult.error;

  const checks = [
    size,
    format,
    pixels,
    checkIntegrity(null),
    resolution,
    ...checkImageQuality(measured, slot, t),
  ];
  const result: Inspection = {
    kind: 'image',
    format: detected.format,
    checks,
    passed: checks.every((c) => c.passed),
    width,
    height,
    perceptualHash: measured.dHash,
  };
  if (stored?.ok) result.sanitised = { bytes: stored.value, mimeType: 'image/jpeg' };
  if (ocrResult?.ok) result.ocrInput = ocrResult.value;
  result.timings = {
    totalMs: round1(performance.now() - started),
    decodeMs: round1(decodedAt - started),
    measureMs: round1(measureEnded - measureStarted),
    encodeMs: round1(encodeMs),
  };
  return result;
}

/**
 * How many images are decoded at once: one per CPU. Each decode keeps one libuv thread busy (two when
 * the stored copy encodes alongside) and holds its buffers; more at once cannot finish sooner on these
 * CPUs, but would take every libuv thread from the file I/O of uploads still arriving and multiply the
 * memory held. Rejections from size, magic bytes and header never wait here.
 */
export const DECODE_SLOTS = Math.max(1, availableParallelism());

/** A FIFO semaphore. */
class Gate {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(slots: number) {
    this.free = slots;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      return await work();
    } finally {
      // hand the slot straight to the next caller, or give it back
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}

const decodeGate = new Gate(DECODE_SLOTS);

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Never rejects, so a pipeline started early cannot become an unhandled rejection. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * The one way an upload is decoded: integrity-checked, pixel-limited, auto-oriented, flattened onto white
 * and converted to 8-bit sRGB (CMYK, embedded profiles such as Display P3, 16-bit samples) or 8-bit grey.
 */
function decodePipeline(bytes: Buffer, meta: Metadata, srgbProfile: boolean, t: Thresholds): Sharp {
  const pipeline = sharp(bytes, {
    failOn: 'error',
    limitInputPixels: t.maxPixels,
    sequentialRead: true,
    // an sRGB profile describes what untagged pixels already are: transforming through it is a no-op
    ignoreIcc: srgbProfile,
  });
  pipeline.autoOrient();
  // A transparent background becomes white, as it would look on paper; the stored copy is a JPEG.
  if (meta.hasAlpha) pipeline.flatten({ background: '#ffffff' });
  const grey = meta.channels === 1 || meta.space === 'b-w' || meta.space === 'grey16';
  return pipeline.toColourspace(grey ? 'b-w' : 'srgb');
}

const SRGB_UTF16BE = Buffer.from([0, 0x73, 0, 0x52, 0, 0x47, 0, 0x42]);

/**
 * Whether an embedded ICC profile is plain sRGB (an RGB profile whose description names sRGB), read from
 * the profile's tag table: 'desc' holds ASCII (ICC v2) or UTF-16BE records ('mluc', ICC v4).
 */
export function isSrgbProfile(icc: Buffer | undefined): boolean {
  if (!icc || icc.length < 132 || icc.toString('latin1', 16, 20) !== 'RGB ') return false;
  const count = icc.readUInt32BE(128);
  for (let i = 0; i < count && 132 + i * 12 + 12 <= icc.length; i += 1) {
    const at = 132 + i * 12;
    if (icc.toString('latin1', at, at + 4) !== 'desc') continue;
    const offset = icc.readUInt32BE(at + 4);
    const size = icc.readUInt32BE(at + 8);
    const tag = icc.subarray(offset, Math.min(icc.length, offset + size));
    const type = tag.toString('latin1', 0, 4);
    if (type === 'desc') return tag.toString('latin1', 12).includes('sRGB');
    if (type === 'mluc') return tag.includes(SRGB_UTF16BE);
    return false;
  }
  return false;
}

function rawPipeline(img: RawImage, t: Thresholds): Sharp {
  return sharp(img.data, { raw: img.raw, limitInputPixels: t.maxPixels }).toColourspace(
    img.raw.channels === 1 ? 'b-w' : 'srgb',
  );
}

/** The stored copy: pixels only, so no EXIF, GPS, XMP, ICC, comment or appended bytes survive. */
function encodeSanitised(pipeline: Sharp): Promise<Buffer> {
  return pipeline
    .jpeg({ quality: SANITISED_QUALITY, chromaSubsampling: '4:2:0', optimiseCoding: false })
    .toBuffer();
}

async function toRaw(pipeline: Sharp): Promise<RawImage> {
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 && info.channels !== 3) throw new Error(`unexpected ${info.channels} channels`);
  return { data, raw: { width: info.width, height: info.height, channels: info.channels } };
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Shrinks to a geometry; returns the input when it already fits. */
async function shrinkRaw(img: RawImage, geometry: ResizeOptions, t: Thresholds): Promise<RawImage> {
  if (img.raw.width <= (geometry.width ?? 0) && img.raw.height <= (geometry.height ?? 0)) return img;
  return resizeRaw(img, geometry, t);
}

/** Resizes raw pixels; skipped when the image already has the target's size. */
async function resizeRaw(img: RawImage, geometry: ResizeOptions, t: Thresholds): Promise<RawImage> {
  const long = Math.max(img.raw.width, img.raw.height);
  if (geometry === NORMALISED_GEOMETRY && long === NORMALISED_LONG_SIDE) return img;
  return toRaw(rawPipeline(img, t).resize(geometry));
}

/**
 * JPEG about OCR_WIDTH wide (small photos are enlarged so the OCR step sees a steady scale): greyscale,
 * except for card slots, which keep their colour (chroma at half resolution: enough for digits 40+ px
 * tall, and less to encode and decode than full chroma): the reader looks at a card
 * front's light-neutral plane when its grey plane gave nothing (ocr.read.ts), and a JPEG's Y channel is
 * the same Rec. 601 luma as the grey copy.
 */
async function ocrJpeg(img: RawImage, t: Thresholds, colour: boolean): Promise<Buffer> {
  const { width, height, channels } = img.raw;
  const keepColour = colour && channels === 3;
  const pixels = keepColour || channels === 1 ? img.data : lumaPlane(u8(img.data), width * height);
  const pipeline = sharp(pixels, {
    raw: { width, height, channels: keepColour ? 3 : 1 },
    limitInputPixels: t.maxPixels,
  });
  if (width < OCR_WIDTH && height < OCR_MAX_HEIGHT) {
    pipeline.resize({ width: OCR_WIDTH, height: OCR_MAX_HEIGHT, fit: 'inside', kernel: RESIZE_KERNEL });
  }
  if (keepColour) {
    return pipeline.jpeg({ quality: OCR_QUALITY, optimiseCoding: false }).toBuffer();
  }
  // without b-w, sharp would expand the single band to three for JPEG output
  return pipeline.toColourspace('b-w').jpeg({ quality: OCR_QUALITY, optimiseCoding: false }).toBuffer();
}

/** Rec. 601 luma of interleaved RGB(A...), as one byte per pixel. */
function lumaPlane(rgb: Uint8Array, pixels: number, channels = 3): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0, j = 0; i < pixels; i += 1, j += channels) {
    out[i] = (77 * rgb[j]! + 150 * rgb[j + 1]! + 29 * rgb[j + 2]! + 128) >> 8;
  }
  return out;
}
