// Pure detection of card numbers in OCR text. Nothing here returns or logs the digits of a number it
// finds: callers get lengths and booleans only, so a full number can never leak through a result,
// a log line or an error message (SPEC section 3, "full card number").

/** Luhn (mod 10) check over a string of digits. Anything that is not 2+ ASCII digits is not valid. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export interface CardNumberCandidate {
  /** number of digits, 13-19 */
  length: number;
  luhn: boolean;
  /** first digit 2-6: Mastercard 2-series, Amex/Diners 3, Visa 4, Maestro/Mastercard 5, Maestro/Discover 6 */
  issuerRange: boolean;
  /** printed the way cards print numbers: 3+ groups of 3-6 digits (4-4-4-4, 4-6-5, 4-4-4-4-3, 4-3-3-3) */
  grouped: boolean;
}

const MIN_PAN = 13;
const MAX_PAN = 19;

// A run of digit groups on one line, separated by blanks or a dash, as cards and statements print them
// ("4111 1111 1111 1111", "3782-822463-10005", "4111111111111111"). Groups have 3+ digits: a stray
// digit or two is what OCR makes of a smudge or a logo ("2 96969696 96969696"), and letting it start a
// number turned garbage into "issuer range" candidates; no network prints groups of 1-2 digits.
// Line breaks end a run: digits on different lines of a card are different fields. Other characters
// ('/', '.', ',', letters) end a run too, which keeps dates (12/28) and amounts (1,234.56) out.
const GROUP_RUN = /(?<!\d)\d{3,}(?:(?:[ \t]+|[ \t]*-[ \t]*)\d{3,})*(?!\d)/g;

// OCR confuses O with 0 and I with 1 (both letters are in the whitelist). In a token that already has a
// digit and holds nothing but digits, O and I, the letters are digits: "41I1" is 4111, "VISA" stays.
function normaliseDigits(text: string): string {
  return text.replace(/[0-9OI]+/g, (t) => (/\d/.test(t) ? t.replace(/O/g, '0').replace(/I/g, '1') : t));
}

/**
 * Every 13-19 digit stretch of whole digit groups in `text`, described without its digits.
 * A run of groups is tried at every group boundary, so a number followed by more digits on the same
 * line ("4111 1111 1111 1111 1228" when OCR drops the slash of an expiry date) is still found.
 * A single unbroken run is only a candidate when it is itself 13-19 digits long: sliding a window
 * through a longer run (an IBAN, a reference) would find a Luhn-valid stretch one time in ten.
 */
export function findFullCardNumbers(text: string): CardNumberCandidate[] {
  const found: CardNumberCandidate[] = [];
  for (const match of normaliseDigits(text).matchAll(GROUP_RUN)) {
    const groups = match[0].split(/\D+/).filter((g) => g.length > 0);
    for (let start = 0; start < groups.length; start++) {
      let digits = '';
      let cardSizedGroups = true;
      for (let end = start; end < groups.length; end++) {
        const group = groups[end]!;
        digits += group;
        cardSizedGroups &&= group.length <= 6;
        if (digits.length > MAX_PAN) break;
        if (digits.length < MIN_PAN) continue;
        found.push({
          length: digits.length,
          luhn: luhnValid(digits),
          issuerRange: digits.charCodeAt(0) >= 50 && digits.charCodeAt(0) <= 54, // '2'..'6'
          grouped: cardSizedGroups && end - start >= 2,
        });
      }
    }
  }
  return found;
}

/**
 * True when `text` holds a full card number: 13-19 digits in card grouping, Luhn valid, first digit 2-6.
 * The issuer range matters: blurred asterisks read as zeros give "000000000000 4242", which passes Luhn.
 */
export function containsFullCardNumber(text: string): boolean {
  return findFullCardNumbers(text).some((c) => c.luhn && c.issuerRange);
}

/**
 * True when `text` holds a 13-19 digit number printed in card groups that starts in the issuer range
 * but fails Luhn: a real number with one misread digit looks exactly like this, so it is worth a
 * reviewer's look even though it cannot justify a rejection. Unbroken runs do not count here: OCR makes
 * them out of card edges and patterns ("577777777777777777" from a rotated noisy photo).
 */
export function containsSuspiciousDigitRun(text: string): boolean {
  return findFullCardNumbers(text).some((c) => !c.luhn && c.issuerRange && c.grouped);
}

// Mask characters buyers and banks use, plus what OCR turns them into: '*' and 'X' are in the OCR
// whitelist; bullets (U+2022) and middle dots come out as '.' or not at all.
const MASK = '[*\u2022\u25CF\u00B7\u2219Xx#.]';
// At least one group of 3+ mask characters, possibly more groups and visible digits before it
// ("4111 **** **** 4242"), then four digits that end the number. OCR sometimes splits the last group
// ("188 1" for a monospace "1881", "1 O O 5"), so single blanks between those four digits are allowed,
// and so is O for 0.
const MASKED_LAST4 = new RegExp(
  `${MASK}{3,}(?:[ \\t-]*${MASK}+)*[ \\t-]*(\\d(?: ?[\\dO]){3})(?![\\dO])`,
  'g',
);
// When blur or bullets make the mask read as zeros, the number comes out as 0000 0000 0000 4242:
// 8-15 zeros (possibly grouped) followed by the last group.
const ZERO_MASKED_LAST4 = /(?<!\d)(?:0[ \t-]*){8,15}(\d{4})(?!\d)/g;

/**
 * The last 4 digits of a masked card number in `text` ("**** **** **** 4242" -> "4242"), or null when
 * none is found or two different masked numbers are (an ambiguous reading is not a reading).
 */
export function readLast4(text: string): string | null {
  const masked = new Set<string>();
  for (const m of text.matchAll(MASKED_LAST4)) masked.add(m[1]!.replace(/ /g, '').replace(/O/g, '0'));
  if (masked.size === 0) {
    for (const m of text.matchAll(ZERO_MASKED_LAST4)) masked.add(m[1]!);
  }
  return masked.size === 1 ? [...masked][0]! : null;
}
