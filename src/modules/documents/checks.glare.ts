// Glare as specular highlights, not white paper (issue 12 point 5). A reflection of a lamp or of the sky on a
// laminated card is a blown-out blob that is much brighter than the document around it; the white of a
// passport page or a bank letter is blown out too, but it is the document's own background: it is large
// (it surrounds the print) and what borders it is more paper. So blown-out pixels are grouped into blobs on
// a grid of GLARE_CELL px cells, and a blob counts as glare when
// - it covers at most GLARE_MAX_BLOB_SHARE of the document region (larger is the document's own white), and
// - the ring of cells around it (GLARE_RING_CELLS deep) is at least GLARE_MIN_HALO_DROP luma levels darker
//   than the blob: a strong luminance step from the highlight down to the document.
// The glare share is the blown-out pixels of such blobs over the region's pixels. Pure; no I/O.
import type { RowSpans } from './checks.region.ts';

/** Cell size (px at the measuring size) of the blob grid: bridges thin print such as text strokes. */
export const GLARE_CELL = 8;
const GLARE_SHIFT = 3; // log2(GLARE_CELL)
/** A cell is blown out when at least half of its pixels inside the region are. */
const BLOWN_CELL_SHARE = 0.5;
/** Blobs larger than this share of the region are the document's own white, not a reflection. */
export const GLARE_MAX_BLOB_SHARE = 0.5;
/** Depth (cells) of the ring around a blob whose brightness is compared with the blob's. */
export const GLARE_RING_CELLS = 4;
/** A highlight is at least this many luma levels brighter than the ring around it. */
export const GLARE_MIN_HALO_DROP = 15;
/** ...and featureless: at least this share of its core is blown out (print on white paper is not). */
export const GLARE_MIN_FILL = 0.97;

export interface GlareMeasurement {
  /** blown-out pixels in specular blobs over the region's pixels (0-1) */
  specularShare: number;
  /** blown-out pixels of any kind over the region's pixels (0-1): the former whole-frame measure */
  blownOutShare: number;
  /** number of blobs that counted as specular */
  highlights: number;
}

/** Specular glare of a luma plane inside `spans`; `blownOutLevel` is the clipped luma level. */
export function specularGlare(
  grey: Uint8Array,
  width: number,
  height: number,
  spans: RowSpans,
  blownOutLevel: number,
): GlareMeasurement {
  const cols = Math.ceil(width / GLARE_CELL);
  const rows = Math.ceil(height / GLARE_CELL);
  const cells = cols * rows;
  const inside = new Int32Array(cells);
  const blown = new Int32Array(cells);
  const luma = new Float64Array(cells);
  let blownTotal = 0;
  for (let y = 0; y < height; y += 1) {
    const s = spans.start[y]!;
    const e = spans.end[y]!;
    if (e <= s) continue;
    const rowBase = Math.floor(y / GLARE_CELL) * cols;
    let i = y * width + s;
    for (let x = s; x < e; x += 1, i += 1) {
      const c = rowBase + (x >> GLARE_SHIFT);
      const l = grey[i]!;
      inside[c] = inside[c]! + 1;
      luma[c] = luma[c]! + l;
      if (l >= blownOutLevel) blown[c] = blown[c]! + 1;
    }
  }
  for (let c = 0; c < cells; c += 1) blownTotal += blown[c]!;
  const region = spans.pixels;
  if (region === 0 || blownTotal === 0) return { specularShare: 0, blownOutShare: 0, highlights: 0 };

  // 1 = blown cell, 0 = ordinary cell inside the region, -1 = (mostly) outside the region
  const minInside = (GLARE_CELL * GLARE_CELL) / 4;
  const state = new Int8Array(cells);
  for (let c = 0; c < cells; c += 1) {
    if (inside[c]! < minInside) state[c] = -1;
    else state[c] = blown[c]! >= BLOWN_CELL_SHARE * inside[c]! ? 1 : 0;
  }
  // blobs: 4-connected components of blown cells
  const label = new Int32Array(cells).fill(-1);
  const stack = new Int32Array(cells);
  const blobPixels: number[] = [];
  const blobBlown: number[] = [];
  const blobLuma: number[] = [];
  const blobFill: number[] = [];
  for (let c0 = 0; c0 < cells; c0 += 1) {
    if (state[c0] !== 1 || label[c0] !== -1) continue;
    const id = blobPixels.length;
    let top = 0;
    stack[top++] = c0;
    label[c0] = id;
    let px = 0;
    let bl = 0;
    let lu = 0;
    let corePx = 0;
    let coreBlown = 0;
    while (top > 0) {
      const c = stack[--top]!;
      px += inside[c]!;
      bl += blown[c]!;
      lu += luma[c]!;
      const x = c % cols;
      const neighbours = [x > 0 ? c - 1 : -1, x < cols - 1 ? c + 1 : -1, c - cols, c + cols];
      // the blob's core (cells whose four neighbours are blown too) tells a featureless highlight from
      // paper, whose blown cells are crossed by print
      if (neighbours.every((n) => n >= 0 && n < cells && state[n] === 1)) {
        corePx += inside[c]!;
        coreBlown += blown[c]!;
      }
      for (const n of neighbours) {
        if (n < 0 || n >= cells || state[n] !== 1 || label[n] !== -1) continue;
        label[n] = id;
        stack[top++] = n;
      }
    }
    blobPixels.push(px);
    blobBlown.push(bl);
    blobLuma.push(lu);
    blobFill.push(corePx > 0 ? coreBlown / corePx : bl / px);
  }
  // rings: breadth-first from every blob over ordinary cells, each ring cell going to the nearest blob
  const ringLuma = new Float64Array(blobPixels.length);
  const ringPixels = new Float64Array(blobPixels.length);
  const depth = new Int32Array(cells).fill(-1);
  const queue = new Int32Array(cells); // each cell is queued at most once
  let head = 0;
  let tail = 0;
  for (let c = 0; c < cells; c += 1) {
    if (state[c] === 1) {
      depth[c] = 0;
      queue[tail++] = c;
    }
  }
  while (head < tail) {
    const c = queue[head++]!;
    if (depth[c]! >= GLARE_RING_CELLS) continue;
    const x = c % cols;
    const neighbours = [x > 0 ? c - 1 : -1, x < cols - 1 ? c + 1 : -1, c - cols, c + cols];
    for (const n of neighbours) {
      if (n < 0 || n >= cells || state[n] !== 0 || depth[n] !== -1) continue;
      depth[n] = depth[c]! + 1;
      label[n] = label[c]!;
      ringLuma[label[n]!] = ringLuma[label[n]!]! + luma[n]!;
      ringPixels[label[n]!] = ringPixels[label[n]!]! + inside[n]!;
      queue[tail++] = n;
    }
  }
  let specular = 0;
  let highlights = 0;
  for (let b = 0; b < blobPixels.length; b += 1) {
    const drop = blobLuma[b]! / blobPixels[b]! - ringLuma[b]! / ringPixels[b]!;
    if (blobPixels[b]! > GLARE_MAX_BLOB_SHARE * region || ringPixels[b]! === 0) continue;
    if (drop < GLARE_MIN_HALO_DROP || blobFill[b]! < GLARE_MIN_FILL) continue;
    specular += blobBlown[b]!;
    highlights += 1;
  }
  return { specularShare: specular / region, blownOutShare: blownTotal / region, highlights };
}
