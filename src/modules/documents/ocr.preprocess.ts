// Image preprocessing for the tesseract.js legacy engine (the second reader, for dark print on light
// paper): greyscale working copy, background-divided binarisation, text-like blob filtering and skew
// estimation. See /work/shared/notes/ocr-card-digits.md for why each setting is what it is.
import sharp from 'sharp';

// Uploads above 50 MP are refused by the intake before they get here; this is the backstop.
const MAX_INPUT_PIXELS = 50_000_000;

// ---------------------------------------------------------------------------------------------------
// Preprocessing
// ---------------------------------------------------------------------------------------------------

/** One byte per pixel, row by row. Greyscale 0-255, or binary: 0 = ink, 255 = paper. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
}

const WORK_WIDTH = 1600;
const BACKGROUND_SIGMA = 40;
const BORDER_PX = 40;

/** Auto-orient (a no-op on an already oriented image), greyscale, 1600 px wide. */
export async function toWorkingGrey(image: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .greyscale()
    .resize({ width: WORK_WIDTH })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Rotate clockwise by `degrees`; the uncovered corners become paper. */
export async function rotateGrey(img: RawImage, degrees: number): Promise<RawImage> {
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .rotate(degrees, { background: '#ffffff' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Divide by a heavily blurred copy to flatten lighting and background patterns, then threshold at
 * 0.6 of the local background.
 */
export async function binarise(img: RawImage): Promise<RawImage> {
  const { width, height, data } = img;
  const background = await sharp(data, { raw: { width, height, channels: 1 } })
    .blur(BACKGROUND_SIGMA)
    .raw()
    .toBuffer();
  // A plain loop (about 10 ms for 1600x1000) beats the same division as a sharp composite (about 100 ms).
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * 5 < background[i]! * 3 ? 0 : 255;
  return { data: out, width, height };
}

/** PNG with a white border and 300 dpi, which is what the legacy engine's size heuristics expect. */
export function toOcrPng(binary: RawImage): Promise<Buffer> {
  return sharp(binary.data, { raw: { width: binary.width, height: binary.height, channels: 1 } })
    .extend({ top: BORDER_PX, bottom: BORDER_PX, left: BORDER_PX, right: BORDER_PX, background: '#ffffff' })
    .withMetadata({ density: 300 })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** A connected patch of ink, in the half-resolution grid `findBlobs` works on. */
export interface Blob {
  cx: number;
  cy: number;
  w: number;
  h: number;
  /** character-sized, and lined up with at least two others of similar height */
  text: boolean;
}

export interface BlobMap {
  blobs: Blob[];
  /** per half-resolution cell: index into `blobs` + 1, or 0 for paper */
  labels: Int32Array;
  width: number;
  height: number;
}

// At 1600 px wide a card number that fills the frame is ~80 px tall; one in a corner of a photo ~15 px.
// In half-resolution cells: 6-125 tall, up to 6 characters wide when blur merges a group ("****").
const BLOB_MIN_H = 6;
const BLOB_MAX_H = 125;
const BLOB_MAX_W = 250;
const MAX_SKEW_DEGREES = 20;
const MAX_TEXT_CANDIDATES = 3000;

/**
 * Connected ink patches on a 2x2-cell grid (a cell is ink when any of its 4 pixels is), and which of
 * them look like characters on a line. Photos of anything but a card are full of texture that the
 * legacy engine tries, slowly, to read as letters: on the sharp fixture photos a pass took 2-12 s and
 * more, against 0.2-0.4 s for a card. Keeping only text-like blobs is what makes the time predictable.
 */
export function findBlobs(binary: RawImage): BlobMap {
  const W = binary.width >> 1;
  const H = binary.height >> 1;
  const src = binary.data;
  const stride = binary.width;
  const labels = new Int32Array(W * H);
  for (let y = 0; y < H; y++) {
    const r0 = 2 * y * stride;
    const r1 = r0 + stride;
    for (let x = 0; x < W; x++) {
      const i = 2 * x;
      const ink = src[r0 + i] === 0 || src[r0 + i + 1] === 0 || src[r1 + i] === 0 || src[r1 + i + 1] === 0;
      labels[y * W + x] = ink ? -1 : 0;
    }
  }
  const stack = new Int32Array(W * H);
  const blobs: Blob[] = [];
  for (let p = 0; p < labels.length; p++) {
    if (labels[p] !== -1) continue;
    const id = blobs.length + 1;
    let sp = 0;
    stack[sp++] = p;
    labels[p] = id;
    let n = 0;
    let sx = 0;
    let sy = 0;
    let x0 = W;
    let x1 = 0;
    let y0 = H;
    let y1 = 0;
    while (sp > 0) {
      const q = stack[--sp]!;
      const x = q % W;
      const y = (q - x) / W;
      n++;
      sx += x;
      sy += y;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (x > 0 && labels[q - 1] === -1) {
        labels[q - 1] = id;
        stack[sp++] = q - 1;
      }
      if (x < W - 1 && labels[q + 1] === -1) {
        labels[q + 1] = id;
        stack[sp++] = q + 1;
      }
      if (y > 0 && labels[q - W] === -1) {
        labels[q - W] = id;
        stack[sp++] = q - W;
      }
      if (y < H - 1 && labels[q + W] === -1) {
        labels[q + W] = id;
        stack[sp++] = q + W;
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    // Character-sized, not a long line or a big patch, and not a hollow outline (fill above 10%).
    const charSized =
      h >= BLOB_MIN_H &&
      h <= BLOB_MAX_H &&
      w >= 2 &&
      w <= BLOB_MAX_W &&
      w < 6 * h &&
      n >= 8 &&
      n > 0.1 * w * h;
    blobs.push({ cx: sx / n, cy: sy / n, w, h, text: charSized });
  }
  // A character has neighbours of about its height beside it, on a line tilted at most 20 degrees.
  const candidates = blobs.filter((b) => b.text);
  if (candidates.length > MAX_TEXT_CANDIDATES) {
    // Texture, not text: comparing every pair would cost more than the page is worth.
    for (const b of candidates) b.text = false;
  } else {
    const tan = Math.tan((MAX_SKEW_DEGREES * Math.PI) / 180);
    const neighbours = candidates.map((a) => {
      let count = 0;
      for (const b of candidates) {
        if (a === b || b.h < 0.6 * a.h || b.h > 1.6 * a.h) continue;
        const dx = Math.abs(b.cx - a.cx);
        if (dx <= 4 * a.h && Math.abs(b.cy - a.cy) <= 0.35 * a.h + dx * tan) count++;
      }
      return count;
    });
    candidates.forEach((b, i) => {
      b.text = neighbours[i]! >= 2;
    });
  }
  return { blobs, labels, width: W, height: H };
}

/** The binary image with every ink pixel that is not part of a text-like blob turned to paper. */
export function textOnly(binary: RawImage, map: BlobMap): RawImage {
  const out = Buffer.alloc(binary.data.length, 255);
  const { labels, blobs } = map;
  for (let y = 0; y < binary.height; y++) {
    const cellRow = Math.min(y >> 1, map.height - 1) * map.width;
    const row = y * binary.width;
    for (let x = 0; x < binary.width; x++) {
      if (binary.data[row + x] !== 0) continue;
      const label = labels[cellRow + Math.min(x >> 1, map.width - 1)]!;
      if (label > 0 && blobs[label - 1]!.text) out[row + x] = 0;
    }
  }
  return { data: out, width: binary.width, height: binary.height };
}

export interface SkewEstimate {
  /** clockwise rotation of the text lines, -20..20 in 0.5 steps; rotate by -degrees to straighten */
  degrees: number;
  /** how much better that angle lines the characters up than 0 degrees (1 = no better) */
  gain: number;
  /** text-like blobs the estimate rests on */
  blobs: number;
}

const SKEW_STEP = 0.5;

/**
 * Estimate the skew of the text from the text-like blobs: their centres lie on lines, so projected at
 * the right angle they pile up in few rows. Measured on the synthetic cards: exact to 0.5 degree at
 * 3, 8, 12 and 15 degrees in a few ms, where blind retries at fixed angles cost 0.3-0.7 s each (one
 * tesseract pass) and the upright pass on a 15-degree card alone took up to 7 s.
 */
export function estimateSkew(map: BlobMap): SkewEstimate {
  const text = map.blobs.filter((b) => b.text);
  const score = (deg: number) => {
    const a = (deg * Math.PI) / 180;
    const sin = Math.sin(a);
    const cos = Math.cos(a);
    const rows = new Map<number, number>();
    for (const b of text) {
      const r = Math.round((b.cy * cos - b.cx * sin) / 4);
      rows.set(r, (rows.get(r) ?? 0) + 1);
    }
    let sum = 0;
    for (const c of rows.values()) sum += c * c;
    return sum;
  };
  const upright = score(0);
  let degrees = 0;
  let best = upright;
  for (let d = -MAX_SKEW_DEGREES; d <= MAX_SKEW_DEGREES; d += SKEW_STEP) {
    const s = score(d);
    if (s > best) {
      best = s;
      degrees = d;
    }
  }
  return { degrees, gain: upright > 0 ? best / upright : 1, blobs: text.length };
}
