// The recogniser half of the line reader (ocr.paddle.ts): a text line cut out, straightened and scaled
// to the PP-OCRv4 recogniser's 48 px input, the recogniser's run and its CTC decoding. A read's lines are
// shared between the reader's own thread and one helper thread holding a second recogniser session
// (ocr.rec-worker.ts), so a page of 30-60 lines uses two cores when the machine has them free: ONNX
// Runtime's intra-op threads do far worse on these small 48 px kernels (measured in docs/card-reading.md).
// The helper is a child of the OCR worker thread: the text it reads never reaches the main thread, and
// terminating the OCR worker (a read past its deadline) ends it too.
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import sharp from 'sharp';

export const REC_HEIGHT = 48;
const REC_MAX_WIDTH = 1600;
// Characters the digits-only decoding may choose from: digits, space and what masks are printed with.
const DIGIT_CHARS = '0123456789 *X•';

/** What the recogniser reads on one line. */
export interface LineText {
  /** the line as the full character set reads it */
  text: string;
  /** the same line decoded with digits, space and mask characters only (for number lines) */
  digits: string;
  /** mean probability of the decoded characters, 0-1 */
  conf: number;
}

/** A line ready for the recogniser: 3 x 48 x width floats in [-1, 1]. */
export interface PreparedLine {
  input: Float32Array;
  width: number;
}

export interface Tilt {
  degrees: number;
  length: number;
  thickness: number;
}

/**
 * Cuts a box out of a grey plane, straightens it when tilted (keeping the band it occupies: the
 * axis-aligned box holds more) and scales it to the recogniser's height.
 */
export async function prepareLine(
  grey: { data: Buffer; width: number; height: number },
  box: { x: number; y: number; w: number; h: number },
  tilt: Tilt | null,
): Promise<PreparedLine> {
  // the box's rows copied out here: the same pixels as sharp's extract, without a pipeline per line
  const cut = Buffer.allocUnsafe(box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    const from = (box.y + y) * grey.width + box.x;
    grey.data.copy(cut, y * box.w, from, from + box.w);
  }
  let line = { data: cut, info: { width: box.w, height: box.h } };
  if (tilt) {
    const rotated = await sharp(line.data, {
      raw: { width: line.info.width, height: line.info.height, channels: 1 },
    })
      .rotate(-tilt.degrees, { background: { r: 128, g: 128, b: 128 } })
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const bw = Math.min(rotated.info.width, Math.ceil(tilt.length));
    const bh = Math.min(rotated.info.height, Math.ceil(tilt.thickness));
    line = await sharp(rotated.data, {
      raw: { width: rotated.info.width, height: rotated.info.height, channels: 1 },
    })
      .extract({
        left: Math.floor((rotated.info.width - bw) / 2),
        top: Math.floor((rotated.info.height - bh) / 2),
        width: bw,
        height: bh,
      })
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
  }
  const lw = line.info.width;
  const lh = line.info.height;
  const width = Math.max(16, Math.min(REC_MAX_WIDTH, Math.round((lw * REC_HEIGHT) / lh)));
  const crop = await sharp(line.data, { raw: { width: lw, height: lh, channels: 1 } })
    .resize(width, REC_HEIGHT, { fit: 'fill' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const plane = width * REC_HEIGHT;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    const v = crop[i]! / 127.5 - 1;
    input[i] = v;
    input[plane + i] = v;
    input[2 * plane + i] = v;
  }
  return { input, width };
}

export interface Recogniser {
  recognise(line: PreparedLine): Promise<LineText>;
  release(): Promise<void>;
}

/** One recogniser session with its dictionary (class 0 is the CTC blank, 1..N the dictionary, N+1 space). */
export async function createRecogniser(dir: string, threads: number): Promise<Recogniser> {
  const rec = await ort.InferenceSession.create(path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx'), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const dictionary = ['', ...readFileSync(path.join(dir, 'ppocr_keys_v1.txt'), 'utf8').split('\n'), ' '];
  const digitClasses = [0, ...[...DIGIT_CHARS].map((c) => dictionary.indexOf(c)).filter((i) => i > 0)];
  return {
    async recognise({ input, width }) {
      const out = await rec.run({
        [rec.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, REC_HEIGHT, width]),
      });
      const tensor = out[rec.outputNames[0]!]!;
      const steps = tensor.dims[1]!;
      const classes = tensor.dims[2]!;
      const p = tensor.data as Float32Array;
      const full = ctcDecode(p, steps, classes, null, dictionary);
      const digits = ctcDecode(p, steps, classes, digitClasses, dictionary);
      return { text: full.text, digits: digits.text, conf: full.conf };
    },
    async release() {
      await rec.release();
    },
  };
}

/** Greedy CTC decoding, optionally restricted to `allowed` classes (0 = blank must be among them). */
export function ctcDecode(
  p: Float32Array,
  steps: number,
  classes: number,
  allowed: number[] | null,
  dictionary: string[],
): { text: string; conf: number } {
  let text = '';
  let sum = 0;
  let n = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    const row = t * classes;
    let best = 0;
    let bestP = Number.NEGATIVE_INFINITY;
    if (allowed) {
      for (const c of allowed) {
        const v = p[row + c]!;
        if (v > bestP) {
          bestP = v;
          best = c;
        }
      }
    } else {
      for (let c = 0; c < classes; c++) {
        const v = p[row + c]!;
        if (v > bestP) {
          bestP = v;
          best = c;
        }
      }
    }
    if (best !== 0 && best !== prev) {
      text += dictionary[best] ?? '';
      sum += bestP;
      n++;
    }
    prev = best;
  }
  return { text, conf: n > 0 ? sum / n : 0 };
}

/** A second recogniser in a child thread; lines go in, their text comes back. */
export interface RecHelper {
  recognise(line: PreparedLine): Promise<LineText>;
  close(): Promise<void>;
}

const BOOT = new URL('./ocr.worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./ocr.rec-worker.ts', import.meta.url).href;

export function startRecHelper(dir: string): Promise<RecHelper> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOT, {
      workerData: { entry: ENTRY, modelDir: dir },
      resourceLimits: { maxOldGenerationSizeMb: 256 },
      stdout: false,
      stderr: false,
    });
    let nextId = 1;
    let ready = false;
    let dead = false;
    const pending = new Map<number, { resolve(t: LineText): void; reject(e: unknown): void }>();
    const failAll = (why: string) => {
      for (const p of pending.values()) p.reject(new Error(`recogniser helper ${why}`));
      pending.clear();
    };
    worker.on('message', (m: { id: number; ok: boolean } & Partial<LineText>) => {
      if (m.id === -1) {
        ready = true;
        resolve(helper);
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve({ text: m.text ?? '', digits: m.digits ?? '', conf: m.conf ?? 0 });
      else p.reject(new Error('recogniser helper failed on a line'));
    });
    worker.on('error', (e) => {
      failAll('error');
      if (!ready) reject(new Error(`recogniser helper failed to start: ${e.name}`));
    });
    worker.on('exit', () => {
      dead = true;
      failAll('exit');
      if (!ready) reject(new Error('recogniser helper exited during start'));
    });
    const helper: RecHelper = {
      recognise(line) {
        if (dead) return Promise.reject(new Error('recogniser helper has exited'));
        return new Promise((res, rej) => {
          const id = nextId++;
          pending.set(id, { resolve: res, reject: rej });
          // copied (structured clone), not moved: the line stays readable here if the helper fails
          worker.postMessage({ id, input: line.input, width: line.width });
        });
      },
      async close() {
        dead = true;
        failAll('closed');
        await worker.terminate();
      },
    };
  });
}

/**
 * Recognises prepared lines on two lanes, the reader's own session and the helper's, each taking the
 * next line when it is free (the lines' widths vary 10x, so a fixed split leaves one lane idle). The
 * helper is kept two lines ahead: its next line is already queued while the own session, which blocks
 * this thread, is reading. Results come back in the lines' order. Without a helper, or for a line the
 * helper failed on, the own session reads.
 */
export async function recogniseAll(
  lines: Promise<PreparedLine>[],
  own: Recogniser,
  helper: RecHelper | null,
): Promise<{ texts: LineText[]; byHelper: number }> {
  const out: LineText[] = new Array(lines.length);
  let next = 0;
  let byHelper = 0;
  let helperOk = helper !== null;
  const lane = async (viaHelper: boolean) => {
    while (next < lines.length && (!viaHelper || helperOk)) {
      const i = next++;
      const line = await lines[i]!;
      if (!viaHelper || !helper) {
        out[i] = await own.recognise(line);
        continue;
      }
      try {
        out[i] = await helper.recognise(line);
        byHelper++;
      } catch {
        helperOk = false;
        out[i] = await own.recognise(line);
      }
    }
  };
  const lanes = [lane(false)];
  if (helper && lines.length > 1) lanes.push(lane(true), lane(true));
  await Promise.all(lanes);
  return { texts: out, byHelper };
}
