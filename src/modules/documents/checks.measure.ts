// The checker's pixel statistics, measured on the normalised copy (long side NORMALISED_LONG_SIDE): luminance
// mean, spread and shadow level, the document region (checks.region.ts), and on that region colourfulness,
// specular glare (checks.glare.ts) and the Laplacian variance; plus the difference hash of the whole frame.
// Pure functions on typed arrays; checks.sharp.ts decodes, checks.quality.ts decides. Exported for the
// calibration script and the tests.
import { specularGlare } from './checks.glare.ts';
import type { ImageMeasurements } from './checks.quality.ts';
import {
  type DocumentRegion,
  findDocumentRegion,
  fullSpans,
  polygonSpans,
  type RowSpans,
  scaleQuad,
} from './checks.region.ts';

export interface RawMeasurements extends ImageMeasurements {
  /** 64-bit difference hash, 16 hex characters */
  dHash: string;
}

/** Colourfulness is measured on the image averaged down to about this many cells on the long side. */
export const COLOUR_GRID_LONG_SIDE = 64;

/** A plain Uint8Array view: one element type keeps the hot loops below monomorphic. */
export function u8(a: Uint8Array): Uint8Array {
  return a.constructor === Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Exclusive end index of each of `cells` equal ranges over [0, length). */
function cellEnds(length: number, cells: number): Uint32Array {
  const ends = new Uint32Array(cells);
  for (let c = 0; c < cells; c += 1) ends[c] = Math.floor(((c + 1) * length) / cells);
  return ends;
}

/** The document region is shrunk by this share towards its centre for colour and glare (its rim and any
 * background the outline did not quite exclude stay out), and grown by SHARPNESS_GROW for sharpness, so that
 * the document's own edges count. */
export const REGION_SHRINK = 0.04;
export const SHARPNESS_GROW = 0.02;
/** The exposure rule's shadow level is this percentile of the frame's luma. */
export const SHADOW_PERCENTILE = 0.02;

/**
 * Pixel statistics of an 8-bit image (1 or 3+ interleaved channels; only the first three are read). On the
 * whole frame: luminance mean, standard deviation and shadow level (exposure), and a 9x8 difference hash.
 * On the document region (findDocumentRegion; the whole frame when none is found): colourfulness, specular
 * glare and the variance of the 4-neighbour Laplacian of the luminance. Pure; exported for calibration.
 */
export function measureRaw(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  blownOutLevel: number,
): RawMeasurements {
  const px = u8(data);
  const n = width * height;
  const grid = new RegionGrid(width, height);
  const hist = new Int32Array(256);
  let grey: Uint8Array;
  if (channels === 1) {
    grey = px;
    grid.addGrey(px, hist);
  } else {
    grey = new Uint8Array(n);
    grid.addColour(px, channels, grey, hist);
  }
  let sum = 0;
  let sumSq = 0;
  let shadow = -1;
  let seen = 0;
  for (let v = 0; v < 256; v += 1) {
    const k = hist[v]!;
    sum += k * v;
    sumSq += k * v * v;
    seen += k;
    if (shadow < 0 && seen > SHADOW_PERCENTILE * n) shadow = v;
  }
  const mean = n === 0 ? 0 : sum / n;
  const variance = n === 0 ? 0 : Math.max(0, sumSq / n - mean * mean);

  const region = findDocumentRegion(grey, width, height);
  const inner = region.found
    ? polygonSpans(scaleQuad(region.quad, -REGION_SHRINK), width, height)
    : fullSpans(width, height);
  const outer = region.found
    ? polygonSpans(scaleQuad(region.quad, SHARPNESS_GROW), width, height)
    : fullSpans(width, height);
  const colour =
    channels === 1
      ? { balanced: 0, uncorrected: 0 }
      : regionColourfulness(px, channels, width, height, inner);
  const glare = specularGlare(grey, width, height, inner, blownOutLevel);
  return {
    laplacianVariance: laplacianVariance(grey, width, height, outer),
    meanLuminance: mean,
    contrast: Math.sqrt(variance),
    shadowLevel: Math.max(0, shadow),
    blownOutShare: glare.blownOutShare,
    specularShare: glare.specularShare,
    colourfulness: colour.balanced,
    uncorrectedColourfulness: colour.uncorrected,
    frameUncorrectedColourfulness: channels === 1 ? 0 : grid.colourfulness().uncorrected,
    region: regionSummary(region),
    dHash: grid.dHash() ?? dHash(grey, width, height),
  };
}

function regionSummary(r: DocumentRegion): ImageMeasurements['region'] {
  const round2 = (v: number) => Math.round(v * 100) / 100;
  return r.found
    ? { found: true, areaShare: round2(r.areaShare), coverage: round2(r.coverage) }
    : { found: false, areaShare: 1, coverage: 0 };
}

/** Colourfulness of the region grid's cells that lie at least a quarter inside `spans`. */
function regionColourfulness(
  px: Uint8Array,
  channels: number,
  width: number,
  height: number,
  spans: RowSpans,
): Colourfulness {
  const grid = new RegionGrid(width, height);
  grid.addColourSpans(px, channels, spans);
  return grid.colourfulness(0.25);
}

/**
 * Channel means over a grid of about COLOUR_GRID_LONG_SIDE cells on the long side, filled in the same pass
 * that computes the luma plane. Colourfulness and the difference hash are computed from the cells.
 */
class RegionGrid {
  readonly cols: number;
  readonly rows: number;
  readonly r: Float64Array;
  readonly g: Float64Array;
  readonly b: Float64Array;
  readonly count: Float64Array;
  private readonly xEnds: Uint32Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const long = Math.max(width, height, 1);
    this.cols = Math.max(1, Math.round((COLOUR_GRID_LONG_SIDE * width) / long));
    this.rows = Math.max(1, Math.round((COLOUR_GRID_LONG_SIDE * height) / long));
    const cells = this.cols * this.rows;
    this.r = new Float64Array(cells);
    this.g = new Float64Array(cells);
    this.b = new Float64Array(cells);
    this.count = new Float64Array(cells);
    this.xEnds = cellEnds(width, this.cols);
  }

  private rowBase(y: number): number {
    return Math.min(this.rows - 1, Math.floor((y * this.rows) / this.height)) * this.cols;
  }

  /** Interleaved RGB(A): fills the luma plane and its histogram, and the grid's channel sums. */
  addColour(px: Uint8Array, channels: number, grey: Uint8Array, hist: Int32Array): void {
    const { r, g, b, count, xEnds, cols, width } = this;
    for (let y = 0; y < this.height; y += 1) {
      const base = this.rowBase(y);
      let i = y * width;
      let j = i * channels;
      for (let c = 0; c < cols; c += 1) {
        const xEnd = y * width + xEnds[c]!;
        const start = i;
        let rs = 0;
        let gs = 0;
        let bs = 0;
        for (; i < xEnd; i += 1, j += channels) {
          const R = px[j]! | 0;
          const G = px[j + 1]! | 0;
          const B = px[j + 2]! | 0;
          rs = (rs + R) | 0;
          gs = (gs + G) | 0;
          bs = (bs + B) | 0;
          const l = (77 * R + 150 * G + 29 * B + 128) >> 8;
          grey[i] = l;
          hist[l] = (hist[l]! + 1) | 0;
        }
        r[base + c] = r[base + c]! + rs;
        g[base + c] = g[base + c]! + gs;
        b[base + c] = b[base + c]! + bs;
        count[base + c] = count[base + c]! + (xEnd - start);
      }
    }
  }

  /** A single luma plane: histogram and grid sums (all three channels equal). */
  addGrey(px: Uint8Array, hist: Int32Array): void {
    const { r, g, b, count, xEnds, cols, width } = this;
    for (let y = 0; y < this.height; y += 1) {
      const base = this.rowBase(y);
      let i = y * width;
      for (let c = 0; c < cols; c += 1) {
        const xEnd = y * width + xEnds[c]!;
        const start = i;
        let s = 0;
        for (; i < xEnd; i += 1) {
          const l = px[i]! | 0;
          s = (s + l) | 0;
          hist[l] = (hist[l]! + 1) | 0;
        }
        r[base + c] = r[base + c]! + s;
        g[base + c] = g[base + c]! + s;
        b[base + c] = b[base + c]! + s;
        count[base + c] = count[base + c]! + (xEnd - start);
      }
    }
  }

  /** Channel sums of the pixels inside `spans` only (no luma plane, no histogram). */
  addColourSpans(px: Uint8Array, channels: number, spans: RowSpans): void {
    const { r, g, b, count, width } = this;
    const cellOf = new Uint16Array(width);
    for (let x = 0; x < width; x += 1)
      cellOf[x] = Math.min(this.cols - 1, Math.floor((x * this.cols) / width));
    for (let y = 0; y < this.height; y += 1) {
      const s = spans.start[y]!;
      const e = spans.end[y]!;
      if (e <= s) continue;
      const base = this.rowBase(y);
      let j = (y * width + s) * channels;
      for (let x = s; x < e; x += 1, j += channels) {
        const c = base + cellOf[x]!;
        r[c] = r[c]! + px[j]!;
        g[c] = g[c]! + px[j + 1]!;
        b[c] = b[c]! + px[j + 2]!;
        count[c] = count[c]! + 1;
      }
    }
  }

  /**
   * Colourfulness of the cells; with `minShare`, cells holding fewer pixels than that share of a full cell
   * (the rim of a region) are left out, and so are empty cells.
   */
  colourfulness(minShare = 0): Colourfulness {
    const { r, g, b } = this;
    const full = (this.width * this.height) / (this.cols * this.rows);
    const count = this.count.map((k) => (k < Math.max(1, minShare * full) ? 0 : k));
    const mr = new Float64Array(r.length);
    const mg = new Float64Array(r.length);
    const mb = new Float64Array(r.length);
    let rAll = 0;
    let gAll = 0;
    let bAll = 0;
    for (let c = 0; c < r.length; c += 1) {
      const k = count[c]!;
      if (k === 0) continue;
      mr[c] = r[c]! / k;
      mg[c] = g[c]! / k;
      mb[c] = b[c]! / k;
      rAll += mr[c]!;
      gAll += mg[c]!;
      bAll += mb[c]!;
    }
    const grey = (rAll + gAll + bAll) / 3;
    const gain = (total: number) =>
      total <= 0 ? 1 : Math.min(MAX_GAIN, Math.max(1 / MAX_GAIN, grey / total));
    return {
      balanced: hasler(mr, mg, mb, count, gain(rAll), gain(gAll), gain(bAll)),
      uncorrected: hasler(mr, mg, mb, count, 1, 1, 1),
    };
  }

  /** 9 x 8 difference hash from the grid cells; null when the grid is too coarse for it. */
  dHash(): string | null {
    const cols = 9;
    const rows = 8;
    if (this.cols < cols || this.rows < rows) return null;
    const sums = new Float64Array(cols * rows);
    const counts = new Float64Array(cols * rows);
    for (let gy = 0; gy < this.rows; gy += 1) {
      const hy = Math.floor((gy * rows) / this.rows);
      for (let gx = 0; gx < this.cols; gx += 1) {
        const cell = gy * this.cols + gx;
        const k = this.count[cell]!;
        const luma = (77 * this.r[cell]! + 150 * this.g[cell]! + 29 * this.b[cell]!) / 256;
        const h = hy * cols + Math.floor((gx * cols) / this.cols);
        sums[h] = sums[h]! + luma;
        counts[h] = counts[h]! + k;
      }
    }
    return hashFromCells(sums, counts, cols, rows);
  }
}

function hashFromCells(sums: Float64Array, counts: Float64Array, cols: number, rows: number): string {
  let hex = '';
  for (let r = 0; r < rows; r += 1) {
    let byte = 0;
    for (let c = 0; c < cols - 1; c += 1) {
      const i = r * cols + c;
      const left = sums[i]! / Math.max(1, counts[i]!);
      const right = sums[i + 1]! / Math.max(1, counts[i + 1]!);
      byte = (byte << 1) | (left > right ? 1 : 0);
    }
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

export interface Colourfulness {
  /** Hasler-Suesstrunk colourfulness of the cells after grey-world white balance */
  balanced: number;
  /** the same without white balance; 0 when every cell is neutral grey */
  uncorrected: number;
}

/** Grey-world gains are clamped: a nearly empty channel must not be blown up into colour. */
const MAX_GAIN = 2.5;

/**
 * Hasler and Suesstrunk's colourfulness (2003): spread plus 0.3 x mean of the opponent channels R-G and
 * (R+G)/2-B, measured on cells of about 1/64 of the long side, because colour is a property of regions:
 * pixel-level colour (sensor noise on a black-and-white copy, or the alternating green and magenta rows
 * of gamma_dalai_lama_gray.jpg, which the eye sees as grey) must not count. `balanced` first applies a
 * grey-world white balance, so a black-and-white copy photographed under warm or blue light (every pixel
 * the same hue, chroma proportional to brightness) measures as grey as it is.
 */
export function colourfulness(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
): Colourfulness {
  if (channels < 3 || width === 0 || height === 0) return { balanced: 0, uncorrected: 0 };
  const grid = new RegionGrid(width, height);
  grid.addColour(u8(data), channels, new Uint8Array(width * height), new Int32Array(256));
  return grid.colourfulness();
}

function hasler(
  r: Float64Array,
  g: Float64Array,
  b: Float64Array,
  count: Float64Array,
  kr: number,
  kg: number,
  kb: number,
): number {
  let rgSum = 0;
  let rgSq = 0;
  let ybSum = 0;
  let ybSq = 0;
  let used = 0;
  for (let c = 0; c < r.length; c += 1) {
    if (count[c] === 0) continue;
    used += 1;
    const rc = Math.min(255, r[c]! * kr);
    const gc = Math.min(255, g[c]! * kg);
    const bc = Math.min(255, b[c]! * kb);
    const rg = rc - gc;
    const yb = (rc + gc) / 2 - bc;
    rgSum += rg;
    rgSq += rg * rg;
    ybSum += yb;
    ybSq += yb * yb;
  }
  if (used === 0) return 0;
  const rgMean = rgSum / used;
  const ybMean = ybSum / used;
  const rgVar = Math.max(0, rgSq / used - rgMean * rgMean);
  const ybVar = Math.max(0, ybSq / used - ybMean * ybMean);
  return Math.sqrt(rgVar + ybVar) + 0.3 * Math.sqrt(rgMean * rgMean + ybMean * ybMean);
}

/**
 * Variance of the 4-neighbour Laplacian over the interior pixels of a greyscale plane (only those inside
 * `spans` when given). Row sums are kept in int32 arithmetic (2-3x faster in V8): |L| <= 1020, so a row's
 * sum of squares stays below 2^32 for rows up to 4000 px, four times the measuring size; wider planes take
 * the double-precision path.
 */
export function laplacianVariance(
  plane: Uint8Array,
  width: number,
  height: number,
  spans?: RowSpans,
): number {
  if (width < 3 || height < 3) return 0;
  const grey = u8(plane);
  const int32Rows = width <= 4000;
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y += 1) {
    const from = Math.max(1, spans ? spans.start[y]! : 1);
    const to = Math.min(width - 1, spans ? spans.end[y]! : width - 1);
    if (to <= from) continue;
    count += to - from;
    let i = y * width + from;
    const end = y * width + to;
    let left = grey[i - 1]! | 0;
    let mid = grey[i]! | 0;
    let rowSum = 0;
    let rowSq = 0;
    for (; i < end; i += 1) {
      const right = grey[i + 1]! | 0;
      const l = (left + right + (grey[i - width]! | 0) + (grey[i + width]! | 0) - 4 * mid) | 0;
      rowSum = (rowSum + l) | 0;
      rowSq = int32Rows ? (rowSq + l * l) | 0 : rowSq + l * l;
      left = mid;
      mid = right;
    }
    sum += rowSum;
    sumSq += int32Rows ? rowSq >>> 0 : rowSq;
  }
  if (count === 0) return 0;
  const mean = sum / count;
  return Math.max(0, sumSq / count - mean * mean);
}

/**
 * Difference hash: the plane averaged into 9 x 8 cells; each bit says whether a cell is brighter than its
 * right-hand neighbour. Row-major, most significant bit first, as 16 hex characters.
 */
export function dHash(plane: Uint8Array, width: number, height: number): string {
  const cols = 9;
  const rows = 8;
  const grey = u8(plane);
  const sums = new Float64Array(cols * rows);
  const counts = new Float64Array(cols * rows);
  const xEnds = cellEnds(width, cols);
  for (let y = 0; y < height; y += 1) {
    const base = Math.min(rows - 1, Math.floor((y * rows) / height)) * cols;
    let i = y * width;
    let x = 0;
    for (let c = 0; c < cols; c += 1) {
      const xEnd = xEnds[c]!;
      const xStart = x;
      let s = 0;
      for (; x < xEnd; x += 1, i += 1) s += grey[i]!;
      sums[base + c] = sums[base + c]! + s;
      counts[base + c] = counts[base + c]! + xEnd - xStart;
    }
  }
  return hashFromCells(sums, counts, cols, rows);
}
