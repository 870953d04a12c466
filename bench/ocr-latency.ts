// What reading card digits costs an upload: `npx tsx bench/ocr-latency.ts [rounds]`.
// Baseline, measured in the same run on the same images: the sharp work the intake does on every upload
// anyway (decode, auto-orient, re-encode). Prints worker start time, per-case OCR latency and its ratio
// to the baseline, the CPU time a read costs (all threads of the process: sharp, the main-thread loops,
// tesseract; less sensitive than wall time to other work on the machine), event-loop blocking,
// throughput with 1 and 2 workers, and RSS.
import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { type CardReading, createOcrPool } from '../src/modules/documents/ocr.ts';
import { type CardImageOptions, makeCardImage, TEST_NUMBERS } from '../test/support/card-images.ts';

const rounds = Number(process.argv[2] ?? 5);
const MASKED = '**** **** **** 4242';
const cases: Record<string, CardImageOptions> = {
  masked: { number: MASKED },
  'masked, details, noisy': { number: MASKED, details: true, noisy: true },
  'full number': { number: TEST_NUMBERS.visa },
  'rotated 8': { number: MASKED, rotate: 8 },
  'rotated 15': { number: MASKED, rotate: -15 },
  blurred: { number: MASKED, blur: 4 },
  'small (400 px)': { number: MASKED, width: 400 },
  'no number': { number: '', details: true },
};

const mb = () => Math.round(process.memoryUsage().rss / 1e6);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function baselineMs(image: Buffer): Promise<number> {
  const t = performance.now();
  await sharp(image).rotate().toColourspace('srgb').jpeg({ quality: 90 }).toBuffer();
  return performance.now() - t;
}

async function main() {
  const images: Record<string, Buffer> = Object.fromEntries(
    await Promise.all(
      Object.entries(cases).map(async ([name, o]) => [name, await makeCardImage(o)] as const),
    ),
  );
  // A real camera photo that is not a card (sharp's test fixtures, see the README there).
  images['camera photo, no card'] = await readFile(
    '/work/shared/fixtures/real-world/2569067123_aca715a2ee_o.jpg',
  );
  const rssBefore = mb();
  let startMs = 0;
  const pool = createOcrPool({
    workers: 1,
    maxQueue: 64,
    timeoutMs: 600_000,
    logger: {
      info: (obj, msg) => {
        if (msg === 'OCR worker started') startMs = (obj as { ms: number }).ms;
      },
      warn: (obj, msg) => console.warn(msg, obj),
    },
  });
  await pool.read(images.masked!); // starts the worker
  const load = (await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ')[0];
  console.log(`worker start ${startMs} ms; RSS ${rssBefore} MB before, ${mb()} MB after start + 1 read`);
  console.log(
    `load average at start: ${load} (timings are wall clock: other work on the machine inflates them)`,
  );

  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  console.log(`\nper image, median of ${rounds} (sequential, 1 worker):`);
  console.log(
    'case'.padEnd(24),
    'baseline ms'.padStart(12),
    'ocr ms'.padStart(8),
    'ratio'.padStart(7),
    'cpu ms'.padStart(7),
    '  result',
  );
  for (const [name, image] of Object.entries(images)) {
    const base: number[] = [];
    const ocr: number[] = [];
    const cpu: number[] = [];
    let last: CardReading | null = null;
    for (let i = 0; i < rounds; i++) {
      base.push(await baselineMs(image));
      const c = process.cpuUsage();
      last = await pool.read(image);
      const used = process.cpuUsage(c);
      cpu.push((used.user + used.system) / 1000);
      ocr.push(last.ms);
    }
    const b = median(base);
    const o = median(ocr);
    const result = `last4=${last!.last4} full=${last!.fullNumberDetected} suspicious=${last!.suspiciousDigitRun}`;
    console.log(
      name.padEnd(24),
      b.toFixed(0).padStart(12),
      o.toFixed(0).padStart(8),
      (o / b).toFixed(1).padStart(7),
      median(cpu).toFixed(0).padStart(7),
      ` ${result}`,
    );
  }
  loop.disable();
  console.log(
    `\nevent-loop delay while reading: p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms, max ${(loop.max / 1e6).toFixed(0)} ms`,
  );

  // Throughput: 24 reads submitted at once.
  const burst = Array.from({ length: 24 }, (_, i) => Object.values(images)[i % Object.keys(images).length]!);
  for (const workers of [1, 2]) {
    // A generous deadline: this measures queueing, which a 10 s timeout would cut short.
    const p = workers === 1 ? pool : createOcrPool({ workers, maxQueue: 64, timeoutMs: 600_000 });
    if (workers === 2) await Promise.all([p.read(images.masked!), p.read(images.masked!)]); // start both
    const t = performance.now();
    const results = await Promise.all(burst.map((img) => p.read(img)));
    const total = performance.now() - t;
    const waits = results.map((r) => r.ms);
    console.log(
      `${workers} worker(s): 24 reads in ${total.toFixed(0)} ms (${((24 * 1000) / total).toFixed(1)}/s),` +
        ` latency median ${median(waits)} ms, max ${Math.max(...waits)} ms; RSS ${mb()} MB`,
    );
    if (workers === 2) await p.close();
  }

  // Memory over many reads on one worker.
  const n = 100;
  const all = Object.values(images);
  for (let i = 0; i < n; i++) await pool.read(all[i % all.length]!);
  console.log(`after ${n} more reads on 1 worker: RSS ${mb()} MB`);
  await pool.close();
  console.log(`after close: RSS ${mb()} MB`);
}

await main();
