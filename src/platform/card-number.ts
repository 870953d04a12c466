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

/** Do the leading digits of a run fall in some brand's IIN range (length not looked at)? */
export function fitsBrandPrefix(digits: string): boolean {
  return BRANDS.some((b) => {
    const prefix = digits.slice(0, b.from.length);
    return prefix.length === b.from.length && prefix >= b.from && prefix <= b.to;
  });
}

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
  return [...cardWindows(text)].map(({ digits, grouped }) => ({
    length: digits.length,
    luhn: luhnValid(digits),
    issuerRange: fitsCardBrand(digits),
    grouped,
  }));
}

/** The 13-19 digit windows findFullCardNumbers describes, with their digits (never leaves this file). */
function* cardWindows(text: string): Generator<{ digits: string; grouped: boolean }> {
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
        yield { digits, grouped: cardSizedGroups && end - start >= 2 };
      }
    }
  }
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

// ---------------------------------------------------------------------------------------------------
// Card slots only: runs printed exactly as card numbers are (docs/card-reading.md, "Card grouping")
// ---------------------------------------------------------------------------------------------------

/** The two layouts networks print: 4-4-4-4 (16 digits: Visa, Mastercard, Discover, JCB, UnionPay, ...) and Amex 4-6-5. */
const CARD_LAYOUTS: readonly (readonly number[])[] = [
  [4, 4, 4, 4],
  [4, 6, 5],
];

// Digits a recogniser swaps for each other on thin, embossed or worn faces (digit for digit; the letter
// misreads are MISREADS above). Kept to the four pairs seen on real cards: every extra pair is more
// single-digit edits, and with enough edits any run can be made to pass Luhn.
const CONFUSABLE: Record<string, readonly string[]> = {
  '0': ['8'],
  '1': ['7'],
  '3': ['8'],
  '5': ['6'],
  '6': ['5'],
  '7': ['1'],
  '8': ['3', '0'],
};

/**
 * How many single confusable-digit corrections of `digits` give a run that fits a brand and passes
 * Luhn (corrections that lead to the same run count once).
 */
export function confusableFixes(digits: string): number {
  const fixed = new Set<string>();
  for (let i = 0; i < digits.length; i++) {
    for (const alt of CONFUSABLE[digits[i]!] ?? []) {
      const candidate = digits.slice(0, i) + alt + digits.slice(i + 1);
      if (fitsCardBrand(candidate) && luhnValid(candidate)) fixed.add(candidate);
    }
  }
  return fixed.size;
}

/**
 * For CARD_FRONT and CARD_BACK: true when a line holds a run in exact card layout (4-4-4-4, or Amex
 * 4-6-5) that either fits a brand's length and prefix as read, Luhn or not, or becomes a brand-fitting,
 * Luhn-valid number by exactly one confusable-digit correction (1/7, 3/8, 5/6, 0/8).
 *
 * Fail-closed by decision: on a card photo nothing but a card number is printed in that layout, and a
 * real number with one misread digit fails Luhn, so Luhn is not asked of a run that already fits a brand.
 * Luhn is what keeps the correction narrow: it is only used to bring a run whose prefix fits no brand
 * (a misread leading digit, "3182 822463 10005") back into one, and only when a single correction does.
 * A mask read as zeros ("0000 0000 0000 4242") fits no brand and is not refused. Not used on statements
 * or ID documents, whose references and account numbers are printed in groups too.
 */
export function containsCardLayoutNumber(text: string): boolean {
  for (const line of boundedLines(normaliseDigits(text))) {
    for (const match of line.matchAll(GROUP_RUN)) {
      const groups = match[0].split(/\D+/).filter((g) => g.length > 0);
      for (let start = 0; start < groups.length; start++) {
        for (const layout of CARD_LAYOUTS) {
          const window = groups.slice(start, start + layout.length);
          if (window.length !== layout.length || window.some((g, i) => g.length !== layout[i])) continue;
          const digits = window.join('');
          if (fitsCardBrand(digits) || confusableFixes(digits) === 1) return true;
        }
      }
    }
  }
  return false;
}

/**
 * Is this line worth a second engine's reading for a card number the first one may have misread? True
 * for a 13-19 digit stretch of whole groups in card grouping or starting in a brand's IIN range, for a
 * 12-19 digit run starting in one (any Luhn, any length: "555555554444" is a Mastercard with 4 digits
 * lost, as the 8-degree synthetic card is read in the worker thread), and for three or more digit
 * groups of which two are 4-digit groups, 12+ digits in all (a card number with a group lost). Phone
 * numbers ("1-800-432-1000", "+44 20 7946 0958"), dates, amounts, national ID numbers starting 0 or 1
 * (CNP, EMSO) and the like are not: they were most of the second passes, at 1-15 s each.
 */
export function mayHoldCardNumber(line: string): boolean {
  // a machine-readable zone (passports, ID cards): '<' fillers, which no card prints; the misread map
  // turns its letters into digits ("36UTO7408122" -> 360707408122, a Diners prefix)
  if (line.includes('<')) return false;
  for (const w of cardWindows(line)) if (w.grouped || fitsBrandPrefix(w.digits)) return true;
  for (const match of boundedLines(normaliseDigits(line))[0]!.matchAll(GROUP_RUN)) {
    const groups = match[0].split(/\D+/).filter((g) => g.length > 0);
    const digits = groups.join('');
    if (digits.length >= 12 && digits.length <= MAX_PAN && fitsBrandPrefix(digits)) return true;
    if (groups.length >= 3 && groups.filter((g) => g.length === 4).length >= 2 && digits.length >= 12)
      return true;
  }
  return false;
}
