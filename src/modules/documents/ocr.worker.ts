// The OCR worker thread: one PP-OCRv4 reader (ocr.paddle.ts), its passes (ocr.read.ts) and the text
// rules (ocr.analyse.ts). The image comes in, booleans and the last 4 go out; the text read never leaves
// this thread. A read that outlives its deadline is ended by terminating the whole thread (ocr.engine.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { LineAnalysis } from './ocr.analyse.ts';
import { createPaddleReader } from './ocr.paddle.ts';
import { readCardData } from './ocr.read.ts';

export interface WorkerRequest {
  id: number;
  image: Uint8Array;
  cardFront: boolean;
  cardBack: boolean;
}

export type WorkerReply =
  | ({ id: number; ok: true } & LineAnalysis)
  | { id: number; ok: false; error: 'decode' | 'internal' }
  | { id: -1; ok: true; ready: true };

const port = parentPort!;
const reader = await createPaddleReader({
  threads: (workerData as { threads?: number }).threads ?? 1,
  // set by lineReaderEngineFactory, which holds the default
  helper: (workerData as { helper: boolean }).helper,
});
port.postMessage({ id: -1, ok: true, ready: true } satisfies WorkerReply);

port.on('message', async (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const image = Buffer.from(req.image.buffer, req.image.byteOffset, req.image.byteLength);
    const result = await readCardData(reader, image, {
      cardFront: req.cardFront,
      cardBack: req.cardBack,
    });
    reply = { id: req.id, ok: true, ...result };
  } catch (e) {
    // sharp's decode errors say "Input buffer ..." / "unsupported image format"; never the pixels
    const decode = /input|unsupported|corrupt|premature|vips/i.test(e instanceof Error ? e.message : '');
    reply = { id: req.id, ok: false, error: decode ? 'decode' : 'internal' };
  }
  port.postMessage(reply);
});
