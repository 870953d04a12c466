// The rules added for real cards: brand-aware full numbers, misread digits, stacked groups, the covered
// number's last 4, the CVV line rule, and linear parsing of long lines (issue 15.1).
import { describe, expect, it } from 'vitest';
import { containsCvv, lineShowsCvv } from '../../src/modules/documents/card-cvv.ts';
import {
  containsFullCardNumber,
  containsSuspiciousDigitRun,
  findFullCardNumbers,
  fitsCardBrand,
  MAX_LINE_CHARS,
  normaliseDigits,
  readCoveredLast4,
  readLast4,
} from '../../src/platform/card-number.ts';
import { analyseLines, digitLike } from '../../src/modules/documents/ocr.analyse.ts';

describe('brand fit (IIN prefix and length)', () => {
  it.each([
    ['4111111111111111', true], // Visa 16
    ['4222222222222', true], // Visa 13
    ['378282246310005', true], // Amex 15
    ['5555555555554444', true], // Mastercard
    ['2223003122003222', true], // Mastercard 2-series
    ['6011111111111117', true], // Discover
    ['3530111333300000', true], // JCB
    ['6200000000000005', true], // UnionPay
    ['30569309025904', true], // Diners 14
    ['3782822463100050', false], // Amex prefix with 16 digits
    ['5555555555554', false], // Mastercard prefix with 13 digits
    ['3000000000004', false], // 13 digits starting 3: no brand issues that (the misread phone number)
    ['7111111111111114', false],
    ['0000000000004242', false],
  ])('%s -> %s', (digits, fits) => {
    expect(fitsCardBrand(digits)).toBe(fits);
  });

  it('refuses a Luhn-valid 13-digit run that fits no brand', () => {
    // 3 + 12 digits, Luhn valid: what a misread phone number on a card back looked like
    expect(findFullCardNumbers('3000 000 000 007').some((c) => c.luhn)).toBe(true);
    expect(containsFullCardNumber('3000 000 000 007')).toBe(false);
  });
});

describe('misreads inside digit tokens', () => {
  it('maps OCR-A and embossed misreads only where digits are', () => {
    expect(normaliseDigits('b064')).toBe('6064');
    expect(normaliseDigits('0O0S')).toBe('0005');
    expect(normaliseDigits('4lZ3 B7G9')).toBe('4123 8769');
    expect(normaliseDigits('VISA GOLD DEBIT')).toBe('VISA GOLD DEBIT');
    expect(containsFullCardNumber('4lll 1111 1111 1111')).toBe(true);
  });
});

describe('stacked groups (quick-read cards)', () => {
  it('joins four stacked 4-digit groups, also with brackets and a word between them', () => {
    expect(containsFullCardNumber('4242\n4242\n4242\n4242')).toBe(true);
    expect(containsFullCardNumber('[4242]\nleft\n[4242]\n4242]\n[4242]')).toBe(true);
  });
  it('does not join a column of amounts or two-group lines', () => {
    expect(containsFullCardNumber('-$100\nAldi\n$975\n-$150\n$1,950\n$875')).toBe(false);
    expect(containsFullCardNumber('4111 1111\n1111 1111')).toBe(false);
  });
  it('flags a stacked number that fails Luhn as suspicious', () => {
    expect(containsSuspiciousDigitRun('4242\n4242\n4242\n4243')).toBe(true);
  });
});

describe('last 4 of a covered number', () => {
  it('reads a number line that is only its last group', () => {
    expect(readCoveredLast4(['left', 'b064', '07/29', 'ANDREW ANDERSON'])).toBe('6064');
    expect(readCoveredLast4(['0O0S', '09/22 04/33'])).toBe('0005');
  });
  it('gives no reading for two different groups or none', () => {
    expect(readCoveredLast4(['6064', '1055'])).toBeNull();
    expect(readCoveredLast4(['07/29', 'HENRY MARIN'])).toBeNull();
  });
  it('comes from confident lines only, and never for a full number', () => {
    const front = [
      { text: '6064', digits: '6064', conf: 0.95 },
      { text: '07/29', digits: '07129', conf: 0.9 },
    ];
    expect(analyseLines(front, { cardFront: true }).last4).toBe('6064');
    expect(analyseLines([{ ...front[0]!, conf: 0.3 }], { cardFront: true }).last4).toBeNull();
    const full = [{ text: '4111 1111 1111 1111', digits: '4111 1111 1111 1111', conf: 0.9 }];
    expect(analyseLines(full, { cardFront: true })).toMatchObject({ full: true, last4: null });
  });
  it('uses the digits-only decoding on number lines', () => {
    expect(digitLike('3l82 8224b3 1OOO5')).toBe(true);
    expect(digitLike('ANDREW ANDERSON')).toBe(false);
    const lines = [{ text: '37B2 B22463 1OOO5', digits: '3782 822463 10005', conf: 0.8 }];
    expect(analyseLines(lines, {}).full).toBe(true);
  });
});

describe('CVV on the signature strip', () => {
  it.each([
    ['4242 123', true],
    ['4242123', true],
    ['123', true],
    ['CVV 581', true],
    ['CVV581', true],
    ['AUTHORIZED SIGNATURE 737', true],
    ['4242', false], // printed last 4 only
    ['Call 1-800-432-1000', false],
    ['+44 20 7946 0958', false],
    ['800 555 0100', false],
    ['VALID THRU 12/28', false],
    ['Page 2 of 3', false],
    ['Interest paid 123', false],
    ['', false],
  ])('%j -> %s', (line, cvv) => {
    expect(lineShowsCvv(line)).toBe(cvv);
  });
  it('looks at every line, only on card backs', () => {
    expect(containsCvv(['AUTHORIZED SIGNATURE', '4242 123', 'Call 1-800-432-1000'])).toBe(true);
    const lines = [{ text: '4242 123', digits: '4242 123', conf: 0.9 }];
    expect(analyseLines(lines, { cardBack: true }).cvv).toBe(true);
    expect(analyseLines(lines, {}).cvv).toBe(false);
  });
});

describe('parsing stays linear on hostile lines (issue 15.1)', () => {
  // The old MASK pattern took 7 s for 28 X's and doubled per dot of a leader; these complete at once.
  // No timing is asserted (benchmarks hold timings); a backtracking pattern would not finish at all.
  const inputs = {
    xs: 'X'.repeat(5000),
    xsWithSpaces: 'XX '.repeat(1700),
    dottedLeader: `PAYMENT ${'.'.repeat(5000)} 12.34`,
    mixed: `${'*X.-'.repeat(1250)}1`,
    digits: '4'.repeat(5000),
    groups: '1234 '.repeat(1000),
  };
  it.each(Object.entries(inputs))('%s (5,000 characters)', (_name, text) => {
    expect(text.length).toBeGreaterThanOrEqual(5000);
    expect(readLast4(text)).toBeNull();
    expect(containsFullCardNumber(text)).toBe(false);
    expect(readCoveredLast4([text])).toBeNull();
    expect(lineShowsCvv(text)).toBe(false);
  });
  it('caps a line before matching: a number beyond the cap is not looked at', () => {
    expect(containsFullCardNumber(`${' '.repeat(MAX_LINE_CHARS)}4111 1111 1111 1111`)).toBe(false);
    expect(containsFullCardNumber(`x\n4111 1111 1111 1111`)).toBe(true);
  });
});
