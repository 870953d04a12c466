// Offline reading of card digits: a small pool of OCR engines behind a bounded queue. Two kinds of engine:
// the line reader (PP-OCRv4 on ONNX Runtime in a worker thread, ocr.engine.ts; what the intake uses) and
// the tesseract.js legacy engine (ocr.tesseract.ts with the preprocessing of ocr.preprocess.ts; kept as
// the pool's default for callers that pass no factory). docs/card-reading.md compares them.
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
import { AppError, isAppError } from '../../platform/errors.ts';
import { containsFullCardNumber, containsSuspiciousDigitRun, readLast4 } from '../../platform/card-number.ts';
import {
  binarise,
  estimateSkew,
  findBlobs,
  type RawImage,
  rotateGrey,
  textOnly,
  toOcrPng,
  toWorkingGrey,
} from './ocr.preprocess.ts';
import { defaultLangPath, tesseractEngineFactory } from './ocr.tesseract.ts';

export * from './ocr.preprocess.ts';
export { defaultLangPath, hasLegacyModel, tesseractEngineFactory } from './ocr.tesseract.ts';

import type {
  CardReading,
  EngineAnalysis,
  OcrEngine,
  OcrPool,
  OcrPoolOptions,
  OcrUnavailableReason,
  ReadOptions,
} from './ocr.types.ts';

export type * from './ocr.types.ts';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_ROTATION_BUDGET_MS = 0;
const DEFAULT_START_TIMEOUT_MS = 30_000;
const RETRY_ANGLES = [180, 90, -90, -8, 8, -15, 15];
// Below 2 degrees the legacy engine reads as well as straightened; a gain under 1.5 means the blobs
// do not line up better at any angle (no text, or text in several directions).
const MIN_SKEW_DEGREES = 2;
const MIN_SKEW_GAIN = 1.5;
// ---------------------------------------------------------------------------------------------------
// The pool
// ---------------------------------------------------------------------------------------------------

interface Job {
  image: Buffer;
  rotationBudgetMs: number;
  cardFront: boolean;
  cardBack: boolean;
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
  const lineReader = factory.lineReader === true;
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

  /** A line reader decodes, reads and applies the text rules in its own thread: one call per read. */
  async function runOnLineReader(
    slot: Slot,
    job: Job,
    engineReady: Promise<OcrEngine>,
  ): Promise<CardReading> {
    const engine = await Promise.race([engineReady, job.aborted]);
    if (!engine.analyse)
      throw new Error('the engine factory is marked as a line reader but has no analyse()');
    slot.recognizing = true;
    let a: EngineAnalysis;
    try {
      a = await Promise.race([
        engine.analyse(job.image, { cardFront: job.cardFront, cardBack: job.cardBack }),
        job.aborted,
      ]);
    } finally {
      slot.recognizing = false;
    }
    return {
      last4: a.last4,
      fullNumberDetected: a.full,
      suspiciousDigitRun: a.suspicious,
      confidence: a.confidence,
      ms: Date.now() - job.createdAt,
      ...(job.cardBack ? { cvvVisible: a.cvv } : {}),
      ...(a.uncertain ? { secondOpinion: true } : {}),
      ...(a.cues ? { cues: a.cues } : {}),
    };
  }

  async function runJob(slot: Slot, job: Job): Promise<CardReading> {
    // A first read starts its worker (~0.5 s) while sharp decodes, instead of after. One start per
    // read: if the engine dies, the read is aborted anyway (crash, timeout, close).
    const engineReady = ensureEngine(slot);
    engineReady.catch(() => {});
    if (lineReader) return runOnLineReader(slot, job, engineReady);
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
        cardFront: readOpts?.cardFront === true,
        cardBack: readOpts?.cardBack === true,
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
