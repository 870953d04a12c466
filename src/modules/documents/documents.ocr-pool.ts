// The OCR pools of a process: made by createDocumentPools (documents.pools.ts) into deps.pools, each
// at its first use (the API warms the line reader at boot), closed by runtime.close(). The line reader
// (PP-OCRv4 on ONNX Runtime) runs in OCR_WORKERS worker threads, each with a recogniser helper thread
// unless OCR_LINE_HELPER=false.
import sharp from 'sharp';
import type { Config } from '../../config.ts';
import type { Deps } from '../../platform/deps.ts';
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

type OcrConfig = Pick<Config, 'OCR_ENABLED' | 'OCR_WORKERS' | 'OCR_LINE_HELPER'>;

/** The line reader in OCR_WORKERS threads, or null when OCR is off (development and tests only). */
export function createLineReaderPool(config: OcrConfig, logger: Logger): OcrPool | null {
  if (!config.OCR_ENABLED) return null;
  return createOcrPool({
    workers: config.OCR_WORKERS,
    maxQueue: OCR_MAX_QUEUE,
    timeoutMs: OCR_TIMEOUT_MS,
    engineFactory: lineReaderEngineFactory({ helper: config.OCR_LINE_HELPER }),
    logger,
  });
}

/**
 * The tesseract.js pool, asked only when the line reader read a number-like line without a verdict
 * (CardReading.secondOpinion): dark print on light paper at angles the reader does not straighten.
 * One worker; started on demand. Null when OCR is off.
 */
export function createSecondReaderPool(config: OcrConfig, logger: Logger): OcrPool | null {
  if (!config.OCR_ENABLED) return null;
  return createOcrPool({ workers: 1, maxQueue: OCR_MAX_QUEUE, timeoutMs: OCR_TIMEOUT_MS, logger });
}

/** The process's line reader (deps.pools, built by createDocumentPools), or null when OCR is off. */
export function ocrPoolOf(deps: Pick<Deps, 'pools'>): OcrPool | null {
  return deps.pools.ocr() as OcrPool | null;
}

/** The process's second-opinion reader, or null when OCR is off. */
export function secondOcrPoolOf(deps: Pick<Deps, 'pools'>): OcrPool | null {
  return deps.pools.secondOcr() as OcrPool | null;
}

/**
 * Starts the OCR workers and runs one read on a small blank image, so the first upload does not pay
 * the model load (about 1 s): called at API start. Resolves false when OCR is off or the read failed
 * (logged; uploads then fail closed until a worker starts).
 */
export async function warmOcrPool(
  deps: Pick<Deps, 'pools' | 'logger'> & { config: OcrConfig },
): Promise<boolean> {
  const p = ocrPoolOf(deps);
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
