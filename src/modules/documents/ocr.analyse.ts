// From the line reader's output (ocr.paddle.ts) to what the intake may know: booleans and the last 4.
// Runs inside the OCR worker thread, under the read's timeout (the patterns are linear and every line is
// capped, but a stuck read is killed with its thread either way).
import { containsCvv } from './card-cvv.ts';
import {
  containsCardLayoutNumber,
  containsFullCardNumber,
  containsSuspiciousDigitRun,
  mayHoldCardNumber,
  normaliseDigits,
  readCoveredLast4,
  readLast4,
} from '../../platform/card-number.ts';
import { type TextCues, textCues } from './ocr.cues.ts';
import type { OcrLine } from './ocr.paddle.ts';

export interface LineAnalysis {
  last4: string | null;
  full: boolean;
  suspicious: boolean;
  /** only computed when asked (CARD_BACK) */
  cvv: boolean;
  /**
   * a line that may hold a misread card number (mayHoldCardNumber; on a card front without a last 4,
   * also a mask run with digits) gave no verdict: a second engine should look (the guard then asks
   * tesseract; docs/card-reading.md)
   */
  uncertain: boolean;
  /** 0-100: the recogniser's mean probability on the line the last 4 came from, else over all lines */
  confidence: number;
  /** which document the words suggest (the e-mail channel's classifier); never the text itself */
  cues: TextCues;
}

/** A last 4 read with less than this mean character probability is not a reading. */
export const LAST4_MIN_CONF = 0.6;

/** Most of the line's characters are digits once misreads are mapped: decode it digits-only. */
export function digitLike(text: string): boolean {
  const t = normaliseDigits(text).replace(/[\s*X•.-]/g, '');
  if (t.length < 3) return false;
  const digits = t.replace(/\D/g, '').length;
  return digits >= 3 && digits >= 0.6 * t.length;
}

export function analyseLines(
  lines: readonly Pick<OcrLine, 'text' | 'digits' | 'conf'>[],
  opts: {
    cardFront?: boolean;
    cardBack?: boolean;
  },
): LineAnalysis {
  const asRead = lines.map((l) => l.text);
  // number lines decoded with digits only ("3l82 8224b3" is read as the digits it stands for)
  const asDigits = lines.map((l) => (digitLike(l.text) ? l.digits : l.text));
  const textA = asRead.join('\n');
  const textB = asDigits.join('\n');
  // card slots: a run in exact card layout is refused without Luhn (containsCardLayoutNumber)
  const cardSlot = opts.cardFront === true || opts.cardBack === true;
  const full =
    containsFullCardNumber(textA) ||
    containsFullCardNumber(textB) ||
    (cardSlot && (containsCardLayoutNumber(textA) || containsCardLayoutNumber(textB)));
  const suspicious = !full && (containsSuspiciousDigitRun(textA) || containsSuspiciousDigitRun(textB));
  let last4: string | null = null;
  let confidence = lines.length > 0 ? lines.reduce((s, l) => s + l.conf, 0) / lines.length : 0;
  if (opts.cardFront && !full) {
    const confident = lines.filter((l) => l.conf >= LAST4_MIN_CONF);
    const text = confident.map((l) => l.text);
    last4 = readLast4(text.join('\n')) ?? readCoveredLast4(text);
    if (last4 !== null) {
      const source = confident.find((l) => normaliseDigits(l.text).includes(last4!));
      if (source) confidence = source.conf;
    }
  }
  const cvv = opts.cardBack === true && (containsCvv(asRead) || containsCvv(asDigits));
  const maskWithDigits = (t: string) => /[*X•]{3}/.test(t) && /\d/.test(t);
  // the digits-only decoding drops '.', ',', '/' and letters, which glues dates, amounts and MRZ fields
  // into long runs: for the trigger it is used only on lines printed with digits, blanks and dashes
  const plainDigits = lines.map((l, i) => (/[^\d\s-]/.test(normaliseDigits(l.text)) ? '' : asDigits[i]!));
  const numberLike = [...asRead, ...plainDigits].some(
    (t) => mayHoldCardNumber(t) || (opts.cardFront === true && maskWithDigits(normaliseDigits(t))),
  );
  const uncertain = !full && !cvv && (opts.cardFront ? last4 === null : true) && numberLike;
  return {
    last4,
    full,
    suspicious,
    cvv,
    uncertain,
    confidence: Math.round(confidence * 100),
    cues: textCues(asRead),
  };
}
