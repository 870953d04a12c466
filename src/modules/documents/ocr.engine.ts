// The line reader as an OcrEngine: one worker thread per engine (ocr.worker.ts), holding the PP-OCRv4
// models. The pool's timeout, crash and close handling apply as to any engine: terminate() ends the
// thread, which is also how a read stuck past its deadline gets its CPU back.
import { Worker } from 'node:worker_threads';
import { AppError } from '../../platform/errors.ts';
import type { EngineAnalysis, OcrEngine, OcrEngineFactory } from './ocr.ts';
import type { WorkerReply, WorkerRequest } from './ocr.worker.ts';

const BOOT = new URL('./ocr.worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./ocr.worker.ts', import.meta.url).href;

/**
 * Per worker thread: ONNX Runtime's intra-op threads (1 = one core per OCR worker) and whether a
 * recogniser helper thread shares each read's lines (default yes; ocr.recogniser.ts).
 */
export function lineReaderEngineFactory(opts: { threads?: number; helper?: boolean } = {}): OcrEngineFactory {
  const factory: OcrEngineFactory = (onCrash) =>
    new Promise<OcrEngine>((resolve, reject) => {
      const worker = new Worker(BOOT, {
        workerData: { entry: ENTRY, threads: opts.threads ?? 1, helper: opts.helper ?? true },
        // the models need ~200 MB; a runaway read is stopped by the heap limit as well as the timeout
        resourceLimits: { maxOldGenerationSizeMb: 512 },
        stdout: false,
        stderr: false,
      });
      let ready = false;
      let terminating = false;
      let nextId = 1;
      const pending = new Map<number, { resolve(a: EngineAnalysis): void; reject(e: unknown): void }>();
      const failAll = (why: string) => {
        for (const p of pending.values()) p.reject(new Error(`OCR worker ${why}`));
        pending.clear();
      };
      worker.on('message', (m: WorkerReply) => {
        if (m.id === -1) {
          ready = true;
          resolve(engine);
          return;
        }
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.ok) {
          const { last4, full, suspicious, cvv, uncertain, confidence, cues } = m as Extract<
            WorkerReply,
            { last4: unknown }
          >;
          p.resolve({ last4, full, suspicious, cvv, uncertain, confidence, cues });
        } else if ((m as { error: string }).error === 'decode') {
          p.reject(new AppError('UPLOAD.INVALID', 'image could not be decoded for OCR'));
        } else p.reject(new Error('OCR worker failed on an image'));
      });
      worker.on('error', (e) => {
        failAll('error');
        if (!ready) reject(new Error(`OCR worker failed to start: ${e.name}`));
        else onCrash('error');
      });
      worker.on('exit', () => {
        failAll('exit');
        if (!ready) reject(new Error('OCR worker exited during start'));
        else if (!terminating) onCrash('exit');
      });
      const engine: OcrEngine = {
        async recognize() {
          throw new Error('the line reader reads through analyse()');
        },
        analyse(image, flags) {
          return new Promise<EngineAnalysis>((res, rej) => {
            const id = nextId++;
            pending.set(id, { resolve: res, reject: rej });
            // a copy: the caller's buffer stays usable, the copy is moved to the thread
            const copy = new Uint8Array(image);
            const req: WorkerRequest = { id, image: copy, ...flags };
            worker.postMessage(req, [copy.buffer]);
          });
        },
        async terminate() {
          terminating = true;
          failAll('terminated');
          await worker.terminate();
        },
      };
    });
  factory.lineReader = true;
  return factory;
}
