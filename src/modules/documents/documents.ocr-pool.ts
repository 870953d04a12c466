// One OCR pool per process, created at its first use (a process that never reads a card never starts
// tesseract) and closed at shutdown. The pool itself starts its workers on demand.
import type { Config } from '../../config.ts';
import type { Logger } from '../../platform/logger.ts';
import { createOcrPool, type OcrPool } from './ocr.ts';

/**
 * Reads allowed to wait for a worker. Beyond it an upload is not held up: the reading is skipped and
 * the document flagged OCR_UNAVAILABLE for the reviewer (documents.service.ts).
 */
export const OCR_MAX_QUEUE = 8;
/** per read, queue wait included */
export const OCR_TIMEOUT_MS = 15_000;

let pool: OcrPool | null = null;

/** The process's pool, or null when OCR is off. */
export function sharedOcrPool(deps: {
  config: Pick<Config, 'OCR_ENABLED' | 'OCR_WORKERS'>;
  logger: Logger;
}): OcrPool | null {
  if (!deps.config.OCR_ENABLED) return null;
  pool ??= createOcrPool({
    workers: deps.config.OCR_WORKERS,
    maxQueue: OCR_MAX_QUEUE,
    timeoutMs: OCR_TIMEOUT_MS,
    logger: deps.logger,
  });
  return pool;
}

/** Terminates the OCR workers (server shutdown, test teardown). */
export async function closeSharedOcrPool(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.close();
}
