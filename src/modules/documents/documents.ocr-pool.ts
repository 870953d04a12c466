// One OCR pool per process, created at its first use (or warmed at boot by the API) and closed at
// shutdown. The pool runs the line reader (PP-OCRv4 on ONNX Runtime) in OCR_WORKERS worker threads.
import sharp from 'sharp';
import type { Config } from '../../config.ts';
import type { Logger } from '../../platform/logger.ts';
import { createOcrPool, type OcrPool } from './ocr.ts';
import { lineReaderEngineFactory } from './ocr.engine.ts';

/**
 * Reads allowed to wait for a worker. Beyond it the upload of a card slot or statement is refused with
 * SERVICE.BUSY (503, Retry-After) and nothing is stored (documents.guard.ts).
 */
export const OCR_MAX_QUEUE = 8;
/** per read, queue wait included */
export const OCR_TIMEOUT_MS = 15_000;

let pool: OcrPool | null = null;
let secondPool: OcrPool | null = null;

/**
 * The tesseract.js pool, asked only when the line reader read a number-like line without a verdict
 * (CardReading.secondOpinion): dark print on light paper at angles the reader does not straighten.
 * One worker; started on demand.
 */
export function sharedSecondOcrPool(deps: {
  config: Pick<Config, 'OCR_ENABLED'>;
  logger: Logger;
}): OcrPool | null {
  if (!deps.config.OCR_ENABLED) return null;
  secondPool ??= createOcrPool({
    workers: 1,
    maxQueue: OCR_MAX_QUEUE,
    timeoutMs: OCR_TIMEOUT_MS,
    logger: deps.logger,
  });
  return secondPool;
}

/** The process's pool, or null when OCR is off (development and tests only: production refuses it). */
export function sharedOcrPool(deps: {
  config: Pick<Config, 'OCR_ENABLED' | 'OCR_WORKERS'>;
  logger: Logger;
}): OcrPool | null {
  if (!deps.config.OCR_ENABLED) return null;
  pool ??= createOcrPool({
    workers: deps.config.OCR_WORKERS,
    maxQueue: OCR_MAX_QUEUE,
    timeoutMs: OCR_TIMEOUT_MS,
    engineFactory: lineReaderEngineFactory(),
    logger: deps.logger,
  });
  return pool;
}

/**
 * Starts the OCR workers and runs one read on a small blank image, so the first upload does not pay
 * the model load (about 1 s): called at API start. Resolves false when OCR is off or the read failed
 * (logged; uploads then fail closed until a worker starts).
 */
export async function warmSharedOcrPool(deps: {
  config: Pick<Config, 'OCR_ENABLED' | 'OCR_WORKERS'>;
  logger: Logger;
}): Promise<boolean> {
  const p = sharedOcrPool(deps);
  if (!p) return false;
  const blank = await sharp({ create: { width: 64, height: 40, channels: 3, background: '#ffffff' } })
    .jpeg()
    .toBuffer();
  const started = Date.now();
  try {
    await Promise.all(Array.from({ length: deps.config.OCR_WORKERS }, () => p.read(blank)));
    deps.logger.info({ ms: Date.now() - started }, 'OCR warmed');
    return true;
  } catch (e) {
    deps.logger.warn(
      { reason: (e as { details?: { reason?: string } }).details?.reason },
      'OCR warm-up failed',
    );
    return false;
  }
}

/** Terminates the OCR workers (server shutdown, test teardown). */
export async function closeSharedOcrPool(): Promise<void> {
  const p = pool;
  const q = secondPool;
  pool = null;
  secondPool = null;
  await Promise.all([p?.close(), q?.close()]);
}
