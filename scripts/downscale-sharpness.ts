// Does the browser's downscale change the sharpness verdict? (issue 20 point 1). The checker measures
// sharpness on a copy whose long side is 1000 px (NORMALISED_LONG_SIDE), so a photo sent at 1600 or 2400 px
// should score what its original scores. This script checks that on the calibration set's photos (the
// real-world fixtures of docs/calibration.md) and the real-cards photos: each made a 12 MP camera JPEG
// (4000 x 3000, or 3000 x 4000 for a portrait; sensor-like grain as in test/e2e/capture.test.ts), in focus,
// blurred by sigma 0.5 px (the calibration's good group) and by sigma 2 px (its bad group edge) at the
// measuring size, the grain added after the blur as a camera adds it; then scored as the original and as
// the downscales the page may send (sharp's lanczos3 standing in for the browser's resize). It prints, per
// size, the good group's minimum and the bad group's maximum, and every photo whose verdict differs from
// its original's.
//
//   npx tsx scripts/downscale-sharpness.ts [--sizes 2400@0.9,1600@0.85]
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Slot } from '../src/modules/documents/checks.rules.ts';
import { DEFAULT_THRESHOLDS, inspectUpload } from '../src/modules/documents/checks.sharp.ts';

const REAL_WORLD = '/work/shared/fixtures/real-world';
const REAL_CARDS = process.env.REAL_CARDS_DIR ?? '/work/shared/fixtures/real-cards';
const arg = process.argv.indexOf('--sizes');
const SIZES = (arg > 0 ? process.argv[arg + 1]! : '2400@0.9,1600@0.85').split(',').map((s) => {
  const [px, q] = s.split('@');
  return { label: s, px: Number(px), q: Math.round(Number(q) * 100) };
});

interface Base {
  name: string;
  slot: Slot;
  bytes: Buffer;
}

function bases(): Base[] {
  const list: Base[] = [];
  for (const f of [
    '2569067123_aca715a2ee_o.jpg',
    ...Array.from({ length: 8 }, (_, i) => `Landscape_${i + 1}.jpg`),
    'Portrait_6.jpg',
  ])
    list.push({ name: f, slot: 'OTHER' as Slot, bytes: readFileSync(path.join(REAL_WORLD, f)) });
  const manifest = JSON.parse(readFileSync(path.join(REAL_CARDS, 'manifest.json'), 'utf8')) as {
    file: string;
    slot: Slot;
    expected: string;
  }[];
  // the photos and scans (not the renders and low-resolution originals, not the PDFs)
  for (const m of manifest)
    if (/_(photo|scan)\./.test(m.file) && existsSync(path.join(REAL_CARDS, m.file)))
      list.push({ name: m.file, slot: m.slot, bytes: readFileSync(path.join(REAL_CARDS, m.file)) });
  return list;
}

/** A 12 MP camera JPEG of `bytes` (cover-fitted, so nothing is stretched), blurred first by `sigma` px at 1000 px. */
async function camera(bytes: Buffer, sigma: number): Promise<Buffer> {
  const meta = await sharp(bytes).autoOrient().metadata();
  const portrait = (meta.height ?? 0) > (meta.width ?? 0);
  const [width, height] = portrait ? [3000, 4000] : [4000, 3000];
  let p = sharp(bytes)
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .resize(width, height, { fit: 'cover' });
  if (sigma > 0) p = sharp(await p.toBuffer()).blur(sigma * 4);
  const base = await p.toBuffer();
  const grain = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 24 },
    },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return sharp(base)
    .composite([{ input: grain, blend: 'soft-light' }])
    .jpeg({ quality: 92 })
    .toBuffer();
}

async function sharpness(bytes: Buffer, slot: Slot): Promise<number> {
  const r = await inspectUpload({ buffer: bytes }, slot, DEFAULT_THRESHOLDS, {
    sanitise: false,
    ocrInput: false,
  });
  const c = r.checks.find((x) => x.rule === 'sharpness');
  return Number((c?.measured as { laplacianVariance?: number } | undefined)?.laplacianVariance);
}

const VARIANTS = [
  { label: 'in focus', sigma: 0, good: true },
  { label: 'blur 0.5', sigma: 0.5, good: true },
  { label: 'blur 2', sigma: 2, good: false },
];
const min = DEFAULT_THRESHOLDS.minSharpness;
const cols = ['original', ...SIZES.map((s) => s.label)];
const good: Record<string, number[]> = {};
const bad: Record<string, number[]> = {};
const flips: string[] = [];
const rows: string[] = [];
const started = Date.now();
console.log(
  `load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; threshold ${min}; sizes ${cols.join(', ')}`,
);
for (const b of bases()) {
  for (const v of VARIANTS) {
    const original = await camera(b.bytes, v.sigma);
    const scores = [await sharpness(original, b.slot)];
    for (const s of SIZES) {
      const sent = await sharp(original)
        .resize(s.px, s.px, { fit: 'inside', kernel: 'lanczos3' })
        .jpeg({ quality: s.q })
        .toBuffer();
      scores.push(await sharpness(sent, b.slot));
    }
    scores.forEach((x, i) => {
      (v.good ? good : bad)[cols[i]!] ??= [];
      (v.good ? good : bad)[cols[i]!]!.push(x);
      if (i > 0 && x >= min !== scores[0]! >= min)
        flips.push(`${b.name} ${v.label} at ${cols[i]}: ${scores[0]} -> ${x}`);
    });
    rows.push(`| ${b.name} | ${v.label} | ${scores.map((x) => x.toFixed(1)).join(' | ')} |`);
    console.error(rows.at(-1));
  }
}
console.log(`| photo | variant | ${cols.join(' | ')} |\n| --- | --- |${cols.map(() => ' ---: |').join('')}`);
console.log(rows.join('\n'));
for (const c of cols)
  console.log(
    `${c}: in focus and blur 0.5 min ${Math.min(...good[c]!).toFixed(1)}, blur 2 max ${Math.max(...bad[c]!).toFixed(1)}` +
      ` (threshold ${min}; ${good[c]!.filter((x) => x < min).length} good below, ${bad[c]!.filter((x) => x >= min).length} bad at or above)`,
  );
console.log(`verdicts that differ from the original's: ${flips.length ? flips.join('; ') : 'none'}`);
console.log(
  `took ${((Date.now() - started) / 1000).toFixed(0)} s; load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
