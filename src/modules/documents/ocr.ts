// Offline reading of card digits: a small pool of tesseract.js workers behind a bounded queue, and the
// image preprocessing that makes the legacy engine read masked numbers (see
// /work/shared/notes/ocr-card-digits.md for why each setting is what it is).
//
// What leaves this file is a CardReading: the last 4 digits and booleans. The OCR text itself never
// does - not in results, not in logs, not in error messages or details - because on a card photo it
// may hold a full card number.
//
// Failure contract: read() rejects with AppError('DEPENDENCY.UNAVAILABLE', ..., { reason }) when the
// queue is full, the read timed out, a worker crashed or could not start, or the pool is closed.
// We reject rather than return an "empty" reading because an empty reading (no last 4, no full
// number) looks exactly like a clean card to a careless caller, and the full-number guard must not
// pass silently. The intake catches DEPENDENCY.UNAVAILABLE and decides: record "digits not read
// automatically" and flag the document for the reviewer, or ask the buyer to retry.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Worker as NodeWorker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import sharp from 'sharp';
import Tesseract from 'tesseract.js';
import { AppError, isAppError } from '../../platform/errors.ts';
import { containsFullCardNumber, containsSuspiciousDigitRun, readLast4 } from './card-number.ts';

export interface CardReading {
  /** last 4 digits of a masked number, or null when none was read */
  last4: string | null;
  /** a 13-19 digit, Luhn-valid number starting 2-6 was read: reject the upload, store nothing */
  fullNumberDetected: boolean;
  /** a 13-19 digit run in card grouping starting 2-6 but failing Luhn (maybe a misread full number) */
  suspiciousDigitRun: boolean;
  /** tesseract's mean word confidence 0-100 for the reading the result came from */
  confidence: number;
  /** wall time of this read() in ms, queue wait included */
  ms: number;
}

export interface ReadOptions {
  /** overrides the pool's timeoutMs for this read */
  timeoutMs?: number;
  /** overrides the pool's rotationBudgetMs for this read (e.g. retries for card slots only) */
  rotationBudgetMs?: number;
}

export interface OcrPool {
  read(image: Buffer, opts?: ReadOptions): Promise<CardReading>;
  close(): Promise<void>;
  stats(): { busy: number; queued: number };
}

/** What the pool needs from an OCR engine; the default wraps a tesseract.js worker. Tests inject fakes. */
export interface OcrEngine {
  recognize(png: Buffer): Promise<{ text: string; confidence: number }>;
  terminate(): Promise<void>;
}
/** Starts one engine; `onCrash` must be called if the engine dies on its own. */
export type OcrEngineFactory = (onCrash: (why: string) => void) => Promise<OcrEngine>;

export type OcrUnavailableReason =
  | 'queue_full'
  | 'timeout'
  | 'worker_crashed'
  | 'worker_start_failed'
  | 'closed';

export interface OcrPoolOptions {
  /** number of tesseract workers, started on demand (one per concurrently running read) */
  workers: number;
  /** reads allowed to wait for a worker; one more is rejected at once with reason 'queue_full' */
  maxQueue: number;
  /** folder holding eng.traineddata.gz with the legacy engine; default: @tesseract.js-data/eng/4.0.0 */
  langPath?: string;
  /** per-read deadline from the read() call, queue wait included; default 10 s */
  timeoutMs?: number;
  /**
   * Blind retries: when neither the straightened nor the upright image reads anything card-like, try
   * the image upside down and sideways (180, 90, -90), then at -8, +8, -15, +15 degrees, as long as the
   * retries have taken less than this many ms (the next one is predicted to cost what the last attempt
   * did). Default 0 = off: with the skew estimate in place the small angles changed no result on the
   * synthetic set, and every image without a readable number (ID documents, card backs, statements)
   * would pay up to 7 more tesseract passes (0.2-1 s each on 2 cores). Turn it on (e.g. 1500) to catch
   * cards photographed upside down or sideways, which the upright passes do not read.
   */
  rotationBudgetMs?: number;
  /** a worker start taking longer than this fails the reads waiting for it; default 30 s */
  startTimeoutMs?: number;
  engineFactory?: OcrEngineFactory;
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_ROTATION_BUDGET_MS = 0;
const DEFAULT_START_TIMEOUT_MS = 30_000;
const RETRY_ANGLES = [180, 90, -90, -8, 8, -15, 15];
// Below 2 degrees the legacy engine reads as well as straightened; a gain under 1.5 means the blobs
// do not line up better at any angle (no text, or text in several directions).
const MIN_SKEW_DEGREES = 2;
const MIN_SKEW_GAIN = 1.5;
// Uploads above 50 MP are refused by the intake before they get here; this is the backstop.
const MAX_INPUT_PIXELS = 50_000_000;

// Legacy engine parameters (the note explains each): PSM 6 = one uniform block of text; rows that are
// mostly asterisks are kept instead of being rejected as noise; the whitelist keeps mask characters.
const TESSERACT_PARAMS: Partial<Tesseract.WorkerParams> = {
  tessedit_pageseg_mode: Tesseract.PSM.SINGLE_BLOCK,
  textord_noise_rejrows: '0',
  tessedit_char_whitelist: '0123456789*/-.ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  // The legacy classifier otherwise adapts to every page a worker has seen, so a card's reading would
  // depend on which cards that worker read before it.
  classify_enable_learning: '0',
  // No chopping of blobs that classify badly into pieces to try again: on photos that are not cards
  // that search took 1-14 s per pass (0.1-1 s without); on the synthetic cards no reading changed.
  // The price: characters that touch each other are not split (embossed card digits rarely touch).
  chop_enable: '0',
};

const require = createRequire(import.meta.url);

export function defaultLangPath(): string {
  return path.join(path.dirname(require.resolve('@tesseract.js-data/eng')), '4.0.0');
}

// ---------------------------------------------------------------------------------------------------
// Preprocessing
// ---------------------------------------------------------------------------------------------------

/** One byte per pixel, row by row. Greyscale 0-255, or binary: 0 = ink, 255 = paper. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
}

const WORK_WIDTH = 1600;
const BACKGROUND_SIGMA = 40;
const BORDER_PX = 40;

/** Auto-orient (a no-op on an already oriented image), greyscale, 1600 px wide. */
export async function toWorkingGrey(image: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .greyscale()
    .resize({ width: WORK_WIDTH })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Rotate clockwise by `degrees`; the uncovered corners become paper. */
export async function rotateGrey(img: RawImage, degrees: number): Promise<RawImage> {
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .rotate(degrees, { background: '#ffffff' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Divide by a heavily blurred copy to flatten lighting and background patterns, then threshold at
 * 0.6 of the local background.
 */
export async function binarise(img: RawImage): Promise<RawImage> {
  const { width, height, data } = img;
  const background = await sharp(data, { raw: { width, height, channels: 1 } })
    .blur(BACKGROUND_SIGMA)
    .raw()
    .toBuffer();
  // A plain loop (about 10 ms for 1600x1000) beats the same division as a sharp composite (about 100 ms).
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * 5 < background[i]! * 3 ? 0 : 255;
  return { data: out, width, height };
}

/** PNG with a white border and 300 dpi, which is what the legacy engine's size heuristics expect. */
export function toOcrPng(binary: RawImage): Promise<Buffer> {
  return sharp(binary.data, { raw: { width: binary.width, height: binary.height, channels: 1 } })
    .extend({ top: BORDER_PX, bottom: BORDER_PX, left: BORDER_PX, right: BORDER_PX, background: '#ffffff' })
    .withMetadata({ density: 300 })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** A connected patch of ink, in the half-resolution grid `findBlobs` works on. */
export interface Blob {
  cx: number;
  cy: number;
  w: number;
  h: number;
  /** character-sized, and lined up with at least two others of similar height */
  text: boolean;
}

export interface BlobMap {
  blobs: Blob[];
  /** per half-resolution cell: index into `blobs` + 1, or 0 for paper */
  labels: Int32Array;
  width: number;
  height: number;
}

// At 1600 px wide a card number that fills the frame is ~80 px tall; one in a corner of a photo ~15 px.
// In half-resolution cells: 6-125 tall, up to 6 characters wide when blur merges a group ("****").
const BLOB_MIN_H = 6;
const BLOB_MAX_H = 125;
const BLOB_MAX_W = 250;
const MAX_SKEW_DEGREES = 20;
const MAX_TEXT_CANDIDATES = 3000;

/**
 * Connected ink patches on a 2x2-cell grid (a cell is ink when any of its 4 pixels is), and which of
 * them look like characters on a line. Photos of anything but a card are full of texture that the
 * legacy engine tries, slowly, to read as letters: on the sharp fixture photos a pass took 2-12 s and
 * more, against 0.2-0.4 s for a card. Keeping only text-like blobs is what makes the time predictable.
 */
export function findBlobs(binary: RawImage): BlobMap {
  const W = binary.width >> 1;
  const H = binary.height >> 1;
  const src = binary.data;
  const stride = binary.width;
  const labels = new Int32Array(W * H);
  for (let y = 0; y < H; y++) {
    const r0 = 2 * y * stride;
    const r1 = r0 + stride;
    for (let x = 0; x < W; x++) {
      const i = 2 * x;
      const ink = src[r0 + i] === 0 || src[r0 + i + 1] === 0 || src[r1 + i] === 0 || src[r1 + i + 1] === 0;
      labels[y * W + x] = ink ? -1 : 0;
    }
  }
  const stack = new Int32Array(W * H);
  const blobs: Blob[] = [];
  for (let p = 0; p < labels.length; p++) {
    if (labels[p] !== -1) continue;
    const id = blobs.length + 1;
    let sp = 0;
    stack[sp++] = p;
    labels[p] = id;
    let n = 0;
    let sx = 0;
    let sy = 0;
    let x0 = W;
    let x1 = 0;
    let y0 = H;
    let y1 = 0;
    while (sp > 0) {
      const q = stack[--sp]!;
      const x = q % W;
      const y = (q - x) / W;
      n++;
      sx += x;
      sy += y;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (x > 0 && labels[q - 1] === -1) {
        labels[q - 1] = id;
        stack[sp++] = q - 1;
      }
      if (x < W - 1 && labels[q + 1] === -1) {
        labels[q + 1] = id;
        stack[sp++] = q + 1;
      }
      if (y > 0 && labels[q - W] === -1) {
        labels[q - W] = id;
        stack[sp++] = q - W;
      }
      if (y < H - 1 && labels[q + W] === -1) {
        labels[q + W] = id;
        stack[sp++] = q + W;
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    // Character-sized, not a long line or a big patch, and not a hollow outline (fill above 10%).
    const charSized =
      h >= BLOB_MIN_H &&
      h <= BLOB_MAX_H &&
      w >= 2 &&
      w <= BLOB_MAX_W &&
      w < 6 * h &&
      n >= 8 &&
      n > 0.1 * w * h;
    blobs.push({ cx: sx / n, cy: sy / n, w, h, text: charSized });
  }
  // A character has neighbours of about its height beside it, on a line tilted at most 20 degrees.
  const candidates = blobs.filter((b) => b.text);
  if (candidates.length > MAX_TEXT_CANDIDATES) {
    // Texture, not text: comparing every pair would cost more than the page is worth.
    for (const b of candidates) b.text = false;
  } else {
    const tan = Math.tan((MAX_SKEW_DEGREES * Math.PI) / 180);
    const neighbours = candidates.map((a) => {
      let count = 0;
      for (const b of candidates) {
        if (a === b || b.h < 0.6 * a.h || b.h > 1.6 * a.h) continue;
        const dx = Math.abs(b.cx - a.cx);
        if (dx <= 4 * a.h && Math.abs(b.cy - a.cy) <= 0.35 * a.h + dx * tan) count++;
      }
      return count;
    });
    candidates.forEach((b, i) => {
      b.text = neighbours[i]! >= 2;
    });
  }
  return { blobs, labels, width: W, height: H };
}

/** The binary image with every ink pixel that is not part of a text-like blob turned to paper. */
export function textOnly(binary: RawImage, map: BlobMap): RawImage {
  const out = Buffer.alloc(binary.data.length, 255);
  const { labels, blobs } = map;
  for (let y = 0; y < binary.height; y++) {
    const cellRow = Math.min(y >> 1, map.height - 1) * map.width;
    const row = y * binary.width;
    for (let x = 0; x < binary.width; x++) {
      if (binary.data[row + x] !== 0) continue;
      const label = labels[cellRow + Math.min(x >> 1, map.width - 1)]!;
      if (label > 0 && blobs[label - 1]!.text) out[row + x] = 0;
    }
  }
  return { data: out, width: binary.width, height: binary.height };
}

export interface SkewEstimate {
  /** clockwise rotation of the text lines, -20..20 in 0.5 steps; rotate by -degrees to straighten */
  degrees: number;
  /** how much better that angle lines the characters up than 0 degrees (1 = no better) */
  gain: number;
  /** text-like blobs the estimate rests on */
  blobs: number;
}

const SKEW_STEP = 0.5;

/**
 * Estimate the skew of the text from the text-like blobs: their centres lie on lines, so projected at
 * the right angle they pile up in few rows. Measured on the synthetic cards: exact to 0.5 degree at
 * 3, 8, 12 and 15 degrees in a few ms, where blind retries at fixed angles cost 0.3-0.7 s each (one
 * tesseract pass) and the upright pass on a 15-degree card alone took up to 7 s.
 */
export function estimateSkew(map: BlobMap): SkewEstimate {
  const text = map.blobs.filter((b) => b.text);
  const score = (deg: number) => {
    const a = (deg * Math.PI) / 180;
    const sin = Math.sin(a);
    const cos = Math.cos(a);
    const rows = new Map<number, number>();
    for (const b of text) {
      const r = Math.round((b.cy * cos - b.cx * sin) / 4);
      rows.set(r, (rows.get(r) ?? 0) + 1);
    }
    let sum = 0;
    for (const c of rows.values()) sum += c * c;
    return sum;
  };
  const upright = score(0);
  let degrees = 0;
  let best = upright;
  for (let d = -MAX_SKEW_DEGREES; d <= MAX_SKEW_DEGREES; d += SKEW_STEP) {
    const s = score(d);
    if (s > best) {
      best = s;
      degrees = d;
    }
  }
  return { degrees, gain: upright > 0 ? best / upright : 1, blobs: text.length };
}

// ---------------------------------------------------------------------------------------------------
// The tesseract.js engine
// ---------------------------------------------------------------------------------------------------

/**
 * tesseract.js 7 has a bug that kills the whole process when the language data lacks the legacy
 * engine (OEM 0 with a 4.0.0_best_int model: its message handler throws outside any promise). So the
 * traineddata header is checked before any worker starts: entry 3 (inttemp) exists only in models
 * with the legacy engine.
 */
export async function hasLegacyModel(langPath: string): Promise<boolean> {
  const file = path.join(langPath, 'eng.traineddata.gz');
  const header = await new Promise<Buffer | null>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const input = createReadStream(file);
    const gunzip = createGunzip();
    const done = (b: Buffer | null) => {
      input.destroy();
      gunzip.destroy();
      resolve(b);
    };
    input.on('error', () => done(null));
    gunzip.on('error', () => done(null));
    gunzip.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size >= 4 + 8 * 24) done(Buffer.concat(chunks));
    });
    gunzip.on('end', () => done(Buffer.concat(chunks)));
    input.pipe(gunzip);
  });
  if (!header || header.length < 4 + 8 * 4) return false;
  const entries = header.readInt32LE(0);
  if (entries < 4 || entries > 64) return false;
  return header.readBigInt64LE(4 + 8 * 3) >= 0n;
}

export function tesseractEngineFactory(langPath: string): OcrEngineFactory {
  let checked: Promise<boolean> | null = null;
  return async (onCrash) => {
    checked ??= hasLegacyModel(langPath);
    if (!(await checked)) throw new Error('OCR language data has no legacy engine model');
    const worker = await Tesseract.createWorker('eng', Tesseract.OEM.TESSERACT_ONLY, {
      langPath,
      gzip: true,
      cacheMethod: 'none',
      logger: () => {},
      // Without an errorHandler tesseract.js rethrows a failed job inside its message listener,
      // which is an uncaught exception; the job's promise is rejected either way.
      errorHandler: () => {},
    });
    let terminating = false;
    // The Node worker thread: tesseract.js sets `onerror` on it, which Node ignores, so an error in
    // the thread would be an uncaught 'error' event in this process. Listening turns it into a crash
    // of this one engine.
    const thread = (worker as unknown as { worker?: NodeWorker }).worker;
    thread?.on('error', () => onCrash('error'));
    thread?.on('exit', () => {
      if (!terminating) onCrash('exit');
    });
    await worker.setParameters(TESSERACT_PARAMS);
    return {
      async recognize(png) {
        const { data } = await worker.recognize(png);
        return { text: data.text ?? '', confidence: data.confidence ?? 0 };
      },
      async terminate() {
        terminating = true;
        await worker.terminate();
      },
    };
  };
}

// ---------------------------------------------------------------------------------------------------
// The pool
// ---------------------------------------------------------------------------------------------------

interface Job {
  image: Buffer;
  rotationBudgetMs: number;
  createdAt: number;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
  resolve(r: CardReading): void;
  reject(e: unknown): void;
  /** rejects when the job is abandoned (timeout, crash, close); raced against every await on a worker */
  aborted: Promise<never>;
  abort(reason: OcrUnavailableReason): void;
}

interface Slot {
  index: number;
  engine: OcrEngine | null;
  starting: Promise<OcrEngine> | null;
  job: Job | null;
  /** set while the slot's engine is inside recognize(): an abort then has to kill the engine */
  recognizing: boolean;
}

function unavailable(reason: OcrUnavailableReason, message: string, extra?: object): AppError {
  return new AppError('DEPENDENCY.UNAVAILABLE', message, { reason, ...extra });
}

interface Attempt {
  last4: string | null;
  full: boolean;
  suspicious: boolean;
  confidence: number;
}

function summarise(text: string, confidence: number): Attempt {
  return {
    last4: readLast4(text),
    full: containsFullCardNumber(text),
    suspicious: containsSuspiciousDigitRun(text),
    confidence: Math.round(confidence),
  };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const NOTHING_READ: Attempt = { last4: null, full: false, suspicious: false, confidence: 0 };

const cardLike = (a: Attempt) => a.last4 !== null || a.full || a.suspicious;

export function createOcrPool(opts: OcrPoolOptions): OcrPool {
  if (!Number.isInteger(opts.workers) || opts.workers < 1)
    throw new Error('workers must be a positive integer');
  if (!Number.isInteger(opts.maxQueue) || opts.maxQueue < 0) throw new Error('maxQueue must be >= 0');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const rotationBudgetMs = opts.rotationBudgetMs ?? DEFAULT_ROTATION_BUDGET_MS;
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const factory = opts.engineFactory ?? tesseractEngineFactory(opts.langPath ?? defaultLangPath());
  const log = opts.logger;

  const slots: Slot[] = Array.from({ length: opts.workers }, (_, index) => ({
    index,
    engine: null,
    starting: null,
    job: null,
    recognizing: false,
  }));
  const queue: Job[] = [];
  let closed = false;

  function killEngine(slot: Slot): void {
    const engine = slot.engine;
    slot.engine = null;
    slot.recognizing = false;
    engine?.terminate().catch(() => {});
  }

  function ensureEngine(slot: Slot): Promise<OcrEngine> {
    if (slot.engine) return Promise.resolve(slot.engine);
    if (slot.starting) return slot.starting;
    const started = Date.now();
    const engineRef: { current: OcrEngine | null } = { current: null };
    const onCrash = (why: string) => {
      // Only the slot's current engine matters; a replaced one may still report its exit.
      if (!engineRef.current || slot.engine !== engineRef.current) return;
      log?.warn({ worker: slot.index, why }, 'OCR worker crashed; a new one starts on the next read');
      engineRef.current.terminate().catch(() => {});
      slot.engine = null;
      slot.recognizing = false;
      slot.job?.abort('worker_crashed');
    };
    // tesseract.js never settles createWorker() when its thread dies during start-up, so a start that
    // takes far longer than the ~0.5 s it needs is given up; if it finishes later, it is terminated.
    let gaveUp = false;
    const starting = factory(onCrash);
    const timedStart = new Promise<OcrEngine>((resolve, reject) => {
      const timer = setTimeout(() => {
        gaveUp = true;
        reject(new Error(`start took more than ${startTimeoutMs} ms`));
      }, startTimeoutMs);
      starting.then(
        (engine) => {
          clearTimeout(timer);
          if (gaveUp) engine.terminate().catch(() => {});
          else resolve(engine);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
    slot.starting = timedStart.then(
      (engine) => {
        slot.starting = null;
        if (closed) {
          engine.terminate().catch(() => {});
          throw unavailable('closed', 'OCR pool is closed');
        }
        engineRef.current = engine;
        slot.engine = engine;
        log?.info({ worker: slot.index, ms: Date.now() - started }, 'OCR worker started');
        return engine;
      },
      (err: unknown) => {
        slot.starting = null;
        // Start-up errors come from tesseract.js, not from an image, but digit runs are masked anyway.
        const reason = String(err)
          .replace(/\d{5,}/g, '#')
          .slice(0, 200);
        log?.warn({ worker: slot.index, err: reason }, 'OCR worker failed to start');
        throw unavailable('worker_start_failed', 'OCR worker failed to start');
      },
    );
    // A start that outlives the read which asked for it must not become an unhandled rejection.
    slot.starting.catch(() => {});
    return slot.starting;
  }

  /** One tesseract pass; `ms` leaves out any wait for the engine to start. */
  async function recognizeOn(
    slot: Slot,
    job: Job,
    engineReady: Promise<OcrEngine>,
    binary: RawImage,
  ): Promise<Attempt & { ms: number }> {
    const engine = await Promise.race([engineReady, job.aborted]);
    const t = Date.now();
    const png = await Promise.race([toOcrPng(binary), job.aborted]);
    slot.recognizing = true;
    try {
      const { text, confidence } = await Promise.race([engine.recognize(png), job.aborted]);
      return { ...summarise(text, confidence), ms: Date.now() - t };
    } finally {
      slot.recognizing = false;
    }
  }

  async function runJob(slot: Slot, job: Job): Promise<CardReading> {
    // A first read starts its worker (~0.5 s) while sharp decodes, instead of after. One start per
    // read: if the engine dies, the read is aborted anyway (crash, timeout, close).
    const engineReady = ensureEngine(slot);
    engineReady.catch(() => {});
    let grey: RawImage;
    try {
      grey = await Promise.race([toWorkingGrey(job.image), job.aborted]);
    } catch (err) {
      if (isAppError(err)) throw err;
      throw new AppError('UPLOAD.INVALID', 'image could not be decoded for OCR');
    }
    // The pixel loops below run on the main thread (10-60 ms each on 2 cores); yielding between them
    // keeps any one block of the event loop to a single loop.
    const prepare = async (degrees: number) => {
      const binary = await binarise(degrees === 0 ? grey : await rotateGrey(grey, degrees));
      await yieldToEventLoop();
      const map = findBlobs(binary);
      await yieldToEventLoop();
      return { binary, map };
    };
    const upright = await Promise.race([prepare(0), job.aborted]);

    // Straightened first when the text is clearly skewed, then upright in case the estimate was wrong;
    // blind retries at fixed angles only within the rotation budget.
    const skew = estimateSkew(upright.map);
    const planned =
      skew.degrees !== 0 && Math.abs(skew.degrees) >= MIN_SKEW_DEGREES && skew.gain >= MIN_SKEW_GAIN
        ? [-skew.degrees, 0]
        : [0];
    const blind = RETRY_ANGLES.filter((a) => planned.every((p) => Math.abs(p - a) > 3));

    let chosen: Attempt | null = null;
    let full = false;
    let suspicious = false;
    let lastAttemptMs = 0;
    let spentOnRetries = 0;
    for (const [i, degrees] of [...planned, ...blind].entries()) {
      const retry = i >= planned.length;
      // Predict with the last attempt's cost so the budget is a ceiling, not a starting line.
      if (retry && spentOnRetries + lastAttemptMs > job.rotationBudgetMs) break;
      const t = Date.now();
      const { binary, map } = degrees === 0 ? upright : await Promise.race([prepare(degrees), job.aborted]);
      const prepareMs = Date.now() - t;
      // Nothing text-like, nothing to read: no tesseract pass (blank card backs, plain photos).
      const attempt = map.blobs.some((b) => b.text)
        ? await recognizeOn(slot, job, engineReady, textOnly(binary, map))
        : { ...NOTHING_READ, ms: 0 };
      await yieldToEventLoop();
      lastAttemptMs = prepareMs + attempt.ms;
      if (retry) spentOnRetries += lastAttemptMs;
      full ||= attempt.full;
      suspicious ||= attempt.suspicious;
      chosen ??= attempt;
      if (cardLike(attempt)) {
        chosen = attempt;
        break;
      }
    }
    return {
      last4: chosen!.last4,
      fullNumberDetected: full,
      suspiciousDigitRun: suspicious,
      confidence: chosen!.confidence,
      ms: Date.now() - job.createdAt,
    };
  }

  function pump(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.job) continue;
      const job = queue.shift()!;
      slot.job = job;
      runJob(slot, job)
        .then(
          (reading) => job.resolve(reading),
          (err: unknown) => job.reject(err),
        )
        .finally(() => {
          slot.job = null;
          pump();
        });
    }
  }

  function read(image: Buffer, readOpts?: ReadOptions): Promise<CardReading> {
    if (closed) return Promise.reject(unavailable('closed', 'OCR pool is closed'));
    const busy = slots.filter((s) => s.job).length;
    if (busy === slots.length && queue.length >= opts.maxQueue) {
      return Promise.reject(
        unavailable('queue_full', 'OCR queue is full', {
          busy,
          queued: queue.length,
          maxQueue: opts.maxQueue,
        }),
      );
    }
    return new Promise<CardReading>((resolve, reject) => {
      let abortWith: (e: AppError) => void = () => {};
      const aborted = new Promise<never>((_, rej) => {
        abortWith = rej;
      });
      aborted.catch(() => {});
      const job: Job = {
        image,
        rotationBudgetMs: readOpts?.rotationBudgetMs ?? rotationBudgetMs,
        createdAt: Date.now(),
        timer: undefined,
        settled: false,
        resolve(r) {
          if (job.settled) return;
          job.settled = true;
          clearTimeout(job.timer);
          resolve(r);
        },
        reject(e) {
          if (job.settled) return;
          job.settled = true;
          clearTimeout(job.timer);
          reject(e);
        },
        aborted,
        abort(reason) {
          const err =
            reason === 'timeout'
              ? unavailable('timeout', 'OCR timed out', { timeoutMs: limit })
              : reason === 'worker_crashed'
                ? unavailable('worker_crashed', 'OCR worker crashed')
                : unavailable(reason, `OCR ${reason.replace('_', ' ')}`);
          const queuedAt = queue.indexOf(job);
          if (queuedAt >= 0) queue.splice(queuedAt, 1);
          const slot = slots.find((s) => s.job === job);
          // A recognition cannot be cancelled inside tesseract: the only way to get the CPU back
          // from one that outlived its deadline is to end the worker (a new one starts on demand).
          if (slot?.recognizing && reason !== 'worker_crashed') {
            if (reason === 'timeout') {
              log?.warn(
                { worker: slot.index, timeoutMs: limit },
                'OCR read timed out in recognition; worker replaced',
              );
            }
            killEngine(slot);
          }
          abortWith(err);
          job.reject(err);
        },
      };
      const limit = readOpts?.timeoutMs ?? timeoutMs;
      job.timer = setTimeout(() => job.abort('timeout'), limit);
      queue.push(job);
      pump();
    });
  }

  async function close(): Promise<void> {
    closed = true;
    for (const job of queue.splice(0)) job.abort('closed');
    for (const slot of slots) slot.job?.abort('closed');
    // A start still in flight terminates its own engine when it sees `closed` (see ensureEngine).
    await Promise.all(slots.map((s) => s.starting?.catch(() => null)));
    await Promise.all(
      slots.map(async (slot) => {
        const engine = slot.engine;
        slot.engine = null;
        await engine?.terminate().catch(() => {});
      }),
    );
  }

  return {
    read,
    close,
    stats: () => ({ busy: slots.filter((s) => s.job).length, queued: queue.length }),
  };
}
