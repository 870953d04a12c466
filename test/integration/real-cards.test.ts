// The real reader (line reader + tesseract second pass, as the intake runs them) on the real card photos
// in ../shared/fixtures/real-cards (manifest.json), through the real checker and guard: the figures of
// issue 12's "Done when". scripts/eval-cards.ts prints the same figures per file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrPool, type OcrPool } from '../../src/modules/documents/ocr.ts';
import { lineReaderEngineFactory } from '../../src/modules/documents/ocr.engine.ts';
import { evaluate } from '../../scripts/eval-cards.ts';
import { REAL_CARDS_DIR } from '../support/shared.ts';

const DIR = REAL_CARDS_DIR;
interface Entry {
  file: string;
  slot: 'CARD_FRONT';
  last4?: string | null;
  fullNumber?: boolean | null;
  luhn?: boolean | null;
}
const manifest: Entry[] = existsSync(path.join(DIR, 'manifest.json'))
  ? JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8'))
  : [];
const fronts = manifest.filter((e) => e.slot === 'CARD_FRONT');

let pool: OcrPool;
let second: OcrPool;
const got = new Map<string, { got: string; last4Read: string | null }>();

beforeAll(async () => {
  pool = createOcrPool({
    workers: 1,
    maxQueue: 64,
    timeoutMs: 120_000,
    engineFactory: lineReaderEngineFactory(),
  });
  second = createOcrPool({ workers: 1, maxQueue: 64, timeoutMs: 120_000 });
  for (const e of fronts) {
    got.set(e.file, await evaluate(pool, second, path.join(DIR, e.file), e.slot, e.last4 ?? null));
  }
}, 900_000);
afterAll(async () => {
  await pool?.close();
  await second?.close();
});

describe.skipIf(fronts.length === 0)('real card fronts', () => {
  it('no masked card is refused for its number', () => {
    const masked = fronts.filter((e) => e.fullNumber === false);
    expect(masked.length).toBeGreaterThan(0);
    for (const e of masked) expect(got.get(e.file)!.got, e.file).not.toContain('CARD_NUMBER_VISIBLE');
  });

  it('the last 4 are read, and right, on at least 80% of the masked fronts', () => {
    const masked = fronts.filter((e) => e.fullNumber === false);
    const right = masked.filter((e) => got.get(e.file)!.last4Read === e.last4);
    const wrong = masked.filter((e) => got.get(e.file)!.last4Read && got.get(e.file)!.last4Read !== e.last4);
    expect(right.length / masked.length).toBeGreaterThanOrEqual(0.8);
    expect(wrong).toEqual([]);
  });

  it('legible Luhn-valid full numbers are refused with DOCUMENT.CARD_NUMBER_VISIBLE', () => {
    const full = fronts.filter((e) => e.fullNumber && e.luhn);
    const refused = full.filter((e) => got.get(e.file)!.got.startsWith('REJECT CARD_NUMBER_VISIBLE'));
    const missed = full.filter((e) => !refused.includes(e)).map((e) => e.file);
    console.log(
      `[real-cards] full numbers refused ${refused.length}/${full.length}; missed: ${missed.join(', ')}`,
    );
    // Issue 12 asks for every one, and the reader refuses all 15 (the small Mastercard through the
    // light-neutral plane, its photo through the same plane or the crop re-read).
    expect(missed).toEqual([]);
  });
});
