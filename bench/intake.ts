// Benchmark 3: intake under load. Clients upload ~5 MB 12-megapixel photos through the real endpoint
// (createApp with a real PostgreSQL database and Redis: multer to a private temp dir, the checker, the
// encrypted blob, the transaction) and, in the same process, to a baseline endpoint that only receives
// the multipart body to disk (multer diskStorage) and answers 201. Targets: p99 <= 1.5x the baseline's p99
// at 8 clients; peak RSS <= the baseline's peak + 64 MB, and flat when the clients double (8 -> 16).
import { mkdtempSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import multer from 'multer';
import sharp from 'sharp';
import { createApp } from '../src/app.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../test/support/factories.ts';
import { listen } from '../test/support/http.ts';
import { PHOTO } from './image-check.ts';
import {
  createBenchEnv,
  isMain,
  percentile,
  printResult,
  round,
  row,
  rssMB,
  rssSampler,
  runBench,
  sleep,
} from './lib.ts';

const TARGET_BYTES = 5 * 1024 * 1024;

/** A 4032x3024 JPEG of the real photo of about 5 MB that passes every check for ID_FRONT. */
async function fiveMegabytePhoto(): Promise<Buffer> {
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

interface Phase {
  latencies: number[];
  statuses: Record<string, number>;
  peakRssMB: number;
  ms: number;
}

/** `clients` loops, each sending `perClient` uploads one after another; each request gets `target()`. */
async function load(
  clients: number,
  perClient: number,
  target: (client: number) => { url: string; headers: Record<string, string> },
  body: Blob,
): Promise<Phase> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const sampler = rssSampler(5);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < perClient; i++) {
        const form = new FormData();
        form.append('slot', 'ID_FRONT');
        form.append('file', body, 'photo.jpg');
        const { url, headers } = target(c);
        const t = performance.now();
        const res = await fetch(url, { method: 'POST', headers, body: form });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const ms = performance.now() - started;
  return { latencies, statuses, peakRssMB: sampler.stop(), ms };
}

export async function run() {
  return runBench('intake', '3. Intake under load', async () => {
    const perClient8 = Number(process.env.BENCH_INTAKE_PER_CLIENT ?? 10);
    const env = await createBenchEnv({ poolSize: 10 });
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'appeal-bench-intake-'));
    const real = await listen(createApp(env.deps));
    // baseline: receive the multipart body to disk, answer 201 (and remove the file, as the real one does)
    const baselineApp = express();
    const upload = multer({ storage: multer.diskStorage({ destination: tmp }) }).single('file');
    baselineApp.post('/upload', upload, (req, res, next) => {
      const file = req.file;
      if (!file) return void res.status(400).end();
      unlink(file.path)
        .then(() => res.status(201).json({ ok: true, size: file.size }))
        .catch(next);
    });
    const base = await listen(baselineApp);
    try {
      const photo = await fiveMegabytePhoto();
      const blob = new Blob([new Uint8Array(photo)], { type: 'image/jpeg' });
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
      const realTarget = (list: { appealId: string; token: string }[]) => (c: number) => ({
        url: `${real.url}/api/v1/appeals/${list[c]!.appealId}/documents`,
        headers: { authorization: `Bearer ${list[c]!.token}` },
      });
      const baseTarget = () => ({ url: `${base.url}/upload`, headers: {} });

      // warm-up of both paths (JIT, libvips, connection pools)
      const warm = await appeals(2);
      await load(2, 2, realTarget(warm), blob);
      await load(2, 2, baseTarget, blob);
      global.gc?.();
      await sleep(500);

      const rssBefore = rssMB();
      const baseline = await load(8, perClient8, baseTarget, blob);
      const real8 = await load(8, perClient8, realTarget(await appeals(8)), blob);
      const real16 = await load(
        16,
        Math.max(1, Math.round(perClient8 / 2)),
        realTarget(await appeals(16)),
        blob,
      );

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
          photoBytes: photo.length,
          photo: '4032x3024 JPEG of the real photo',
          rssBeforeMB: round(rssBefore, 1),
          baseline: summary(baseline),
          real8: summary(real8),
          real16: summary(real16),
          ocr: 'off (OCR_ENABLED=false; OCR latency has its own benchmark, bench/ocr-latency.ts)',
        },
        notes: [
          'clients, both servers and the RSS sampler share one process; the baseline runs first, so its peak is the floor the real endpoint adds to',
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

if (isMain(import.meta.url)) {
  printResult(await run());
  process.exit(0);
}
