// Where the document is in the frame, so that colour, glare, exposure and sharpness are measured on the
// document and not on the table, the wall or the garden behind it (issue 12 point 5).
//
// The document is found as the best-supported quadrilateral of long straight edges: on a copy about
// REGION_LONG_SIDE px wide, Sobel gradients vote in a Hough accumulator restricted to near-vertical and
// near-horizontal lines (within MAX_TILT_DEG of the frame's axes, each edge pixel voting only for the angles
// its own gradient direction allows), the strongest lines of each family are paired, and every
// left/right/top/bottom combination is scored by how much of each side is really an edge along its length.
// Foliage, wood grain and other texture make many short edges but no long straight ones, so they do not
// form a well-covered quadrilateral. The frame's own borders stand in for a side cut off by the frame.
// When no quadrilateral is supported well enough (a scan that fills the frame, a document whose edges do
// not show), the whole frame is used, and the measurement says so. Pure; no I/O.

/** Long side of the working copy the lines are searched on. */
export const REGION_LONG_SIDE = 250;
/** Lines are searched within this many degrees of vertical and horizontal. */
const MAX_TILT_DEG = 30;
/** Each edge pixel votes for the angle bins within this many degrees of its own gradient direction. */
const VOTE_SPREAD_DEG = 5;
/** Strongest lines kept per family (plus the two frame borders). */
const LINES_PER_FAMILY = 8; // with the two borders, at most 10 per family: cache keys assume < 16
/** A side counts as seen when at least this share of its length lies on a matching edge. */
const MIN_SIDE_COVERAGE = 0.5;
/** The quadrilateral's mean side coverage must reach this (frame-border sides count as 0). */
const MIN_MEAN_COVERAGE = 0.55;
/** At least this many of the four sides must be real edges, not frame borders. */
const MIN_REAL_SIDES = 3;
/** The document must cover at least this share of the frame. */
const MIN_AREA_SHARE = 0.12;
/** Documents (ID-1 cards 1.59, passports 1.42, A4 1.41) are not bands: a card's number strip is. */
const MAX_ASPECT = 2.2;
/** ...and, when it is the whole frame minus a sliver, it is not worth a region: use the whole frame. */
const MAX_AREA_SHARE = 0.97;

export type Point = readonly [number, number];

export interface DocumentRegion {
  /** true: a document outline was found; false: the whole frame is measured */
  found: boolean;
  /** corners (top-left, top-right, bottom-right, bottom-left) in the coordinates of the plane given */
  quad: readonly [Point, Point, Point, Point];
  /** share (0-1) of the frame inside the quadrilateral */
  areaShare: number;
  /** mean share of the four sides lying on an edge (0 when not found) */
  coverage: number;
}

/** Pixel spans per row: row y covers [start[y], end[y]) (start >= end: nothing on that row). */
export interface RowSpans {
  start: Int32Array;
  end: Int32Array;
  /** number of pixels covered */
  pixels: number;
}

interface Line {
  /** x = c + (y - cy) * t for a vertical-family line; y = c + (x - cx) * t for a horizontal one */
  c: number;
  t: number;
  votes: number;
  border: boolean;
}

function wholeFrame(width: number, height: number): DocumentRegion {
  return {
    found: false,
    quad: [
      [0, 0],
      [width, 0],
      [width, height],
      [0, height],
    ],
    areaShare: 1,
    coverage: 0,
  };
}

/** Box-averages a greyscale plane by an integer factor. */
function boxDown(grey: Uint8Array, width: number, height: number, f: number) {
  const w = Math.max(1, Math.floor(width / f));
  const h = Math.max(1, Math.floor(height / f));
  const out = new Float32Array(w * h);
  const k = 1 / (f * f);
  for (let y = 0; y < h; y += 1) {
    for (let dy = 0; dy < f; dy += 1) {
      const row = (y * f + dy) * width;
      for (let x = 0; x < w; x += 1) {
        let s = 0;
        const i = row + x * f;
        for (let dx = 0; dx < f; dx += 1) s += grey[i + dx]!;
        out[y * w + x] = out[y * w + x]! + s * k;
      }
    }
  }
  return { small: out, w, h };
}

/**
 * Finds the document in a greyscale plane (the measuring copy's luma). Returns the whole frame, with
 * `found: false`, when no outline is supported well enough.
 */
export function findDocumentRegion(grey: Uint8Array, width: number, height: number): DocumentRegion {
  const long = Math.max(width, height);
  if (Math.min(width, height) < 32) return wholeFrame(width, height);
  const f = Math.max(1, Math.round(long / REGION_LONG_SIDE));
  const { small, w, h } = boxDown(grey, width, height, f);

  // Sobel gradients; edge pixels are the strongest ~15% (and at least a clear step).
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  const mag = new Float32Array(w * h);
  const hist = new Int32Array(1024);
  for (let y = 1; y < h - 1; y += 1) {
    for (let x = 1; x < w - 1; x += 1) {
      const i = y * w + x;
      const a = small[i - w - 1]!;
      const b = small[i - w]!;
      const c = small[i - w + 1]!;
      const d = small[i - 1]!;
      const e = small[i + 1]!;
      const g = small[i + w - 1]!;
      const hh = small[i + w]!;
      const k = small[i + w + 1]!;
      const sx = c + 2 * e + k - a - 2 * d - g;
      const sy = g + 2 * hh + k - a - 2 * b - c;
      gx[i] = sx;
      gy[i] = sy;
      const m = Math.abs(sx) + Math.abs(sy);
      mag[i] = m;
      hist[Math.min(1023, Math.floor(m))]! += 1;
    }
  }
  const interior = (w - 2) * (h - 2);
  let acc = 0;
  let p85 = 1023;
  for (let v = 1023; v >= 0; v -= 1) {
    acc += hist[v]!;
    if (acc >= interior * 0.15) {
      p85 = v;
      break;
    }
  }
  const edgeMin = Math.max(48, Math.min(p85, 96));
  // edge maps for the coverage test: 1 = supports a near-vertical line, 2 = a near-horizontal one
  const edge = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i += 1) {
    if (mag[i]! < edgeMin) continue;
    edge[i] = Math.abs(gx[i]!) >= Math.abs(gy[i]!) ? 1 : 2;
  }

  const vertical = houghFamily(edge, gx, gy, w, h, true);
  const horizontal = houghFamily(edge, gx, gy, w, h, false);
  vertical.push({ c: 0, t: 0, votes: 0, border: true }, { c: w - 1, t: 0, votes: 0, border: true });
  horizontal.push({ c: 0, t: 0, votes: 0, border: true }, { c: h - 1, t: 0, votes: 0, border: true });

  const coverageCache = new Float64Array(8192).fill(-1);
  let best: { quad: Point[]; score: number; coverage: number; area: number } | null = null;
  for (let a = 0; a < vertical.length; a += 1) {
    for (let b = 0; b < vertical.length; b += 1) {
      const left = vertical[a]!;
      const right = vertical[b]!;
      if (right.c - left.c < w * 0.25) continue;
      for (let p = 0; p < horizontal.length; p += 1) {
        for (let q = 0; q < horizontal.length; q += 1) {
          const top = horizontal[p]!;
          const bottom = horizontal[q]!;
          if (bottom.c - top.c < h * 0.25) continue;
          const real = [left, right, top, bottom].filter((l) => !l.border).length;
          if (real < MIN_REAL_SIDES) continue;
          const tl = intersect(left, top, w, h);
          const tr = intersect(right, top, w, h);
          const br = intersect(right, bottom, w, h);
          const bl = intersect(left, bottom, w, h);
          const quad = [tl, tr, br, bl];
          if (!quad.every(([x, y]) => x >= -0.03 * w && x <= 1.03 * w && y >= -0.03 * h && y <= 1.03 * h)) {
            continue;
          }
          const area = polygonArea(quad) / (w * h);
          if (area < MIN_AREA_SHARE || area > MAX_AREA_SHARE) continue;
          if (aspect(quad) > MAX_ASPECT) continue;
          // [line, from, to, edge kind, cache key: the side is fixed by its line and the two crossing ones]
          const sides: [Line, Point, Point, number, number][] = [
            [left, tl, bl, 1, (a * 16 + p) * 16 + q],
            [right, tr, br, 1, (b * 16 + p) * 16 + q],
            [top, tl, tr, 2, 4096 + (p * 16 + a) * 16 + b],
            [bottom, bl, br, 2, 4096 + (q * 16 + a) * 16 + b],
          ];
          let total = 0;
          let ok = true;
          for (const [line, from, to, kind, key] of sides) {
            if (line.border) continue;
            let cov = coverageCache[key]!;
            if (cov < 0) {
              cov = sideCoverage(edge, w, h, from, to, kind);
              coverageCache[key] = cov;
            }
            if (cov < MIN_SIDE_COVERAGE) {
              ok = false;
              break;
            }
            total += cov;
          }
          if (!ok) continue;
          const coverage = total / 4;
          if (coverage < MIN_MEAN_COVERAGE) continue;
          // well-covered outlines first; among those, the larger one (a card's own inner frame or its
          // number box must not win over the card's outline)
          const score = coverage + area;
          if (!best || score > best.score) best = { quad, score, coverage, area };
        }
      }
    }
  }
  if (!best) return wholeFrame(width, height);
  const clampX = (v: number) => Math.min(width, Math.max(0, v));
  const clampY = (v: number) => Math.min(height, Math.max(0, v));
  const scaled = best.quad.map(([x, y]) => [clampX((x + 0.5) * f), clampY((y + 0.5) * f)] as const);
  return {
    found: true,
    quad: [scaled[0]!, scaled[1]!, scaled[2]!, scaled[3]!],
    areaShare: best.area,
    coverage: best.coverage,
  };
}

/** Near-vertical (x = c + (y - h/2) t) or near-horizontal (y = c + (x - w/2) t) lines, strongest first. */
function houghFamily(
  edge: Uint8Array,
  gx: Float32Array,
  gy: Float32Array,
  w: number,
  h: number,
  vertical: boolean,
): Line[] {
  const angles = 2 * MAX_TILT_DEG + 1;
  const along = vertical ? w : h; // the coordinate c runs along
  const offset = Math.ceil(along * 0.5);
  const size = along + 2 * offset;
  const accum = new Float32Array(angles * size);
  const tans = new Float64Array(angles);
  for (let a = 0; a < angles; a += 1) tans[a] = Math.tan(((a - MAX_TILT_DEG) * Math.PI) / 180);
  const kind = vertical ? 1 : 2;
  const cx = w / 2;
  const cy = h / 2;
  for (let y = 1; y < h - 1; y += 1) {
    for (let x = 1; x < w - 1; x += 1) {
      const i = y * w + x;
      if (edge[i] !== kind) continue;
      // the line runs perpendicular to the gradient: its tilt is -gy/gx (vertical) or -gx/gy (horizontal)
      const tilt = vertical ? -gy[i]! / gx[i]! : -gx[i]! / gy[i]!;
      const deg = (Math.atan(tilt) * 180) / Math.PI;
      const lo = Math.max(-MAX_TILT_DEG, Math.ceil(deg - VOTE_SPREAD_DEG));
      const hi = Math.min(MAX_TILT_DEG, Math.floor(deg + VOTE_SPREAD_DEG));
      for (let d = lo; d <= hi; d += 1) {
        const a = d + MAX_TILT_DEG;
        const c = vertical ? x - (y - cy) * tans[a]! : y - (x - cx) * tans[a]!;
        const ci = Math.round(c) + offset;
        if (ci >= 0 && ci < size) accum[a * size + ci]! += 1;
      }
    }
  }
  // peaks: local maxima over +-3 degrees and +-4 px, strongest first, at least a fifth of the short side
  const minVotes = Math.min(w, h) * 0.2;
  const peaks: Line[] = [];
  for (let a = 0; a < angles; a += 1) {
    for (let ci = 0; ci < size; ci += 1) {
      const v = accum[a * size + ci]!;
      if (v < minVotes) continue;
      let isMax = true;
      for (let da = -3; da <= 3 && isMax; da += 1) {
        const aa = a + da;
        if (aa < 0 || aa >= angles) continue;
        for (let dc = -4; dc <= 4; dc += 1) {
          const cc = ci + dc;
          if (cc < 0 || cc >= size || (da === 0 && dc === 0)) continue;
          const u = accum[aa * size + cc]!;
          if (u > v || (u === v && (da < 0 || (da === 0 && dc < 0)))) {
            isMax = false;
            break;
          }
        }
      }
      if (isMax) peaks.push({ c: ci - offset, t: tans[a]!, votes: v, border: false });
    }
  }
  peaks.sort((p, q) => q.votes - p.votes);
  return peaks.slice(0, LINES_PER_FAMILY);
}

function intersect(v: Line, hz: Line, w: number, h: number): Point {
  // v: x = cv + (y - h/2) tv  (a border is tv = 0);  hz: y = ch + (x - w/2) th
  const cv = v.c;
  const tv = v.t;
  const ch = hz.c;
  const th = hz.t;
  // x = cv + (ch + (x - w/2) th - h/2) tv  ->  x (1 - th tv) = cv + (ch - w/2 th - h/2) tv
  const x = (cv + (ch - (w / 2) * th - h / 2) * tv) / (1 - th * tv);
  const y = ch + (x - w / 2) * th;
  return [x, y];
}

/** Long side over short side, from the mean lengths of opposite sides. */
function aspect(q: Point[]): number {
  const d = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const across = (d(q[0]!, q[1]!) + d(q[3]!, q[2]!)) / 2;
  const down = (d(q[0]!, q[3]!) + d(q[1]!, q[2]!)) / 2;
  return Math.max(across, down) / Math.max(1e-6, Math.min(across, down));
}

function polygonArea(q: Point[]): number {
  let s = 0;
  for (let i = 0; i < q.length; i += 1) {
    const [x1, y1] = q[i]!;
    const [x2, y2] = q[(i + 1) % q.length]!;
    s += x1 * y2 - x2 * y1;
  }
  return Math.abs(s) / 2;
}

/** Share of the segment's sample points with a matching edge pixel within 1 px across it. */
function sideCoverage(edge: Uint8Array, w: number, h: number, from: Point, to: Point, kind: number): number {
  const len = Math.hypot(to[0] - from[0], to[1] - from[1]);
  const n = Math.max(1, Math.floor(len));
  let hits = 0;
  let samples = 0;
  for (let s = 0; s <= n; s += 1) {
    const x = Math.round(from[0] + ((to[0] - from[0]) * s) / n);
    const y = Math.round(from[1] + ((to[1] - from[1]) * s) / n);
    if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) continue; // off the frame: neither hit nor miss
    samples += 1;
    let hit = false;
    for (let d = -1; d <= 1 && !hit; d += 1) {
      const i = kind === 1 ? y * w + x + d : (y + d) * w + x;
      if (edge[i] === kind) hit = true;
    }
    if (hit) hits += 1;
  }
  return samples < n * 0.5 ? 0 : hits / samples;
}

/** The quadrilateral moved towards (share < 0) or away from (share > 0) its centroid by `share`. */
export function scaleQuad(quad: readonly Point[], share: number): Point[] {
  const cx = quad.reduce((s, p) => s + p[0], 0) / quad.length;
  const cy = quad.reduce((s, p) => s + p[1], 0) / quad.length;
  return quad.map(([x, y]) => [cx + (x - cx) * (1 + share), cy + (y - cy) * (1 + share)] as const);
}

/** The rows' pixel spans inside a convex polygon, clipped to the frame. */
export function polygonSpans(quad: readonly Point[], width: number, height: number): RowSpans {
  const start = new Int32Array(height);
  const end = new Int32Array(height);
  let pixels = 0;
  for (let y = 0; y < height; y += 1) {
    const yc = y + 0.5;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < quad.length; i += 1) {
      const [x1, y1] = quad[i]!;
      const [x2, y2] = quad[(i + 1) % quad.length]!;
      if ((yc < y1 && yc < y2) || (yc > y1 && yc > y2) || y1 === y2) continue;
      const x = x1 + ((yc - y1) * (x2 - x1)) / (y2 - y1);
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    const s = Math.max(0, Math.ceil(lo - 0.5));
    const e = Math.min(width, Math.floor(hi + 0.5));
    if (Number.isFinite(lo) && e > s) {
      start[y] = s;
      end[y] = e;
      pixels += e - s;
    }
  }
  return { start, end, pixels };
}

/** Every pixel of the frame. */
export function fullSpans(width: number, height: number): RowSpans {
  const start = new Int32Array(height);
  const end = new Int32Array(height).fill(width);
  return { start, end, pixels: width * height };
}
