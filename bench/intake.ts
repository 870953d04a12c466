// Benchmark 3: intake under load. Clients upload ~5 MB 12-megapixel photos through the real endpoint
// (createApp with a real PostgreSQL database and Redis: multer to a private temp dir, the checker, the
// encrypted blob, the transaction) and, in the same process, to a baseline endpoint that only receives
// the multipart body to disk (multer diskStorage) and answers 201. Targets: p99 <= 1.5x the baseline's p99
// at 8 clients; peak RSS <= the baseline's peak + 64 MB, and flat when the clients double (8 -> 16).
// The clients run in a child process (this file, started with BENCH_INTAKE_CLIENT=load), so the RSS sampled
// here is the servers' own and not the load generator's 5 MB request bodies.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const TARGET_BYTES = 5 * 1024 * 1024;

/**
 * A 4032x3024 JPEG of the real photo of about 5 MB that passes every check for ID_FRONT. Made in the
 * client process (BENCH_INTAKE_CLIENT=photo): encoding it five times in the server's process would leave
 * freed libvips memory there for the endpoints to reuse, which hides their own growth.
 */
async function fiveMegabytePhoto(): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const { PHOTO } = await import('./image-check.ts');
  let best: Buffer | null = null;
  for (const q of [96, 97, 98, 99, 100]) {
    best = await sharp(PHOTO)
      .resize(4032, 3024, { fit: 'fill' })
      .sharpen({ sigma: 1.2 })
      .jpeg({ quality: q, chromaSubsampling: '4:4:4' })
      .toBuffer();
    if (best.length >= TARGET_BYTES * 0.95) break;
  }
  return best!;
}

interface Target {
  url: string;
  headers: Record<string, string>;
}

/** What the parent sends the client process (one JSON line on stdin). */
interface LoadOrder {
  photoPath: string;
  /** one target per client */
  targets: Target[];
  perClient: number;
}

/** What the client process answers (one JSON line on stdout). */
interface LoadReport {
  latencies: number[];
  statuses: Record<string, number>;
  ms: number;
}

interface Phase extends LoadReport {
  /** this process's peak RSS during the phase: the servers only */
  peakRssMB: number;
  /** event-loop delay of the servers' process during the phase (p99 and max, ms) */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** share of the phase the servers' event loop was busy (performance.eventLoopUtilization) */
  loopUtilization: number;
}

/** The client process: `targets.length` loops, each sending `perClient` uploads one after another. */
async function clientMain(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const order = JSON.parse(input) as LoadOrder;
  const body = new Blob([new Uint8Array(await readFile(order.photoPath))], { type: 'image/jpeg' });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    order.targets.map(async ({ url, headers }) => {
      for (let i = 0; i < order.perClient; i++) {
        const form = new FormData();
        form.append('slot', 'ID_FRONT');
        form.append('file', body, 'photo.jpg');
        const t = performance.now();
        const res = await fetch(url, { method: 'POST', headers, body: form });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const report: LoadReport = { latencies, statuses, ms: performance.now() - started };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function startChild(mode: 'load' | 'photo', extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_INTAKE_CLIENT: mode, ...extraEnv },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return { child, output: () => out, exited };
}

/** Writes the ~5 MB photo (in a child process, see fiveMegabytePhoto); bench/intake-pool.ts uses it too. */
export async function writePhoto(photoPath: string): Promise<number> {
  const { child, exited } = startChild('photo', { BENCH_INTAKE_PHOTO: photoPath });
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`photo maker exited with ${code}`);
  return statSync(photoPath).size;
}

/** Runs one phase in a fresh client process while sampling this (the servers') process's RSS. */
async function load(
  photoPath: string,
  targets: Target[],
  perClient: number,
  sampler: () => { stop(): number },
): Promise<Phase> {
  const { child, output, exited } = startChild('load');
  // the client's start-up (tsx, module loading) happens before it reads stdin; sampling starts with it,
  // which only adds this process's idle RSS
  const rss = sampler();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const elu = performance.eventLoopUtilization();
  child.stdin.end(JSON.stringify({ photoPath, targets, perClient } satisfies LoadOrder));
  const code = await exited;
  const peakRssMB = rss.stop();
  loop.disable();
  if (code !== 0) throw new Error(`load client exited with ${code}`);
  return {
    ...(JSON.parse(output().trim().split('\n').pop()!) as LoadReport),
    peakRssMB,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
    loopUtilization: performance.eventLoopUtilization(elu).utilization,
  };
}

export async function run() {
  const [{ default: express }, { default: multer }, { createApp }, factories, { listen }, lib] =
    await Promise.all([
      import('express'),
      import('multer'),
      import('../src/app.ts'),
      import('../test/support/factories.ts'),
      import('../test/support/http.ts'),
      import('./lib.ts'),
    ]);
  const { blockedOrder, RISK_KEY, tokenFromUrl } = factories;
  const { createBenchEnv, percentile, round, row, rssMB, rssSampler, runBench, sleep } = lib;
  return runBench('intake', '3. Intake under load', async () => {
    const perClient8 = Number(process.env.BENCH_INTAKE_PER_CLIENT ?? 10);
    const env = await createBenchEnv({ poolSize: 10 });
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'appeal-bench-intake-'));
    const uploads = path.join(tmp, 'baseline');
    const real = await listen(createApp(env.deps));
    // baseline: receive the multipart body to disk, answer 201 (and remove the file, as the real one does)
    const baselineApp = express();
    const upload = multer({ storage: multer.diskStorage({ destination: uploads }) }).single('file');
    baselineApp.post('/upload', upload, (req, res, next) => {
      const file = req.file;
      if (!file) return void res.status(400).end();
      unlink(file.path)
        .then(() => res.status(201).json({ ok: true, size: file.size }))
        .catch(next);
    });
    const base = await listen(baselineApp);
    try {
      const photoPath = path.join(tmp, 'photo.jpg');
      const photoBytes = await writePhoto(photoPath);
      const sample = () => rssSampler(5);
      // one appeal per client and phase (the intake limits uploads per appeal per hour)
      const appeals = async (n: number) =>
        Promise.all(
          Array.from({ length: n }, async () => {
            const r = await fetch(`${real.url}/api/v1/blocked-orders`, {
              method: 'POST',
              headers: { authorization: `Bearer ${RISK_KEY}`, 'content-type': 'application/json' },
              body: JSON.stringify(blockedOrder()),
            });
            const j = (await r.json()) as { appealId: string; appealUrl: string };
            return { appealId: j.appealId, token: tokenFromUrl(j.appealUrl) };
          }),
        );
      const realTargets = (list: { appealId: string; token: string }[]): Target[] =>
        list.map((a) => ({
          url: `${real.url}/api/v1/appeals/${a.appealId}/documents`,
          headers: { authorization: `Bearer ${a.token}` },
        }));
      const baseTargets = (n: number): Target[] =>
        Array.from({ length: n }, () => ({ url: `${base.url}/upload`, headers: {} }));

      // The baseline runs first, 8 then 16 clients, so its peaks are the floor before anything of the
      // checker was ever allocated; then the real endpoint, 8 then 16. Each path is warmed up first
      // (JIT, libvips, connection pools).
      const perClient16 = Math.max(1, Math.round(perClient8 / 2));
      await load(photoPath, baseTargets(2), 2, sample);
      global.gc?.();
      await sleep(500);
      const rssBefore = rssMB();
      const baseline = await load(photoPath, baseTargets(8), perClient8, sample);
      const baseline16 = await load(photoPath, baseTargets(16), perClient16, sample);
      await load(photoPath, realTargets(await appeals(2)), 2, sample);
      global.gc?.();
      await sleep(500);
      const real8 = await load(photoPath, realTargets(await appeals(8)), perClient8, sample);
      const real16 = await load(photoPath, realTargets(await appeals(16)), perClient16, sample);

      const p99 = (p: Phase) => percentile(p.latencies, 99);
      const ratio = p99(real8) / p99(baseline);
      const rssOver = real8.peakRssMB - baseline.peakRssMB;
      const rssGrowth16 = real16.peakRssMB - real8.peakRssMB;
      const ok = (p: Phase) => (p.statuses['201'] ?? 0) === p.latencies.length;
      const summary = (p: Phase) => ({
        requests: p.latencies.length,
        statuses: p.statuses,
        p50: round(percentile(p.latencies, 50), 1),
        p99: round(p99(p), 1),
        max: round(percentile(p.latencies, 100), 1),
        peakRssMB: round(p.peakRssMB, 1),
        eventLoopDelayP99Ms: round(p.loopDelayP99Ms, 1),
        eventLoopDelayMaxMs: round(p.loopDelayMaxMs, 1),
        eventLoopUtilization: round(p.loopUtilization, 3),
        seconds: round(p.ms / 1000, 1),
      });
      return {
        rows: [
          row(
            'p99 real / p99 baseline (8 clients)',
            '<= 1.5x',
            `${round(ratio)}x (${round(p99(real8), 0)} vs ${round(p99(baseline), 0)} ms)`,
            ratio,
            ratio <= 1.5 && ok(real8),
          ),
          row(
            'peak RSS real - baseline (8 clients)',
            '<= 64 MB',
            `${round(rssOver, 1)} MB (${round(real8.peakRssMB, 0)} vs ${round(baseline.peakRssMB, 0)} MB)`,
            rssOver,
            rssOver <= 64,
          ),
          row(
            'peak RSS 16 clients - 8 clients',
            'flat (<= 32 MB)',
            `${round(rssGrowth16, 1)} MB (${round(real16.peakRssMB, 0)} MB)`,
            rssGrowth16,
            rssGrowth16 <= 32 && ok(real16),
          ),
        ],
        details: {
          photoBytes,
          photo: '4032x3024 JPEG of the real photo',
          rssBeforeMB: round(rssBefore, 1),
          baseline: summary(baseline),
          real8: summary(real8),
          real16: summary(real16),
          baseline16: summary(baseline16),
          ocr: 'off (OCR_ENABLED=false; OCR latency has its own benchmark, bench/ocr-latency.ts)',
        },
        notes: [
          "the clients and the photo are made in child processes; both servers and the RSS sampler (every 5 ms) share this process, so peak RSS is the servers' own; the baselines run first (8, then 16 clients), so their peaks are the floor the real endpoint adds to",
          `baseline at 16 clients for comparison: p99 ${round(p99(baseline16), 0)} ms, peak RSS ${round(baseline16.peakRssMB, 0)} MB`,
          '"flat" = the peak at 16 clients is at most 32 MB above the peak at 8',
        ],
      };
    } finally {
      await real.close();
      await base.close();
      await env.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

if (process.env.BENCH_INTAKE_CLIENT === 'load') {
  await clientMain();
} else if (process.env.BENCH_INTAKE_CLIENT === 'photo') {
  writeFileSync(process.env.BENCH_INTAKE_PHOTO!, await fiveMegabytePhoto());
} else if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { printResult } = await import('./lib.ts');
  printResult(await run());
  process.exit(0);
}
