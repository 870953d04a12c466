// Card slots: runs in exact card layout (4-4-4-4, Amex 4-6-5) refused fail-closed, the single
// confusable-digit correction, and which lines are worth the tesseract second pass (docs/card-reading.md).
import { describe, expect, it } from 'vitest';
import {
  confusableFixes,
  containsCardLayoutNumber,
  fitsCardBrand,
  luhnValid,
  mayHoldCardNumber,
} from '../../src/platform/card-number.ts';
import { analyseLines } from '../../src/modules/documents/ocr.analyse.ts';

const line = (text: string, digits = text) => ({ text, digits, conf: 0.9 });

describe('runs in card layout on card slots', () => {
  it('brings a misread Amex prefix back by one confusable correction (7 read as 1)', () => {
    // the Amex test number 3782 822463 10005 with its 7 read as 1: fits no brand as read
    expect(fitsCardBrand('318282246310005')).toBe(false);
    expect(confusableFixes('318282246310005')).toBe(1);
    expect(containsCardLayoutNumber('3182 822463 10005')).toBe(true);
  });

  it('refuses a brand-fitting 4-4-4-4 run that fails Luhn (fail-closed: one digit misread)', () => {
    expect(luhnValid('4111111111711111')).toBe(false);
    expect(containsCardLayoutNumber('4111 1111 1171 1111')).toBe(true);
    expect(containsCardLayoutNumber('VISA\n5555 5555 5555 4445\n12/28')).toBe(true);
  });

  it('does not refuse masks read as zeros, other layouts, phone numbers or dates', () => {
    expect(containsCardLayoutNumber('0000 0000 0000 4242')).toBe(false);
    expect(containsCardLayoutNumber('**** **** **** 4242')).toBe(false);
    expect(containsCardLayoutNumber('4111 1111 1171 111')).toBe(false); // 4-4-4-3
    expect(containsCardLayoutNumber('41111111 11711111')).toBe(false); // 8-8
    expect(containsCardLayoutNumber('4111111111711111')).toBe(false); // unbroken
    expect(containsCardLayoutNumber('Call 1-800-432-1000 or +44 20 7946 0958')).toBe(false);
    expect(containsCardLayoutNumber('VALID THRU 12/28')).toBe(false);
  });

  it('does not correct a run that two different corrections would make valid (ambiguous)', () => {
    // 15 digits starting 53 fit no brand (Mastercard is 16); two different single corrections pass Luhn
    const run = '536412819514927';
    expect(fitsCardBrand(run)).toBe(false);
    expect(confusableFixes(run)).toBe(2);
    const text = '5364 128195 14927';
    expect(containsCardLayoutNumber(text)).toBe(false);
  });

  it('applies on CARD_FRONT and CARD_BACK only; elsewhere a failing run is flagged, not refused', () => {
    const lines = [line('4111 1111 1171 1111')];
    expect(analyseLines(lines, { cardFront: true }).full).toBe(true);
    expect(analyseLines(lines, { cardBack: true }).full).toBe(true);
    expect(analyseLines(lines, {})).toMatchObject({ full: false, suspicious: true });
    const amex = [line('3182 822463 10005')];
    expect(analyseLines(amex, { cardFront: true }).full).toBe(true);
    expect(analyseLines(amex, {}).full).toBe(false);
  });
});

describe('lines worth a second engine (tesseract) pass', () => {
  it.each([
    ['5555555554444', true], // a Mastercard with 3 digits lost (the 8-degree synthetic card)
    ['5555 5555 4444', true], // a group lost
    ['555555554444', true], // 12 digits read unbroken, Mastercard prefix
    ['123456789012', false], // 12 digits, no brand prefix
    ['3182 822463 10005', true],
    ['4111 1111 1171 1111', true],
    ['1850509204994', false], // a Romanian CNP: 13 digits, no brand prefix
    ['0705966505468', false], // a Slovenian EMSO
    ['Account Number:0000000098765', false],
    ['Call 1-800-432-1000', false],
    ['+44 20 7946 0958', false],
    ['0345 300 0000', false], // 11 digits
    ['17.10.03-09.05.2013', false],
    ['L898902C36UTO7408122F1204159ZE184226B<<<<<10', false], // ICAO 9303 specimen MRZ line
    ['12345678', false],
  ])('%j -> %s', (text, expected) => {
    expect(mayHoldCardNumber(text)).toBe(expected);
  });

  it('asks for a pass on a card-like line, not on dates and amounts glued by the digits-only decoding', () => {
    expect(analyseLines([line(' 5555555554444 ')], { cardFront: true }).uncertain).toBe(true);
    expect(analyseLines([line('17.10.03-09.05.2013', '17100309052013')], {}).uncertain).toBe(false);
    expect(analyseLines([line('3,255.0044,378.97', '3255004437897')], {}).uncertain).toBe(false);
    expect(analyseLines([line('Tel 0800 123 4567 8')], {}).uncertain).toBe(false);
  });

  it('asks for a pass on a mask run with digits only on a card front without a last 4', () => {
    const mask = [line('************1*81')];
    expect(analyseLines(mask, { cardFront: true }).uncertain).toBe(true);
    expect(analyseLines(mask, {}).uncertain).toBe(false);
  });
});
