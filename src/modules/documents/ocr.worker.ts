// The OCR worker thread: one PP-OCRv4 reader (ocr.paddle.ts) and the text rules (ocr.analyse.ts). The
// image comes in, booleans and the last 4 go out; the text read never leaves this thread. A read that
// outlives its deadline is ended by terminating the whole thread (ocr.engine.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { normaliseDigits } from '../../platform/card-number.ts';
import { analyseLines, digitLike, type LineAnalysis } from './ocr.analyse.ts';
import { createPaddleReader, lineCrop, type OcrLine } from './ocr.paddle.ts';

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
const reader = await createPaddleReader({ threads: (workerData as { threads?: number }).threads ?? 1 });
port.postMessage({ id: -1, ok: true, ready: true } satisfies WorkerReply);

/** number lines looked at again per read (a card has one) */
const REREAD_LINES = 2;

/**
 * A card slot without a verdict: each number line (12+ digits) is read again from its own crop, scaled
 * 2x, then contrast-equalised. A thin OCR-A face on a textured photo loses or swaps digits when the line
 * is read inside the whole card at 960 px, and reads right from its crop. The same rules judge the new
 * reading, so it can only add a refusal the rules would make on any reading.
 */
async function rereadNumberLines(
  image: Buffer,
  lines: OcrLine[],
  opts: { cardFront: boolean; cardBack: boolean },
): Promise<LineAnalysis | null> {
  const numberLines = lines
    .filter((l) => digitLike(l.text) && (normaliseDigits(l.digits).match(/\d/g)?.length ?? 0) >= 12)
    .slice(0, REREAD_LINES);
  for (const line of numberLines) {
    for (const variant of ['scaled', 'equalised'] as const) {
      const again = analyseLines(await reader.readLines(await lineCrop(image, line, variant)), opts);
      if (again.full) return again;
    }
  }
  return null;
}

port.on('message', async (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const image = Buffer.from(req.image.buffer, req.image.byteOffset, req.image.byteLength);
    const opts = { cardFront: req.cardFront, cardBack: req.cardBack };
    const lines = await reader.readLines(image);
    let result = analyseLines(lines, opts);
    // Light print on dark plastic is usually read as it is; when a card front gave nothing card-like,
    // the negative is read too (both polarities).
    let invertedLines: OcrLine[] = [];
    if (req.cardFront && !result.full && !result.suspicious && result.last4 === null) {
      invertedLines = await reader.readLines(image, { invert: true });
      const inverted = analyseLines(invertedLines, opts);
      if (inverted.full || inverted.suspicious || inverted.last4 !== null) result = inverted;
    }
    if ((req.cardFront || req.cardBack) && !result.full && !result.cvv && result.last4 === null) {
      const again =
        (await rereadNumberLines(image, lines, opts)) ??
        (await rereadNumberLines(image, invertedLines, opts));
      if (again) result = { ...again, cues: result.cues };
    }
    reply = { id: req.id, ok: true, ...result };
  } catch (e) {
    // sharp's decode errors say "Input buffer ..." / "unsupported image format"; never the pixels
    const decode = /input|unsupported|corrupt|premature|vips/i.test(e instanceof Error ? e.message : '');
    reply = { id: req.id, ok: false, error: decode ? 'decode' : 'internal' };
  }
  port.postMessage(reply);
});
