// The tesseract.js engine of the OCR pool: a legacy-engine worker with the parameters that read masked
// numbers, and the language-data check that keeps tesseract.js from killing the process.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Worker as NodeWorker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import Tesseract from 'tesseract.js';
import type { OcrEngineFactory } from './ocr.ts';

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
