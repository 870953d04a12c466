// The security code (CVV2/CVC2/CID) on a card back: PCI DSS 3.3.1 forbids storing it, so a CARD_BACK
// photo where it can be read is refused. Pure text rules over OCR lines; like card-number.ts, nothing
// here returns or logs the digits it looks at.
import { MAX_LINE_CHARS, MAX_LINES, normaliseDigits } from '../../platform/card-number.ts';

// Words printed beside the code or on the signature strip; they do not make a line "other text".
const STRIP_WORDS = /^(?:cvv2?|cvc2?|cid|csc|cav2|security|code|authori[sz]ed|signature|sign|here)[:.]?$/i;
// A phone number, web or mail address, or a sentence: the card back's service text, not the strip.
const SERVICE_TEXT = /[+()@]|\b(?:tel|phone|call|fax|www|http|com|toll|free|customer|service|hotline)\b/i;
// What the strip shows: the code alone, or the printed last 4 then the code ("4242 123"; OCR often
// drops the blank: "4242123").
const CODE_ON_STRIP = /^(?:\d{4}[ \t]{0,3})?\d{3}$/;

/**
 * True when one OCR line reads as a security code on or beside the signature strip: a 3-digit group
 * alone, or after a 4-digit group (the last 4 many issuers print there), with at most the strip's own
 * words ("CVV", "AUTHORIZED SIGNATURE") beside it. Phone numbers (7+ digits, dashes, '+', "call"),
 * dates (12/28), amounts and digit groups inside sentences do not count; nor does a 4-digit group alone
 * (the printed last 4), which also means a 4-digit code printed without a 3-digit one is missed.
 */
export function lineShowsCvv(raw: string): boolean {
  const line = normaliseDigits(raw.slice(0, MAX_LINE_CHARS)).trim();
  if (line.length === 0 || SERVICE_TEXT.test(line)) return false;
  const digits = line.replace(/\D/g, '');
  if (digits.length < 3 || digits.length > 7) return false;
  // a label glued to the code ("CVV581") is read as the label and the code
  const kept = line
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .split(/[ \t]+/)
    .filter((t) => t.length > 0 && !STRIP_WORDS.test(t))
    .join(' ');
  return CODE_ON_STRIP.test(kept);
}

/** True when any of the lines shows a security code (lineShowsCvv). */
export function containsCvv(lines: readonly string[]): boolean {
  return lines.slice(0, MAX_LINES).some(lineShowsCvv);
}
