import { describe, expect, it } from 'vitest';
import {
  checkDecisionShape,
  moreInfoGoesToLead,
  needsSecondApproval,
  unknownCodes,
} from '../../src/modules/review/review.rules.ts';

function code(f: () => void): string | null {
  try {
    f();
    return null;
  } catch (e) {
    return (e as { code: string }).code;
  }
}

describe('checkDecisionShape', () => {
  it('approval needs nothing; rejection needs a reason; more info needs a reason and slots', () => {
    expect(code(() => checkDecisionShape({ decision: 'APPROVE', reasonCodes: [], slots: [] }))).toBeNull();
    expect(code(() => checkDecisionShape({ decision: 'REJECT', reasonCodes: [], slots: [] }))).toBe(
      'CASE.REASON_REQUIRED',
    );
    expect(code(() => checkDecisionShape({ decision: 'REJECT', reasonCodes: ['X'], slots: [] }))).toBeNull();
    expect(
      code(() => checkDecisionShape({ decision: 'REQUEST_MORE_INFO', reasonCodes: [], slots: ['ID_FRONT'] })),
    ).toBe('CASE.REASON_REQUIRED');
    expect(
      code(() => checkDecisionShape({ decision: 'REQUEST_MORE_INFO', reasonCodes: ['X'], slots: [] })),
    ).toBe('CASE.SLOTS_REQUIRED');
    expect(
      code(() =>
        checkDecisionShape({ decision: 'REQUEST_MORE_INFO', reasonCodes: ['X'], slots: ['ID_FRONT'] }),
      ),
    ).toBeNull();
    expect(
      code(() => checkDecisionShape({ decision: 'APPROVE', reasonCodes: [], slots: ['ID_FRONT'] })),
    ).toBe('REQUEST.INVALID');
  });
});

describe('unknownCodes', () => {
  it('lists codes missing from the catalogue once, in request order', () => {
    const known = new Set(['IMAGE_BLURRY', 'NAME_MISMATCH']);
    expect(unknownCodes(['NOPE', 'IMAGE_BLURRY', 'ZED', 'NOPE'], known)).toEqual(['NOPE', 'ZED']);
    expect(unknownCodes(['IMAGE_BLURRY'], known)).toEqual([]);
    expect(unknownCodes(['image_blurry'], known)).toEqual(['image_blurry']);
  });
});

describe('needsSecondApproval', () => {
  it('strictly above the threshold, exact for amounts beyond 2^53', () => {
    expect(needsSecondApproval(100_000n, 100_000)).toBe(false);
    expect(needsSecondApproval(100_001n, 100_000)).toBe(true);
    expect(needsSecondApproval(9_007_199_254_740_993n, 9_007_199_254_740_992)).toBe(true);
  });
});

describe('moreInfoGoesToLead', () => {
  it('a reviewer at the cap hands over; a lead may still ask', () => {
    expect(moreInfoGoesToLead(2, 3, false)).toBe(false);
    expect(moreInfoGoesToLead(3, 3, false)).toBe(true);
    expect(moreInfoGoesToLead(3, 3, true)).toBe(false);
    expect(moreInfoGoesToLead(4, 3, false)).toBe(true);
  });
});
