// Calibrates the heuristic thresholds of the document checker (sharpness, exposure, glare, colour) and the
// perceptual-hash duplicate distance. Scores the real-world fixtures and generated variants (blurred at
// several strengths, motion-blurred, darkened, over-exposed, washed out, greyscale, glare patches) of good
// images, labels each variant good / bad / borderline per rule, and prints and writes docs/calibration.md:
// every score, the gap between the groups, and whether DEFAULT_THRESHOLDS sits inside it.
//
// It also measures what a check costs against a plain decode (the "Cost" section), unless --no-cost.
//
//   npx tsx scripts/calibrate-checks.ts            (writes docs/calibration.md; about a minute)
//   npx tsx scripts/calibrate-checks.ts --no-write (prints only)
import { existsSync } from 'node:fs';
import os from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { DEFAULT_THRESHOLDS, inspectUpload } from '../src/modules/documents/checks.sharp.ts';
import { DUPLICATE_MAX_DISTANCE } from '../src/modules/documents/checks.rules.ts';
import { DOC_TEMPLATE } from './calibrate-checks.doc.ts';
import { duplicateStudy } from './calibrate-duplicates.ts';
import { costStudy, loadAtCost } from './calibrate-cost.ts';
import { reflection as glare, realDocumentStudy } from './calibrate-real.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE_DIRS = [path.join(ROOT, 'test/fixtures/real-world'), '/work/shared/fixtures/real-world'];
const FIXTURES = FIXTURE_DIRS.find((d) => existsSync(path.join(d, 'Landscape_1.jpg')));
if (!FIXTURES) throw new Error(`real-world fixtures not found in ${FIXTURE_DIRS.join(' or ')}`);
const WRITE = !process.argv.includes('--no-write');
const COST = !process.argv.includes('--no-cost');

type Label = 'good' | 'bad' | 'edge' | '-';
interface Sample {
  name: string;
  base: string;
  bytes: Buffer;
  labels: { sharpness: Label; exposure: Label; glare: Label; colour: Label };
}
interface Scored extends Sample {
  sharpness: number;
  luminance: number;
  contrast: number;
  shadow: number;
  blownOut: number;
  colourfulness: number;
  region: string;
  uncorrected: number;
  hash: string;
  width: number;
  height: number;
}

const fixture = (name: string) => readFile(path.join(FIXTURES, name));
const jpeg = (p: Sharp) => p.jpeg({ quality: 92 }).toBuffer();

/** A synthetic ID card (text, a colour portrait cut from a photo, printed pattern) on a wooden desk. */
async function syntheticCard(): Promise<Buffer> {
  const portrait = await sharp(await fixture('Portrait_6.jpg'))
    .autoOrient()
    .resize(360, 460, { fit: 'cover' })
    .png()
    .toBuffer();
  const lines = [
    ['SURNAME', 'EXAMPLE-MUSTERMANN'],
    ['GIVEN NAMES', 'ALEXANDRA MARIA'],
    ['DATE OF BIRTH', '12.08.1987'],
    ['NATIONALITY', 'UTOPIAN'],
    ['DOCUMENT NO.', 'X7R4 2Q9K1'],
    ['EXPIRY', '03.11.2031'],
  ];
  const text = lines
    .map(
      ([k, v], i) =>
        `<text x="520" y="${250 + i * 95}" font-family="DejaVu Sans" font-size="26" fill="#5a6472">${k}</text>` +
        `<text x="520" y="${288 + i * 95}" font-family="DejaVu Sans" font-size="38" font-weight="bold" fill="#1d2430">${v}</text>`,
    )
    .join('');
  const waves = Array.from(
    { length: 40 },
    (_, i) =>
      `<path d="M0 ${60 + i * 25} C 400 ${i * 25}, 1200 ${120 + i * 25}, 1600 ${40 + i * 25}" stroke="#9cc7b9" stroke-width="2" fill="none" opacity="0.5"/>`,
  ).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1010">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#e9f3ee"/><stop offset="0.5" stop-color="#f6e8d8"/><stop offset="1" stop-color="#dfe8f6"/></linearGradient></defs>
    <rect width="1600" height="1010" rx="60" fill="url(#g)"/>${waves}
    <rect x="0" y="0" width="1600" height="150" rx="60" fill="#2d5f8a"/><rect x="0" y="90" width="1600" height="60" fill="#2d5f8a"/>
    <text x="80" y="100" font-family="DejaVu Sans" font-size="56" font-weight="bold" fill="#ffffff">REPUBLIC OF UTOPIA - IDENTITY CARD</text>
    ${text}
    <circle cx="1400" cy="820" r="90" fill="#c8a23c" opacity="0.8"/>
    <text x="80" y="960" font-family="DejaVu Sans Mono" font-size="34" fill="#1d2430">IDUTO X7R4Q9K1 8708129 F 3111037 UTO</text>
  </svg>`;
  const card = await sharp(Buffer.from(svg))
    .composite([{ input: portrait, left: 80, top: 210 }])
    .png()
    .toBuffer();
  const desk = await sharp(await fixture('2569067123_aca715a2ee_o.jpg'))
    .extract({ left: 300, top: 1700, width: 2000, height: 500 })
    .resize(2400, 1800, { fit: 'fill' })
    .blur(6)
    .toBuffer();
  return jpeg(sharp(desk).composite([{ input: card, left: 400, top: 395 }]));
}

/** A black-and-white copy photographed under coloured light: grey pixels times a per-channel cast. */
async function tintedGrey(bytes: Buffer, cast: [number, number, number]): Promise<Buffer> {
  const { data, info } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
  const rgb = Buffer.alloc(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i += 1) {
    for (let c = 0; c < 3; c += 1) rgb[i * 3 + c] = Math.min(255, Math.round(data[i]! * cast[c]!));
  }
  return jpeg(sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } }));
}

/** Horizontal motion blur of `px` pixels at the normalised measuring size. */
async function motion(bytes: Buffer, px: number): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const len = Math.max(3, Math.round((px * Math.max(width, height)) / 1000)) | 1;
  // sharp wants an odd kernel of at least 3 x 3: one row of ones between two rows of zeros
  const kernel = [...new Array(len).fill(0), ...new Array(len).fill(1), ...new Array(len).fill(0)];
  return jpeg(sharp(bytes).convolve({ width: len, height: 3, kernel }));
}

async function variants(
  base: string,
  bytes: Buffer,
  colourBase: boolean,
  document = false,
): Promise<Sample[]> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const scale = Math.max(width, height) / 1000; // sigma at the normalised size -> sigma here
  const colour: Label = colourBase ? 'good' : '-';
  const ok = { sharpness: 'good', exposure: 'good', glare: 'good', colour } as const;
  const s = (name: string, out: Buffer, labels: Partial<Sample['labels']>): Sample => ({
    name,
    base,
    bytes: out,
    labels: { ...ok, ...labels },
  });
  const list: Sample[] = [s('original', bytes, {})];
  for (const [sigma, label] of [
    [0.5, 'good'],
    [1, 'edge'],
    [1.5, 'edge'],
    [2, 'bad'],
    [3, 'bad'],
    [5, 'bad'],
  ] as const) {
    list.push(s(`blur sigma ${sigma}`, await jpeg(sharp(bytes).blur(sigma * scale)), { sharpness: label }));
  }
  // Motion blur is labelled borderline, not bad: see "Known limits" in the document.
  list.push(s('motion 6 px', await motion(bytes, 6), { sharpness: 'edge' }));
  list.push(s('motion 12 px', await motion(bytes, 12), { sharpness: 'edge' }));
  list.push(s('jpeg q40', await sharp(bytes).jpeg({ quality: 40 }).toBuffer(), {}));
  list.push(s('half size', await jpeg(sharp(bytes).resize(Math.round(width / 2))), {}));
  list.push(s('dark x0.7', await jpeg(sharp(bytes).linear(0.7, 0)), { exposure: 'edge' }));
  // darkening scales colourfulness and contrast down with it: those rules are not judged on these
  const dark = { exposure: 'bad', sharpness: '-', colour: '-' } as const;
  list.push(s('dark x0.4', await jpeg(sharp(bytes).linear(0.4, 0)), dark));
  list.push(s('dark x0.25', await jpeg(sharp(bytes).linear(0.25, 0)), dark));
  // over-exposure shows as clipping, which the glare rule measures; the brightness band is the backstop
  list.push(
    s('bright x1.6+40', await jpeg(sharp(bytes).linear(1.6, 40)), {
      exposure: 'edge',
      glare: 'edge',
      colour: '-',
    }),
  );
  list.push(
    // over-exposure, not a reflection: the glare rule no longer measures it (see "Glare" in the document)
    s('bright x2.2+60', await jpeg(sharp(bytes).linear(2.2, 60)), {
      exposure: 'edge',
      glare: 'edge',
      colour: '-',
    }),
  );
  list.push(
    s('near white x2.5+120', await jpeg(sharp(bytes).linear(2.5, 120)), {
      exposure: 'bad',
      glare: 'edge',
      sharpness: '-',
      colour: '-',
    }),
  );
  list.push(
    s('washed out', await jpeg(sharp(bytes).linear(0.35, 150)), {
      exposure: 'bad',
      sharpness: '-',
      colour: '-',
    }),
  );
  list.push(s('glare 3%', await glare(bytes, 0.03), { glare: 'good' }));
  list.push(s('glare 8%', await glare(bytes, 0.08), { glare: 'edge' }));
  list.push(s('glare 15%', await glare(bytes, 0.15), { glare: 'bad' }));
  // 30% of the frame is 90% of the synthetic card: a reflection over most of a document reads as a white
  // document (see "Known limits")
  list.push(s('glare 30%', await glare(bytes, 0.3), { glare: document ? 'edge' : 'bad', exposure: '-' }));
  if (colourBase) {
    list.push(s('greyscale', await jpeg(sharp(bytes).greyscale()), { colour: 'bad' }));
    list.push(s('greyscale, warm cast', await tintedGrey(bytes, [1, 0.93, 0.78]), { colour: 'bad' }));
    list.push(s('greyscale, blue cast', await tintedGrey(bytes, [0.85, 0.92, 1]), { colour: 'bad' }));
    list.push(
      s('faded colour x0.3', await jpeg(sharp(bytes).modulate({ saturation: 0.3 })), { colour: 'edge' }),
    );
  }
  return list;
}

async function samples(): Promise<Sample[]> {
  const photo = await fixture('2569067123_aca715a2ee_o.jpg');
  const landscape = await jpeg(sharp(await fixture('Landscape_1.jpg')).resize(1600, 1200));
  const portrait = await jpeg(
    sharp(await fixture('Portrait_6.jpg'))
      .autoOrient()
      .resize(1200, 1600),
  );
  const cmyk = await jpeg(sharp(await fixture('Channel_digital_image_CMYK_color.jpg')).resize(1500));
  const card = await syntheticCard();
  const list: Sample[] = [];
  const real = (name: string, labels: Sample['labels']) =>
    fixture(name).then((bytes) => list.push({ name: 'as is', base: name, bytes, labels }));
  const good = { sharpness: 'good', exposure: 'good', glare: 'good', colour: 'good' } as const;
  for (const n of [
    'Landscape_1.jpg',
    'Landscape_6.jpg',
    'Portrait_6.jpg',
    'Channel_digital_image_CMYK_color.jpg',
  ]) {
    await real(n, good);
  }
  await real('low-contrast.jpg', { sharpness: '-', exposure: 'bad', glare: 'good', colour: 'good' });
  await real('gamma_dalai_lama_gray.jpg', { sharpness: '-', exposure: '-', glare: 'good', colour: 'bad' });
  list.push(...(await variants('2569067123 photo', photo, true)));
  list.push(...(await variants('synthetic ID card', card, true, true)));
  list.push(...(await variants('Landscape_1 x2.7', landscape, true)));
  list.push(...(await variants('Portrait_6 x2.7', portrait, true)));
  list.push(...(await variants('CMYK x3', cmyk, true)));
  return list;
}

function num(checks: { rule: string; measured: unknown }[], rule: string, key: string): number {
  const c = checks.find((x) => x.rule === rule);
  return Number((c?.measured as Record<string, unknown> | undefined)?.[key]);
}

async function score(s: Sample): Promise<Scored> {
  const r = await inspectUpload({ buffer: s.bytes }, 'ID_FRONT', DEFAULT_THRESHOLDS, {
    sanitise: false,
    ocrInput: false,
  });
  if (r.kind !== 'image') throw new Error(`${s.base} / ${s.name}: ${r.kind}`);
  return {
    ...s,
    sharpness: num(r.checks, 'sharpness', 'laplacianVariance'),
    luminance: num(r.checks, 'exposure', 'meanLuminance'),
    contrast: num(r.checks, 'exposure', 'contrast'),
    shadow: num(r.checks, 'exposure', 'shadowLevel'),
    blownOut: num(r.checks, 'glare', 'specularShare'),
    region: String(
      (r.checks.find((c) => c.rule === 'colour')?.measured as { measuredOn?: string })?.measuredOn,
    ),
    colourfulness: num(r.checks, 'colour', 'colourfulness'),
    uncorrected: num(r.checks, 'colour', 'uncorrectedColourfulness'),
    hash: r.perceptualHash ?? '',
    width: r.width ?? 0,
    height: r.height ?? 0,
  };
}

interface Gap {
  rule: string;
  metric: string;
  direction: 'above' | 'below';
  goodEdge: number;
  badEdge: number;
  threshold: number;
  ok: boolean;
  note: string;
}

/** For a "must be at least" metric: good minimum vs bad maximum, and where the threshold sits. */
function gap(
  rows: Scored[],
  rule: keyof Sample['labels'],
  metric: string,
  value: (r: Scored) => number,
  threshold: number,
  direction: 'above' | 'below',
  note: string,
  badFilter: (r: Scored) => boolean = () => true,
): Gap {
  const good = rows.filter((r) => r.labels[rule] === 'good').map(value);
  const bad = rows
    .filter((r) => r.labels[rule] === 'bad')
    .filter(badFilter)
    .map(value);
  const goodEdge = direction === 'above' ? Math.min(...good) : Math.max(...good);
  const badEdge = direction === 'above' ? Math.max(...bad) : Math.min(...bad);
  const ok =
    direction === 'above'
      ? badEdge < threshold && threshold <= goodEdge
      : goodEdge < threshold && threshold <= badEdge;
  return { rule, metric, direction, goodEdge, badEdge, threshold, ok, note };
}

function f(v: number, d = 1): string {
  return Number.isFinite(v) ? v.toFixed(d) : '-';
}

function table(rows: Scored[]): string {
  const head =
    '| image | variant | size | measured on | sharpness | mean lum. | shadow (2%) | contrast | glare % | colourfulness (uncorrected) | labels (sharp/expo/glare/colour) |\n' +
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n';
  return (
    head +
    rows
      .map(
        (r) =>
          `| ${r.base} | ${r.name} | ${r.width}x${r.height} | ${r.region} | ${f(r.sharpness)} | ${f(r.luminance)} | ${f(r.shadow, 0)} | ${f(r.contrast)} | ` +
          `${f(r.blownOut * 100, 2)} | ${f(r.colourfulness)} (${f(r.uncorrected)}) | ${r.labels.sharpness}/${r.labels.exposure}/${r.labels.glare}/${r.labels.colour} |`,
      )
      .join('\n')
  );
}

async function main() {
  const t0 = performance.now();
  const list = await samples();
  const rows: Scored[] = [];
  for (const s of list) rows.push(await score(s));
  const t = DEFAULT_THRESHOLDS;
  const gaps: Gap[] = [
    gap(
      rows,
      'sharpness',
      'Laplacian variance',
      (r) => r.sharpness,
      t.minSharpness,
      'above',
      'blur sigma <= 0.5 px (at 1000 px) is good; >= 2 px is bad',
    ),
    gap(
      rows,
      'exposure',
      'mean luminance (dark side)',
      (r) => r.luminance,
      t.minMeanLuminance,
      'above',
      'darkened x0.4 and x0.25 are bad',
      (r) => r.name.startsWith('dark'),
    ),
    gap(
      rows,
      'exposure',
      'mean luminance (bright side)',
      (r) => r.luminance,
      t.maxMeanLuminance,
      'below',
      'the near-white variant (x2.5+120) is bad; milder over-exposure is left to glare',
      (r) => r.name.startsWith('near white'),
    ),
    gap(
      rows,
      'exposure',
      'shadow level, darkest 2% (bright side)',
      (r) => r.shadow,
      t.brightShadowLevel,
      'below',
      'a mean above the limit fails only with shadows at or above this: the near-white variant is bad',
      (r) => r.name.startsWith('near white'),
    ),
    gap(
      rows,
      'exposure',
      'contrast (luminance std. dev.)',
      (r) => r.contrast,
      t.minContrast,
      'above',
      'washed-out variants and low-contrast.jpg are bad',
      (r) => r.name === 'washed out' || r.base === 'low-contrast.jpg',
    ),
    gap(
      rows,
      'glare',
      'specular share (document)',
      (r) => r.blownOut,
      t.maxBlownOutShare,
      'below',
      'a 3% soft-edged reflection is good; 15% and more are bad (30% on the synthetic card is 90% of the card: edge)',
    ),
    gap(
      rows,
      'colour',
      'colourfulness',
      (r) => r.colourfulness,
      t.minColourfulness,
      'above',
      'greyscale copies (plain, warm, blue cast) and the Dalai Lama gamma image are bad',
    ),
  ];
  const greyMax = Math.max(...rows.filter((r) => r.name === 'greyscale').map((r) => r.uncorrected));
  const castMin = Math.min(...rows.filter((r) => r.name.startsWith('greyscale,')).map((r) => r.uncorrected));
  const dup = duplicateStudy(rows);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);

  const summary = gaps
    .map(
      (g) =>
        `| ${g.rule} | ${g.metric} | ${g.direction === 'above' ? 'at least' : 'below'} ${g.threshold} | ` +
        `${f(g.goodEdge, g.metric.includes('share') ? 4 : 1)} | ${f(g.badEdge, g.metric.includes('share') ? 4 : 1)} | ${g.ok ? 'yes' : '**NO**'} | ${g.note} |`,
    )
    .join('\n');
  console.log(table(rows));
  console.log(`\n${summary}`);
  console.log(
    `\ngreyscale files measure at most ${f(greyMax, 2)} uncorrected (hard floor ${t.greyscaleColourfulness}); tinted copies at least ${f(castMin, 1)}`,
  );
  console.log(
    `duplicates: same picture <= ${dup.same}, different pictures >= ${dup.different}, DUPLICATE_MAX_DISTANCE ${DUPLICATE_MAX_DISTANCE}`,
  );
  console.log(`${rows.length} images scored in ${seconds} s`);
  if (
    gaps.some((g) => !g.ok) ||
    !(dup.same <= DUPLICATE_MAX_DISTANCE && DUPLICATE_MAX_DISTANCE < dup.different)
  ) {
    process.exitCode = 1;
    console.log(
      '\nA default threshold does not separate the groups: adjust src/modules/documents/checks.thresholds.ts',
    );
  }
  const real = await realDocumentStudy(FIXTURES as string);
  console.log(`\n${real.markdown}`);
  if (!real.ok) {
    process.exitCode = 1;
    console.log(
      '\nOn the real documents a default threshold does not separate the groups, or an expectation is missed',
    );
  }
  const cost = COST ? await costStudy(FIXTURES as string) : '(not measured in this run: --no-cost)';
  console.log(`\n${cost}`);
  if (!WRITE) return;
  const doc = DOC_TEMPLATE.replaceAll('{{SUMMARY}}', summary)
    .replaceAll('{{TABLE}}', table(rows))
    .replaceAll('{{GREY_MAX}}', f(greyMax, 2))
    .replaceAll('{{GREY_FLOOR}}', String(t.greyscaleColourfulness))
    .replaceAll('{{CAST_MIN}}', f(castMin, 1))
    .replaceAll('{{DUP_LINES}}', dup.lines.join('\n'))
    .replaceAll('{{DUP_SAME}}', String(dup.same))
    .replaceAll('{{DUP_DIFFERENT}}', String(dup.different))
    .replaceAll('{{DUP_MAX}}', String(DUPLICATE_MAX_DISTANCE))
    .replaceAll('{{COUNT}}', String(rows.length))
    .replaceAll('{{COST}}', cost)
    .replaceAll('{{REAL}}', real.markdown)
    .replaceAll('{{SHADOW}}', String(t.brightShadowLevel))
    .replaceAll('{{CPUS}}', String(os.cpus().length))
    .replaceAll('{{LOAD}}', loadAtCost)
    .replaceAll('{{THRESHOLDS}}', JSON.stringify(t, null, 2))
    .replaceAll(
      '{{VERSIONS}}',
      `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, Node ${process.versions.node}`,
    );
  await mkdir(path.join(ROOT, 'docs'), { recursive: true });
  await writeFile(path.join(ROOT, 'docs/calibration.md'), doc);
  console.log('wrote docs/calibration.md');
}

await main();
