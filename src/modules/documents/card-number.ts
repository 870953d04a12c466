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
  /**
   * the length and the leading digits fit a card brand's IIN range (Visa 4 with 13/16/19 digits,
   * Mastercard 51-55 and 2221-2720 with 16, Amex 34/37 with 15, ...: BRANDS below)
   */
  issuerRange: boolean;
  /** printed the way cards print numbers: 3+ groups of 3-6 digits (4-4-4-4, 4-6-5, 4-4-4-4-3, 4-3-3-3) */
  grouped: boolean;
}

const MIN_PAN = 13;
const MAX_PAN = 19;
/** OCR lines longer than this are cut before any pattern runs on them (nothing on a card is that long) */
export const MAX_LINE_CHARS = 200;
/** lines of one document looked at; a page of small print has fewer */
export const MAX_LINES = 400;

// Card brands by IIN prefix range and allowed lengths (ISO/IEC 7812 registrations as the networks publish
// them). A run that is Luhn-valid but fits no brand is not a card number: a misread phone number on a
// card back formed a 13-digit Luhn-valid run starting with 3, which no brand issues at 13 digits.
const BRANDS: { from: string; to: string; lengths: number[] }[] = [
  { from: '4', to: '4', lengths: [13, 16, 19] }, // Visa (and Visa Electron)
  { from: '51', to: '55', lengths: [16] }, // Mastercard
  { from: '2221', to: '2720', lengths: [16] }, // Mastercard 2-series
  { from: '34', to: '34', lengths: [15] }, // American Express
  { from: '37', to: '37', lengths: [15] },
  { from: '300', to: '305', lengths: [14, 15, 16, 17, 18, 19] }, // Diners Club International
  { from: '3095', to: '3095', lengths: [14, 15, 16, 17, 18, 19] },
  { from: '36', to: '36', lengths: [14, 15, 16, 17, 18, 19] },
  { from: '38', to: '39', lengths: [14, 15, 16, 17, 18, 19] },
  { from: '3528', to: '3589', lengths: [16, 17, 18, 19] }, // JCB
  { from: '6011', to: '6011', lengths: [16, 17, 18, 19] }, // Discover
  { from: '644', to: '649', lengths: [16, 17, 18, 19] },
  { from: '65', to: '65', lengths: [16, 17, 18, 19] },
  { from: '62', to: '62', lengths: [16, 17, 18, 19] }, // UnionPay
  { from: '2200', to: '2204', lengths: [16, 17, 18, 19] }, // Mir
  { from: '50', to: '50', lengths: [13, 14, 15, 16, 17, 18, 19] }, // Maestro and domestic schemes
  { from: '56', to: '69', lengths: [13, 14, 15, 16, 17, 18, 19] }, // Maestro, RuPay, Troy, ...
];

/** Does a run of digits have a length and prefix some card brand issues? */
export function fitsCardBrand(digits: string): boolean {
  return BRANDS.some((b) => {
    if (!b.lengths.includes(digits.length)) return false;
    const prefix = digits.slice(0, b.from.length);
    return prefix >= b.from && prefix <= b.to;
  });
}

// A run of digit groups on one line, separated by blanks or a dash, as cards and statements print them
// ("4111 1111 1111 1111", "3782-822463-10005", "4111111111111111"). Groups have 3+ digits: a stray
// digit or two is what OCR makes of a smudge or a logo ("2 96969696 96969696"), and letting it start a
// number turned garbage into "issuer range" candidates; no network prints groups of 1-2 digits.
// Line breaks end a run (except stacked single groups, below). Other characters ('/', '.', ',',
// letters) end a run too, which keeps dates (12/28) and amounts (1,234.56) out. Linear: each separator
// is a bounded class and groups are greedy digits, so there is no nested ambiguity to backtrack into.
const GROUP_RUN = /(?<!\d)\d{3,}(?:(?:[ \t]{1,3}-?[ \t]{0,3}|-[ \t]{0,3})\d{3,})*(?!\d)/g;
// A line that holds one 4-digit group and nothing else but framing (quick-read cards print the number as
// four stacked groups, often with a bracket beside each).
// Only brackets and bars may frame the group: a column of amounts ("$975", "-$100") is not a number.
const STACKED_GROUP_LINE = /^[[\]|() ]{0,3}(\d{4})[[\]|() ]{0,3}$/;

// What OCR makes of digits in OCR-A, Farrington and embossed faces. Applied only inside a token that
// already holds a digit and nothing but digits and these letters, so words ("VISA", "SOLO") stay.
const MISREADS: Record<string, string> = {
  O: '0',
  o: '0',
  D: '0',
  Q: '0',
  U: '0',
  I: '1',
  l: '1',
  '|': '1',
  '!': '1',
  i: '1',
  Z: '2',
  z: '2',
  S: '5',
  s: '5',
  B: '8',
  G: '6',
  b: '6',
  T: '7',
  q: '9',
  g: '9',
};
const MISREAD_TOKEN = /[0-9OoDQUIl|!iZzSsBGbTqg]+/g;

/** Misread letters inside digit tokens turned into the digits they stand for ("41I1" -> 4111, "b064" -> 6064). */
export function normaliseDigits(text: string): string {
  return text.replace(MISREAD_TOKEN, (t) =>
    /\d/.test(t) ? t.replace(/[^0-9]/g, (c) => MISREADS[c] ?? c) : t,
  );
}

/** OCR text cut into at most MAX_LINES lines of at most MAX_LINE_CHARS characters. */
export function boundedLines(text: string): string[] {
  const lines = text.split('\n', MAX_LINES);
  return lines.map((l) => (l.length > MAX_LINE_CHARS ? l.slice(0, MAX_LINE_CHARS) : l));
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
  const lines = boundedLines(normaliseDigits(text));
  const runs: string[][] = [];
  for (const line of lines) {
    for (const match of line.matchAll(GROUP_RUN))
      runs.push(match[0].split(/\D+/).filter((g) => g.length > 0));
  }
  // stacked groups: consecutive lines of one group each, read as one run (lines without any digit, such
  // as a word printed beside the stack, do not interrupt it)
  let stack: string[] = [];
  for (const line of [...lines, '0']) {
    const m = STACKED_GROUP_LINE.exec(line.trim());
    if (m) stack.push(m[1]!);
    else if (/\d/.test(line)) {
      if (stack.length >= 3) runs.push(stack);
      stack = [];
    }
  }
  for (const groups of runs) {
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
          issuerRange: fitsCardBrand(digits),
          grouped: cardSizedGroups && end - start >= 2,
        });
      }
    }
  }
  return found;
}

/**
 * True when `text` holds a full card number: 13-19 digits, Luhn valid, with a length and prefix of a card
 * brand. The brand matters: blurred asterisks read as zeros give "000000000000 4242", which passes Luhn.
 */
export function containsFullCardNumber(text: string): boolean {
  return findFullCardNumbers(text).some((c) => c.luhn && c.issuerRange);
}

/**
 * True when `text` holds a 13-19 digit number printed in card groups that starts in the issuer range
 * (length and prefix of a brand) but fails Luhn: a real number with one misread digit looks exactly like this, so it is worth a
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
// and so is O for 0. The separator between mask groups is one or more blanks or dashes, a class that
// shares no character with MASK: each character can be matched one way only, so the pattern is linear
// (the earlier `[ \t-]*` separator let a run of X's split into groups in exponentially many ways).
const MASKED_LAST4 = new RegExp(
  `${MASK}{3,}(?:[ \\t-]+${MASK}+)*[ \\t-]*(\\d(?: ?[\\dO]){3})(?![\\dO])`,
  'g',
);
// When blur or bullets make the mask read as zeros, the number comes out as 0000 0000 0000 4242:
// 8-15 zeros (possibly grouped) followed by the last group.
const ZERO_MASKED_LAST4 = /(?<!\d)(?:0[ \t-]{0,3}){8,15}(\d{4})(?!\d)/g;
// A number line covered except its last group (paper over the rest, as buyers are asked to do): the
// line holds one 4-digit group and nothing else but mask characters.
const COVERED_LAST4_LINE = new RegExp(`^(?:${MASK}|[ \\t-])*(\\d{4})$`);

/**
 * The last 4 digits of a masked card number in `text` ("**** **** **** 4242" -> "4242"), or null when
 * none is found or two different masked numbers are (an ambiguous reading is not a reading).
 * Lines are capped (boundedLines) before any pattern runs.
 */
export function readLast4(text: string): string | null {
  const lines = boundedLines(text);
  const masked = new Set<string>();
  for (const line of lines) {
    for (const m of line.matchAll(MASKED_LAST4)) masked.add(m[1]!.replace(/ /g, '').replace(/O/g, '0'));
  }
  if (masked.size === 0) {
    for (const line of lines) for (const m of line.matchAll(ZERO_MASKED_LAST4)) masked.add(m[1]!);
  }
  return masked.size === 1 ? [...masked][0]! : null;
}

/**
 * The last 4 on a card front whose number is covered: a line that is just a 4-digit group (misreads
 * mapped: "b064" is 6064). Used only for CARD_FRONT readings by the line reader, after readLast4 found
 * no mask. Null when no such line or two different ones exist.
 */
export function readCoveredLast4(lines: readonly string[]): string | null {
  const found = new Set<string>();
  for (const raw of lines.slice(0, MAX_LINES)) {
    const line = normaliseDigits(raw.slice(0, MAX_LINE_CHARS).trim());
    const m = COVERED_LAST4_LINE.exec(line);
    if (m) found.add(m[1]!);
  }
  return found.size === 1 ? [...found][0]! : null;
}
