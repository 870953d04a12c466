// The quality-sampling draw (issue 19.4): deterministic per (seed, decision id), the drawn share close to
// the rate, rate 0 none, rate 1 all; the month is the business time zone's.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { drawScore, isDrawn, qaMonth, qaSeed } from '../../src/modules/review/review.qa.draw.ts';

// 10,000 fixed decision ids (UUID-shaped, from a counter): the same input every run
const IDS = Array.from(
  { length: 10_000 },
  (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
);

describe('quality-sampling draw', () => {
  it('is a pure function of the seed and the decision id, a number in [0, 1)', () => {
    const id = randomUUID();
    expect(drawScore('seed-a', id)).toBe(drawScore('seed-a', id));
    expect(drawScore('seed-a', id)).not.toBe(drawScore('seed-b', id));
    for (const x of IDS.slice(0, 500).map((i) => drawScore('seed-a', i))) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('with a fixed seed draws close to the rate over 10,000 decisions', () => {
    for (const [rate, lo, hi] of [
      [0.05, 0.04, 0.06],
      [0.2, 0.185, 0.215],
      [0.5, 0.48, 0.52],
    ] as const) {
      const share = IDS.filter((id) => isDrawn('qa-seed-1', id, rate)).length / IDS.length;
      expect(share, `rate ${rate}`).toBeGreaterThanOrEqual(lo);
      expect(share, `rate ${rate}`).toBeLessThanOrEqual(hi);
    }
  });

  it('rate 0 draws none, rate 1 draws all', () => {
    expect(IDS.filter((id) => isDrawn('qa-seed-1', id, 0))).toHaveLength(0);
    expect(IDS.filter((id) => isDrawn('qa-seed-1', id, 1))).toHaveLength(IDS.length);
  });

  it('a decision drawn at a rate is drawn at every higher rate (one score, one threshold)', () => {
    const at5 = IDS.filter((id) => isDrawn('s', id, 0.05));
    expect(at5.every((id) => isDrawn('s', id, 0.1))).toBe(true);
  });

  it('the seed is QA_SEED, else derived from APPEAL_TOKEN_SECRET (not the secret itself)', () => {
    const secret = 'x'.repeat(40);
    expect(qaSeed({ QA_SEED: 'given', APPEAL_TOKEN_SECRET: secret })).toBe('given');
    const derived = qaSeed({ QA_SEED: undefined, APPEAL_TOKEN_SECRET: secret });
    expect(derived).toMatch(/^[0-9a-f]{64}$/);
    expect(derived).toBe(qaSeed({ QA_SEED: undefined, APPEAL_TOKEN_SECRET: secret }));
    expect(derived).not.toBe(qaSeed({ QA_SEED: undefined, APPEAL_TOKEN_SECRET: 'y'.repeat(40) }));
  });

  it('counts a decision in the month of the business time zone', () => {
    // 23:30 UTC on 31 March is already 1 April in Shanghai; 22:30 UTC is 23:30 in London (BST): March
    expect(qaMonth(new Date('2026-03-31T23:30:00Z'), 'Asia/Shanghai')).toBe('2026-04');
    expect(qaMonth(new Date('2026-03-31T22:30:00Z'), 'Europe/London')).toBe('2026-03');
    expect(qaMonth(new Date('2026-01-31T23:59:00Z'), 'Europe/London')).toBe('2026-01');
  });
});
