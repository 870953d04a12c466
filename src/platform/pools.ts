// The thread pools of a process: the upload checker's (intake) and the OCR readers. The runtime holds
// one set per process (buildRuntime, from the factory its composition root hands in: the pools' code is
// in the documents module, which platform does not import), each pool created at its first use (the API
// warms them at start) and closed by runtime.close().
import type { TaskPool } from './task-pool.ts';

/** What the platform knows of an OCR pool; the documents module's OcrPool (ocr.types.ts) is one. */
export interface OcrReaderPool {
  read(image: Buffer, opts?: object): Promise<unknown>;
  stats(): { busy: number; queued: number };
  close(): Promise<void>;
}

export interface ProcessPools {
  /** the upload checker's worker threads (documents.intake-pool.ts) */
  intake(): TaskPool;
  /** the line reader (documents.ocr-pool.ts); null when OCR_ENABLED=false */
  ocr(): OcrReaderPool | null;
  /** the second-opinion reader (tesseract.js, one worker); null when OCR_ENABLED=false */
  secondOcr(): OcrReaderPool | null;
  /** closes the pools created so far; a later call creates a new one */
  close(): Promise<void>;
}
