// Which slot a file is for, with a confidence (0..1): words of the file name (English and Chinese), a PDF
// is a statement, the picture's shape (an ID-1 card, 85.60 x 53.98 mm, is 1.586:1; a passport data page,
// 125 x 88 mm, is 1.42:1). A guess below PLACE_CONFIDENCE leaves the file UNSORTED for the buyer, and so
// does every card front (its last 4 must be stated, or read by OCR and equal the order's).
import type { Slot } from '../appeals/appeals.rules.ts';

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
