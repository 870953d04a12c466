import { describe, expect, it } from 'vitest';
import {
  containsFullCardNumber,
  containsSuspiciousDigitRun,
  findFullCardNumbers,
  luhnValid,
  readLast4,
} from '../../src/platform/card-number.ts';

// The networks' published test numbers (no real card): 13, 15, 16 and 19 digits.
const VISA_16 = '4111111111111111';
const MC_16 = '5555555555554444';
const MC_2_SERIES = '2223003122003222';
const AMEX_15 = '378282246310005';
const VISA_13 = '4222222222222';
const VISA_19 = '4111111111111111110'; // Luhn-valid 19-digit Visa-range number

describe('luhnValid', () => {
  it.each([VISA_16, MC_16, MC_2_SERIES, AMEX_15, VISA_13, VISA_19, '79927398713'])('accepts %s', (n) => {
    expect(luhnValid(n)).toBe(true);
  });

  it.each([
    '4111111111111112', // last digit changed
    '4111111111111121', // two digits swapped
    '5555555555554440',
    '79927398710',
  ])('rejects %s', (n) => {
    expect(luhnValid(n)).toBe(false);
  });

  it('rejects anything that is not a string of digits', () => {
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('0')).toBe(false);
    expect(luhnValid('4111 1111 1111 1111')).toBe(false);
    expect(luhnValid('4111-1111-1111-1111')).toBe(false);
    expect(luhnValid('41111111111111１1')).toBe(false); // full-width digit
  });
});

describe('findFullCardNumbers', () => {
  it('describes a grouped 16-digit number without returning its digits', () => {
    const found = findFullCardNumbers('4111 1111 1111 1111');
    expect(found).toEqual([{ length: 16, luhn: true, issuerRange: true, grouped: true }]);
    expect(JSON.stringify(found)).not.toMatch(/\d{5,}/);
  });

  it.each([
    ['spaces', '5555 5555 5555 4444', 16, true],
    ['dashes', '5555-5555-5555-4444', 16, true],
    ['dashes with blanks', '5555 - 5555 - 5555 - 4444', 16, true],
    ['no grouping', MC_16, 16, false],
    ['Amex 4-6-5', '3782 822463 10005', 15, true],
    ['13 digits', '4222 2222 22222', 13, true],
    ['19 digits 4-4-4-4-3', '4111 1111 1111 1111 110', 19, true],
    ['2-series Mastercard', '2223 0031 2200 3222', 16, true],
    ['O read for 0', '2223 OO31 22OO 3222', 16, true],
    ['I read for 1', '4III 1111 1111 1111', 16, true],
  ])('finds a full number with %s', (_name, text, length, grouped) => {
    expect(findFullCardNumbers(text)).toContainEqual({ length, luhn: true, issuerRange: true, grouped });
    expect(containsFullCardNumber(text)).toBe(true);
  });

  it('finds a number inside other card text, across an expiry glued to it', () => {
    expect(containsFullCardNumber('VISA\n4111 1111 1111 1111\nVALID THRU 12/28\nJANE Q SAMPLE')).toBe(true);
    // OCR dropped the slash of the expiry date: the 16-digit window is still found
    expect(containsFullCardNumber('4111 1111 1111 1111 1228')).toBe(true);
  });

  it('excludes blurred asterisks read as zeros: Luhn-valid, but outside the issuer range', () => {
    const found = findFullCardNumbers('000000000000 4242');
    expect(found).toEqual([{ length: 16, luhn: true, issuerRange: false, grouped: false }]);
    expect(containsFullCardNumber('000000000000 4242')).toBe(false);
    expect(containsFullCardNumber('0000 0000 0000 4242')).toBe(false);
  });

  it('rejects Luhn-valid numbers starting outside 2-6 and in-range numbers failing Luhn', () => {
    expect(containsFullCardNumber('7111 1111 1111 1114')).toBe(false); // Luhn valid, first digit 7
    expect(luhnValid('7111111111111114')).toBe(true);
    expect(containsFullCardNumber('4111 1111 1111 1112')).toBe(false);
  });

  it.each([
    ['12 digits', '4111 1111 1111'],
    ['20 digits in one run', '41111111111111111110'],
    ['dates and amounts', 'VALID THRU 12/28  MEMBER SINCE 2019  1,234.56 EUR 2024-03-15'],
    ['a phone number', '+44 20 7946 0958'],
    ['digits on separate lines', '4111 1111\n1111 1111'],
    ['digits separated by slashes', '4111/1111/1111/1111'],
    ['digits separated by dots', '4111.1111.1111.1111'],
  ])('does not flag %s', (_name, text) => {
    expect(containsFullCardNumber(text)).toBe(false);
  });

  it('does not let a stray digit or two start or extend a number (OCR garbage from a rotated card)', () => {
    // "2 96969696 96969696" would be a 17-digit issuer-range run if the lone "2" counted
    const found = findFullCardNumbers('2 96969696 96969696 96969696 362362');
    expect(found.map((c) => [c.length, c.issuerRange])).toEqual([
      [16, false],
      [16, false],
      [14, false],
    ]);
    expect(containsSuspiciousDigitRun('2 96969696 96969696 96969696 362362')).toBe(false);
    // a 1-2 digit group splits a run: neither half is 13+ digits
    expect(findFullCardNumbers('4111 1111 11 11 1111')).toEqual([]);
    // trailing expiry remnants do not hide the number before them
    expect(containsFullCardNumber('4111 1111 1111 1111 12')).toBe(true);
  });

  it('returns nothing for text without 13+ digits', () => {
    expect(findFullCardNumbers('')).toEqual([]);
    expect(findFullCardNumbers('**** **** **** 4242')).toEqual([]);
    expect(findFullCardNumbers('ORDER 12345 AMOUNT 99.00')).toEqual([]);
  });
});

describe('containsSuspiciousDigitRun', () => {
  it('flags an issuer-range run that fails Luhn (one misread digit)', () => {
    expect(containsSuspiciousDigitRun('4111 1111 1171 1111')).toBe(true);
    expect(containsFullCardNumber('4111 1111 1171 1111')).toBe(false);
  });

  it('does not flag an unbroken run: OCR makes those out of card edges and patterns', () => {
    expect(containsSuspiciousDigitRun('577777777777777777 VISA 2')).toBe(false);
    expect(findFullCardNumbers('577777777777777777')).toEqual([
      { length: 18, luhn: false, issuerRange: true, grouped: false },
    ]);
  });

  it('does not flag zeros from a mask, a valid full number, or short runs', () => {
    expect(containsSuspiciousDigitRun('0000 0000 0000 4242')).toBe(false);
    expect(containsSuspiciousDigitRun('4111 1111 1111 1111')).toBe(false);
    expect(containsSuspiciousDigitRun('4111 1111 1111')).toBe(false);
  });
});

describe('readLast4', () => {
  it.each([
    ['**** **** **** 4242', '4242'],
    ['****-****-****-4242', '4242'],
    ['************4242', '4242'],
    ['XXXX XXXX XXXX 1234', '1234'],
    ['\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 4242', '4242'],
    ['.... .... .... 4242', '4242'],
    ['4111 **** **** 4242', '4242'], // first 4 visible too
    ['**** 4242', '4242'],
    ['VISA\n\n**** **** **** 4242\nVALID THRU 12/28\n\nJANE Q SAMPLE\n', '4242'],
    ['2 **** **** **** 4242 2', '4242'], // OCR noise around the number
    ['XXXX XXXX XXXX 188 1', '1881'], // OCR split the last group
    ['**** ****** * 1 O O 5', '1005'], // Amex mask, split and with O for 0
  ])('reads %j as %s', (text, last4) => {
    expect(readLast4(text)).toBe(last4);
  });

  it('falls back to a mask read as zeros', () => {
    expect(readLast4('0000 0000 0000 4242')).toBe('4242');
    expect(readLast4('000000000000 4242')).toBe('4242');
  });

  it('prefers the masked number over zeros elsewhere', () => {
    expect(readLast4('**** **** **** 4242\n0000 0000 0000 1111')).toBe('4242');
  });

  it('returns null when two masked numbers disagree', () => {
    expect(readLast4('**** **** **** 4242\n**** **** **** 1881')).toBeNull();
  });

  it('returns null for an unmasked number, a date, or no number at all', () => {
    expect(readLast4('4111 1111 1111 1111')).toBeNull();
    expect(readLast4('VALID THRU 12/28')).toBeNull();
    expect(readLast4('')).toBeNull();
    expect(readLast4('**** **** **** 42')).toBeNull(); // only 2 digits visible
    expect(readLast4('**** **** **** 42424')).toBeNull(); // 5 digits is not a last 4
    expect(readLast4('E 7 1 E E')).toBeNull();
    expect(readLast4('**** OOOO')).toBeNull(); // no digit at all
    expect(readLast4('**** 12 3456')).toBeNull(); // not four digits that end the number
  });
});
