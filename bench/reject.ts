// Benchmark 2: the reject path. Wrong format, pixel bomb (the 20000x14000 fixture) and oversize files are
// refused from size, magic bytes and the header; each is timed against a full check of the real photo in
// the same run (target <= 0.02x). The pixel bomb's RSS growth is measured in a fresh child process
// (bench/reject-rss.ts) so nothing else this process did counts (target < 20 MB).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DEFAULT_THRESHOLDS, inspectUpload } from '../src/modules/documents/checks.sharp.ts';
import { PHOTO } from './image-check.ts';
import { isMain, median, printResult, round, row, runBench } from './lib.ts';

export const GIANT = '/work/shared/fixtures/real-world/giant-image.jpg';

async function timeMany(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

export async function run() {
  return runBench('reject', '2. Reject path', async () => {
    const photo = await readFile(PHOTO);
    const giant = await readFile(GIANT);
    // a GIF: a format the intake refuses, with a plausible size
    const gif = Buffer.concat([Buffer.from('GIF89a'), photo.subarray(6)]);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'appeal-bench-reject-'));
    const oversize = path.join(dir, 'oversize.jpg');
    await writeFile(
      oversize,
      Buffer.concat([photo, Buffer.alloc(DEFAULT_THRESHOLDS.maxBytes + 1 - photo.length)]),
    );

    const expectRejected = async (p: Promise<{ passed: boolean; kind: string }>) => {
      const r = await p;
      if (r.passed || r.kind !== 'rejected') throw new Error('expected a rejection');
    };
    const full = () => inspectUpload({ buffer: photo }, 'ID_FRONT');
    const cases = {
      'wrong format (GIF)': () => expectRejected(inspectUpload({ buffer: gif }, 'ID_FRONT')),
      'pixel bomb (280 MP)': () => expectRejected(inspectUpload({ buffer: giant }, 'ID_FRONT')),
      'oversize (10 MB + 1, from disk)': () => expectRejected(inspectUpload({ path: oversize }, 'ID_FRONT')),
    };
    // warm-up
    await full();
    for (const f of Object.values(cases)) await f();

    const fullMs = median([...(await timeMany(5, full)), ...(await timeMany(5, full))]);
    const rows = [];
    const details: Record<string, unknown> = { fullCheckMedianMs: round(fullMs, 2) };
    for (const [name, f] of Object.entries(cases)) {
      const ms = median(await timeMany(50, f));
      const ratio = ms / fullMs;
      details[name] = { medianMs: round(ms, 3), ratio: round(ratio, 4) };
      rows.push(
        row(
          `${name} / full check`,
          '<= 0.02x',
          `${round(ratio, 4)}x (${round(ms, 2)} vs ${round(fullMs, 1)} ms)`,
          ratio,
          ratio <= 0.02,
        ),
      );
    }
    await rm(dir, { recursive: true, force: true });

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./reject-rss.ts', import.meta.url))],
      { cwd: fileURLToPath(new URL('../', import.meta.url)) },
    );
    const rss = JSON.parse(stdout.trim().split('\n').pop()!) as {
      baselineMB: number;
      peakMB: number;
      growthMB: number;
      rejections: number;
    };
    details.pixelBombRss = rss;
    rows.push(
      row(
        'pixel bomb: RSS growth (fresh process)',
        '< 20 MB',
        `${round(rss.growthMB, 1)} MB over ${rss.rejections} rejections`,
        rss.growthMB,
        rss.growthMB < 20,
      ),
    );
    return {
      rows,
      details,
      notes: [
        'full check = inspectUpload of the real 2725x2225 photo with its defaults (verdict, sanitised copy, OCR input)',
      ],
    };
  });
}

if (isMain(import.meta.url)) printResult(await run());
