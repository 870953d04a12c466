// What the card reader adds to an upload, on real documents (issue 12 point 6): every file of
// ../shared/fixtures/real-cards through the real checker and the real guard (the line reader pool the
// API runs, one OCR worker with its recogniser helper, and the tesseract second reader), one upload at a
// time, as scripts/eval-cards.ts decides them. Targets: the guard's time on an upload p95 <= 1 s; the
// first read after the pool starts (worker start, model load, the first file) <= 2 s; and every file
// decided as its manifest expects (a faster reader that reads less is not a win). The checker's own
// time on the same uploads, measured in the same run, is given beside the reader's as its baseline.
// Every figure carries the load average at its start.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineReaderEngineFactory } from '../src/modules/documents/ocr.engine.ts';
import { createOcrPool } from '../src/modules/documents/ocr.ts';
import { type Entry, evaluate, matchesExpectation } from '../scripts/eval-cards.ts';
import { isMain, percentile, printResult, round, row, runBench } from './lib.ts';

const DIR = fileURLToPath(new URL('../../shared/fixtures/real-cards/', import.meta.url));
const silent = { info() {}, warn() {} };
const load = () =>
  os
    .loadavg()
    .map((x) => round(x, 2))
    .join(' ');

export async function main() {
  return runBench('card-reading', 'card reader on real documents', async () => {
    const manifest = path.join(DIR, 'manifest.json');
    if (!existsSync(manifest)) throw new Error(`no ${manifest}: the real-card fixtures are needed`);
    const entries = JSON.parse(readFileSync(manifest, 'utf8')) as Entry[];
    const pool = createOcrPool({
      workers: 1,
      maxQueue: 64,
      timeoutMs: 60_000,
      engineFactory: lineReaderEngineFactory(),
      logger: silent,
    });
    const second = createOcrPool({ workers: 1, maxQueue: 64, timeoutMs: 60_000, logger: silent });
    const coldLoad = load();
    const t0 = performance.now();
    await pool.read(readFileSync(path.join(DIR, entries[0]!.file)));
    const firstReadMs = performance.now() - t0;
    const runLoad = load();
    const outcomes = [];
    for (const e of entries) {
      const r = await evaluate(pool, second, path.join(DIR, e.file), e.slot, e.last4 ?? null);
      outcomes.push({ file: e.file, slot: e.slot, ...r, matches: matchesExpectation(e, r.got, r.last4Read) });
    }
    await pool.close();
    await second.close();
    const added = outcomes.map((o) => o.addedMs);
    const checker = outcomes.map((o) => o.ms - o.addedMs);
    const p95 = percentile(added, 95);
    const matching = outcomes.filter((o) => o.matches).length;
    const slowest = [...outcomes].sort((a, b) => b.addedMs - a.addedMs).slice(0, 3);
    return {
      rows: [
        row(
          'reader time added to an upload, p95 over the real files',
          '<= 1000 ms',
          `${Math.round(p95)} ms (p50 ${Math.round(percentile(added, 50))}; the checker's own p95 ${Math.round(percentile(checker, 95))} ms; ${outcomes.length} files; load ${runLoad})`,
          p95,
          p95 <= 1000,
        ),
        row(
          'first read after the pool starts (worker start, models, first file)',
          '<= 2000 ms',
          `${Math.round(firstReadMs)} ms (load ${coldLoad})`,
          firstReadMs,
          firstReadMs <= 2000,
        ),
        row(
          'files decided as the manifest expects',
          `${outcomes.length}/${outcomes.length}`,
          `${matching}/${outcomes.length}`,
          matching,
          matching === outcomes.length,
        ),
      ],
      details: {
        loadAtStart: coldLoad,
        loadAtEnd: load(),
        slowest: slowest.map((o) => ({ file: o.file, slot: o.slot, addedMs: Math.round(o.addedMs) })),
        perFile: outcomes.map((o) => ({
          file: o.file,
          got: o.got,
          addedMs: Math.round(o.addedMs),
          checkerMs: Math.round(o.ms - o.addedMs),
          cpuMs: Math.round(o.cpuMs),
        })),
      },
      notes: [`slowest reads: ${slowest.map((o) => `${o.file} ${Math.round(o.addedMs)} ms`).join(', ')}`],
    };
  });
}

if (isMain(import.meta.url)) printResult(await main());
