// Which document a picture is, from the words the line reader saw: MRZ lines (a passport data page or
// the back of an ID card), the word PASSPORT, bank and statement words, card brand marks and the words
// of a card's back. Runs in the OCR worker thread beside the card-number rules; only these booleans and
// counts leave it, never the text (on a card photo it may hold a full number).

export interface TextCues {
  /** machine-readable zone: TD3 lines starting P< (passport data page) or TD1 lines (ID card back) */
  mrz: 'passport' | 'id-card' | null;
  /** PASSPORT (or its usual translations) printed on the page */
  passport: boolean;
  /** distinct bank / statement words (STATEMENT, BALANCE, TRANSACTIONS, 账单 ...) */
  bankWords: number;
  /** a card network's name: VISA, MASTERCARD, AMEX, UNIONPAY, 银联 ... */
  brand: boolean;
  /** words of a card's back: AUTHORIZED SIGNATURE, NOT VALID UNLESS SIGNED, CUSTOMER SERVICE ... */
  cardBackWords: boolean;
}

export const NO_CUES: TextCues = {
  mrz: null,
  passport: false,
  bankWords: 0,
  brand: false,
  cardBackWords: false,
};

const BANK_WORDS: readonly RegExp[] = [
  /STATEMENT/,
  /\bACCOUNT\b/,
  /BALANCE/,
  /TRANSACTIONS?/,
  /PAYMENT\s*DUE/,
  /MINIMUM\s*PAYMENT/,
  /CLOSING\s*DATE/,
  /CREDIT\s*LIMIT/,
  /\bBANK\b/,
  /对账单|账单/,
  /交易/,
  /余额/,
  /还款/,
];
const BRAND =
  /\bVISA\b|MASTER\s?CARD|\bAMEX\b|AMERICAN\s*EXPRESS|UNION\s?PAY|银联|\bDISCOVER\b|\bJCB\b|MAESTRO|DINERS/;
const CARD_BACK =
  /AUTHORI[SZ]ED\s*SIGNATURE|NOT\s*VALID\s*UNLESS\s*SIGNED|CUSTOMER\s*SERVICE|THIS\s*CARD\s*IS|签名/;
const PASSPORT = /PASSPORT|PASSEPORT|PASAPORTE|REISEPASS|护照/;

/** One MRZ line as read: spaces dropped, the chevron's usual misreads («, ‹) mapped back to <. */
function mrzLine(text: string): string {
  return text.toUpperCase().replace(/\s+/g, '').replace(/[«‹]/g, '<');
}

function mrzKind(texts: readonly string[]): TextCues['mrz'] {
  const lines = texts
    .map(mrzLine)
    .filter((l) => /^[A-Z0-9<]{25,50}$/.test(l) && (l.match(/</g)?.length ?? 0) >= 3);
  if (lines.length === 0) return null;
  if (lines.some((l) => /^P[A-Z<]/.test(l) && l.length >= 38)) return 'passport';
  if (lines.some((l) => /^[ACI][A-Z<]/.test(l) && l.length <= 34)) return 'id-card';
  // a zone whose first line was misread still says "travel document": the longer lines are a passport's
  return lines.some((l) => l.length >= 38) ? 'passport' : 'id-card';
}

export function textCues(texts: readonly string[]): TextCues {
  const all = texts.map((t) => t.slice(0, 200).toUpperCase()).join('\n');
  return {
    mrz: mrzKind(texts.map((t) => t.slice(0, 200))),
    passport: PASSPORT.test(all),
    bankWords: BANK_WORDS.filter((w) => w.test(all)).length,
    brand: BRAND.test(all),
    cardBackWords: CARD_BACK.test(all),
  };
}
