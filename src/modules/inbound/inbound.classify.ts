// Which slot a file is for, with a confidence (0..1): words of the file name (English and Chinese), a PDF
// is a statement, the picture's shape (an ID-1 card, 85.60 x 53.98 mm, is 1.586:1; a passport data page,
// 125 x 88 mm, is 1.42:1). A guess below PLACE_CONFIDENCE leaves the file UNSORTED for the buyer, and so
// does every card front (its last 4 must be stated, or read by OCR and equal the order's).
import type { Slot } from '../appeals/appeals.rules.ts';
import type { TextCues } from '../documents/ocr.cues.ts';

export const PLACE_CONFIDENCE = 0.7;

export interface Classification {
  slot: Slot | null;
  confidence: number;
  /** which cue decided (for the case history) */
  cue: string;
}

const FRONT = /(front|正面|^f$)/;
const BACK = /(back|rear|reverse|背面|反面|^b$)/;

function words(filename: string): { list: string[]; all: string } {
  const base = filename.replace(/\.[A-Za-z0-9]{1,5}$/, '').toLowerCase();
  return { list: base.split(/[^a-z0-9\u4e00-\u9fff]+/).filter(Boolean), all: base };
}

function side(list: string[], all: string): 'front' | 'back' | null {
  if (list.some((w) => BACK.test(w)) || /背面|反面/.test(all)) return 'back';
  if (list.some((w) => FRONT.test(w)) || /正面/.test(all)) return 'front';
  return null;
}

export function classifyByName(filename: string): Classification | null {
  const { list, all } = words(filename);
  const has = (...ws: string[]) =>
    list.some((w) => ws.includes(w)) || ws.some((w) => /[\u4e00-\u9fff]/.test(w) && all.includes(w));
  const s = side(list, all);
  if (has('statement', 'bank', 'bill', 'billing', 'invoice', '账单', '对账单', '流水', '银行'))
    return { slot: 'BILLING_STATEMENT', confidence: 0.9, cue: 'name:statement' };
  if (has('passport', '护照')) return { slot: 'ID_FRONT', confidence: 0.9, cue: 'name:passport' };
  const card = has('card', 'visa', 'mastercard', 'amex', 'creditcard', 'debitcard', '信用卡', '银行卡', '卡');
  const id = has(
    'id',
    'idcard',
    'identity',
    'licence',
    'license',
    'driving',
    '身份证',
    '驾照',
    '驾驶证',
    '证件',
  );
  if (has('idcard', 'identity', '身份证') || (id && !card)) {
    if (s === 'back') return { slot: 'ID_BACK', confidence: 0.85, cue: 'name:id-back' };
    return { slot: 'ID_FRONT', confidence: s ? 0.85 : 0.6, cue: 'name:id' };
  }
  if (card) {
    if (s === 'back') return { slot: 'CARD_BACK', confidence: 0.85, cue: 'name:card-back' };
    return { slot: 'CARD_FRONT', confidence: s ? 0.85 : 0.6, cue: 'name:card' };
  }
  return null;
}

export function classifyByShape(width: number | null, height: number | null): Classification | null {
  if (!width || !height) return null;
  const r = Math.max(width, height) / Math.min(width, height);
  if (Math.abs(r - 1.586) / 1.586 < 0.05) return { slot: 'CARD_FRONT', confidence: 0.4, cue: 'shape:id-1' };
  if (Math.abs(r - 1.42) / 1.42 < 0.03) return { slot: 'ID_FRONT', confidence: 0.4, cue: 'shape:passport' };
  return null;
}

export function classify(f: {
  filename: string;
  isPdf: boolean;
  width?: number | null;
  height?: number | null;
}): Classification {
  if (f.isPdf) return { slot: 'BILLING_STATEMENT', confidence: 0.9, cue: 'pdf' };
  return (
    classifyByName(f.filename) ??
    classifyByShape(f.width ?? null, f.height ?? null) ?? { slot: null, confidence: 0, cue: 'none' }
  );
}

/** The slot whose rules an unsorted file is checked against (a PDF only fits the statement). */
export function checkingSlot(c: Classification, isPdf: boolean): Slot {
  if (isPdf) return 'BILLING_STATEMENT';
  return c.slot && c.slot !== 'BILLING_STATEMENT' ? c.slot : 'ID_FRONT';
}

/**
 * The words the intake's OCR read saw (ocr.cues.ts) and the last 4 it read: an MRZ is the strongest cue
 * (P< on a passport data page, TD1 lines on an ID card's back), then two or more bank/statement words,
 * the order's last 4 on a card, the word PASSPORT, a brand mark with or without the words of a card's back.
 */
export function classifyByText(
  cues: TextCues | undefined,
  last4Read: string | null,
  orderLast4: string,
): Classification | null {
  if (!cues) return null;
  if (cues.mrz === 'passport') return { slot: 'ID_FRONT', confidence: 0.9, cue: 'ocr:mrz-passport' };
  if (cues.mrz === 'id-card') return { slot: 'ID_BACK', confidence: 0.85, cue: 'ocr:mrz-id-card' };
  // before the last 4: a statement prints the card's last 4 too ("account ending 4242"), and a card
  // statement often its brand ("Visa Platinum"), which a card itself rarely matches with 3 bank words
  if (cues.bankWords >= 3 || (cues.bankWords >= 2 && !cues.brand))
    return { slot: 'BILLING_STATEMENT', confidence: cues.bankWords >= 3 ? 0.85 : 0.75, cue: 'ocr:statement' };
  if (last4Read !== null && last4Read === orderLast4)
    return { slot: 'CARD_FRONT', confidence: cues.brand ? 0.95 : 0.85, cue: 'ocr:order-last4' };
  if (cues.passport) return { slot: 'ID_FRONT', confidence: 0.8, cue: 'ocr:passport' };
  if (cues.cardBackWords)
    return { slot: 'CARD_BACK', confidence: cues.brand ? 0.8 : 0.7, cue: 'ocr:card-back' };
  if (cues.brand) return { slot: 'CARD_FRONT', confidence: 0.6, cue: 'ocr:brand' };
  if (cues.bankWords === 1) return { slot: 'BILLING_STATEMENT', confidence: 0.5, cue: 'ocr:statement' };
  return null;
}

/**
 * The guess before the read (file name, shape) and the OCR's: when they agree the confidence rises; when
 * they differ the stronger wins. A card front whose last 4 were read but differ from the order's is still
 * a card front, at low confidence (the buyer states the last 4 and the reviewer sees the mismatch flag).
 */
export function withOcr(before: Classification, ocr: Classification | null): Classification {
  if (!ocr) return before;
  if (before.slot === ocr.slot)
    return {
      slot: ocr.slot,
      confidence: Math.min(0.99, Math.max(before.confidence, ocr.confidence) + 0.1),
      cue: `${before.cue}+${ocr.cue}`,
    };
  return ocr.confidence > before.confidence ? ocr : before;
}
