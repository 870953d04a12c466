// Where the card-data guard's time goes, per slot and per pass, on a folder of real documents with a
// manifest (default ../shared/fixtures/real-cards): the checker's OCR input, then the worker's passes
// (ocr.read.ts) run in this process with timings around each: detection, line preparation,
// recognition, lines and columns recognised. PDFs: the text layer, then the pages rendered and read.
//
//   npx tsx scripts/profile-ocr.ts [folder] [--rounds=N] [--only=substring]
//
// Wall times on a shared machine: compare rows of one run (the load average is printed with them).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Slot } from '../src/modules/appeals/appeals.rules.ts';
import { scanPdfText } from '../src/modules/documents/checks.pdf.ts';
import { DEFAULT_THRESHOLDS, inspectUpload } from '../src/modules/documents/checks.sharp.ts';
import { PDF_OCR_PAGES } from '../src/modules/documents/documents.guard.ts';
import { renderPdfPage } from '../src/modules/documents/documents.view.ts';
import { createPaddleReader } from '../src/modules/documents/ocr.paddle.ts';
import { type PassTimings, readCardData } from '../src/modules/documents/ocr.read.ts';

interface Entry {
  file: string;
  slot: Slot;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const dir = path.resolve(
  args.find((a) => !a.startsWith('--')) ?? path.join(ROOT, '../shared/fixtures/real-cards'),
);
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 1);
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
}

const entries = (JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Entry[]).filter(
  (e) => !only || e.file.includes(only),
);
const t0 = performance.now();
// as the OCR worker runs it: with the recogniser helper thread
const reader = await createPaddleReader({ helper: true });
await reader.helperStarted();
// the models' first runs allocate; the intake pays that at boot (warmOcrPool)
await readCardData(reader, readFileSync(path.join(dir, entries[0]!.file)), {
  cardFront: false,
  cardBack: false,
});
console.log(`models loaded and first read: ${Math.round(performance.now() - t0)} ms; load ${load()}`);

const bySlot = new Map<string, number[]>();
console.log(
  'file'.padEnd(28),
  'slot'.padEnd(17),
  'check'.padStart(6),
  'guard'.padStart(6),
  '  passes (det / prep / rec ms, lines, columns)',
);
for (let round = 0; round < rounds; round++) {
  for (const e of entries) {
    const file = path.join(dir, e.file);
    const c0 = performance.now();
    const inspection = await inspectUpload({ path: file }, e.slot, DEFAULT_THRESHOLDS, {
      ocrInput: true,
    });
    const checkMs = performance.now() - c0;
    const g0 = performance.now();
    const passes: PassTimings = {};
    const flags = { cardFront: e.slot === 'CARD_FRONT', cardBack: e.slot === 'CARD_BACK' };
    if (inspection.ocrInput) await readCardData(reader, inspection.ocrInput, flags, passes);
    else if (inspection.kind === 'pdf' && inspection.passed && inspection.sanitised) {
      const text = await scanPdfText(inspection.sanitised.bytes, {
        maxPages: DEFAULT_THRESHOLDS.maxPdfPages,
      });
      if (!text.fullNumber) {
        for (let page = 1; page <= Math.min(inspection.pageCount ?? 0, PDF_OCR_PAGES); page++) {
          const png = await renderPdfPage(inspection.sanitised.bytes, page);
          const r = await readCardData(reader, png, flags, passes);
          if (r.full) break;
        }
      }
    }
    const guardMs = performance.now() - g0;
    const list = bySlot.get(e.slot) ?? [];
    list.push(guardMs);
    bySlot.set(e.slot, list);
    const detail = Object.entries(passes)
      .map(
        ([name, t]) =>
          `${name} ${Math.round(t.detMs)}/${Math.round(t.prepMs)}/${Math.round(t.recMs)} ${t.lines}L ${t.columns}c`,
      )
      .join('; ');
    console.log(
      e.file.padEnd(28),
      e.slot.padEnd(17),
      String(Math.round(checkMs)).padStart(6),
      String(Math.round(guardMs)).padStart(6),
      ` ${detail}`,
    );
  }
}
const all = [...bySlot.values()].flat();
console.log('\nguard ms per slot (p50 / p95 / max):');
for (const [slot, ms] of [...bySlot.entries(), ['all', all] as const]) {
  console.log(
    `  ${slot.padEnd(17)} n=${String(ms.length).padStart(3)}  ${Math.round(pct(ms, 50))} / ${Math.round(pct(ms, 95))} / ${Math.round(Math.max(...ms))}`,
  );
}
console.log(`load ${load()}`);
await reader.close();
