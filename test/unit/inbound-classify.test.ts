// The e-mail classifier's cues: the words the OCR worker reports (textCues, booleans and counts only)
// and how they place a file, with the file name and shape guesses before them.
import { describe, expect, it } from 'vitest';
import { NO_CUES, textCues } from '../../src/modules/documents/ocr.cues.ts';
import {
  classify,
  classifyByText,
  PLACE_CONFIDENCE,
  withOcr,
} from '../../src/modules/inbound/inbound.classify.ts';

const PASSPORT_MRZ = [
  'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',
  'L898902C36UTO7408122F1204159ZE184226B<<<<<10',
];
const ID_MRZ = [
  'I<UTOD231458907<<<<<<<<<<<<<<<',
  '7408122F1204159UTO<<<<<<<<<<<6',
  'ERIKSSON<<ANNA<MARIA<<<<<<<<<<',
];

describe('textCues (inside the OCR worker)', () => {
  it('tells a passport data page (TD3, P<) from an ID card back (TD1), read with spaces and «', () => {
    expect(textCues(['PASSPORT', ...PASSPORT_MRZ]).mrz).toBe('passport');
    expect(textCues(PASSPORT_MRZ.map((l) => l.replace(/<</g, '« ').replace(/(.{10})/g, '$1 '))).mrz).toBe(
      'passport',
    );
    expect(textCues(ID_MRZ).mrz).toBe('id-card');
    expect(textCues(['REPUBLIC OF UTOPIA', 'NAME ANNA']).mrz).toBeNull();
  });
  it('counts distinct bank words, sees brand marks and the words of a card back', () => {
    const st = textCues([
      'Monthly Statement',
      'Account number ****1234',
      'Closing balance 120.00',
      '交易明细',
    ]);
    expect(st.bankWords).toBe(4);
    expect(st.brand).toBe(false);
    const front = textCues(['VISA', '**** **** **** 4242', 'VALID THRU 12/28']);
    expect(front).toMatchObject({ brand: true, bankWords: 0, cardBackWords: false, passport: false });
    expect(textCues(['AUTHORIZED SIGNATURE', 'mastercard']).cardBackWords).toBe(true);
    expect(textCues(['中国银联 UnionPay']).brand).toBe(true);
    // "visa" inside a word is no brand
    expect(textCues(['ADVISABLE']).brand).toBe(false);
  });
});

describe('classifyByText and withOcr', () => {
  it('an MRZ places a camera-named photo: passport page -> ID_FRONT, TD1 -> ID_BACK', () => {
    const before = classify({ filename: 'IMG_4100.JPG', isPdf: false, width: 4032, height: 3024 });
    expect(before.slot).toBeNull();
    const p = withOcr(before, classifyByText(textCues(PASSPORT_MRZ), null, '4242'));
    expect(p).toMatchObject({ slot: 'ID_FRONT', cue: 'ocr:mrz-passport' });
    expect(p.confidence).toBeGreaterThanOrEqual(PLACE_CONFIDENCE);
    expect(classifyByText(textCues(ID_MRZ), null, '4242')?.slot).toBe('ID_BACK');
  });
  it("the order's last 4 read on a card -> CARD_FRONT; another last 4 is not a card-front placement", () => {
    const cues = textCues(['VISA', '**** **** **** 4242']);
    expect(classifyByText(cues, '4242', '4242')).toMatchObject({ slot: 'CARD_FRONT', confidence: 0.95 });
    const other = classifyByText(cues, '1111', '4242')!;
    expect(other.slot).toBe('CARD_FRONT');
    expect(other.confidence).toBeLessThan(PLACE_CONFIDENCE);
  });
  it('statement words -> BILLING_STATEMENT; one word alone stays below the placing confidence', () => {
    const two = classifyByText(textCues(['STATEMENT', 'BALANCE']), null, '4242')!;
    expect(two.slot).toBe('BILLING_STATEMENT');
    expect(two.confidence).toBeGreaterThanOrEqual(PLACE_CONFIDENCE);
    expect(classifyByText(textCues(['BALANCE']), null, '4242')!.confidence).toBeLessThan(PLACE_CONFIDENCE);
    expect(classifyByText(NO_CUES, null, '4242')).toBeNull();
    expect(classifyByText(undefined, null, '4242')).toBeNull();
  });
  it('agreement raises the confidence; the stronger guess wins a disagreement', () => {
    const name = classify({ filename: 'id.jpg', isPdf: false }); // ID_FRONT at 0.6
    expect(name.confidence).toBeLessThan(PLACE_CONFIDENCE);
    const agreed = withOcr(name, classifyByText(textCues(['PASSPORT']), null, '0000'));
    expect(agreed.slot).toBe('ID_FRONT');
    expect(agreed.confidence).toBeGreaterThanOrEqual(PLACE_CONFIDENCE);
    const back = withOcr(name, classifyByText(textCues(ID_MRZ), null, '0000'));
    expect(back.slot).toBe('ID_BACK');
  });
});
