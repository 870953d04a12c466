// Free text must not carry a full card number: staff and the risk system see and store only the last 4
// digits (SPEC section 3). A text holding one is refused at the edge with a message that does not repeat
// it, so the number is never stored, e-mailed or logged.
//
// Before the card-number scan the text is normalised the way people (and copy-paste) disguise numbers:
// NFKC turns full-width and other compatibility digits into ASCII; then every run of 13-19 digits in which
// consecutive digits are separated by at most one separator (space, no-break, thin, figure or narrow
// spaces, '-', '.', '/', '_') is also scanned with the separators removed, so "4111.1111.1111.1111",
// "41 11 11 11 11 11 11 11" and "4111\u00A01111..." count like "4111111111111111". Luhn and the issuer
// range (platform/card-number.ts) still decide, so ordinary numbers do not trip it.
import { containsFullCardNumber } from '../../platform/card-number.ts';

export const CARD_NUMBER_IN_TEXT = 'must not contain a full card number (give only the last 4 digits)';

const SEP = '[ \\t\\u00A0\\u2000-\\u200B\\u202F\\u205F\\u3000._/\\-]';
const SEPARATED_RUN = new RegExp(`\\d(?:${SEP}?\\d){12,18}(?!\\d)`, 'g');
const SEP_ALL = new RegExp(SEP, 'g');

/** The text as the scan sees it: compatibility digits folded, separated digit runs joined. */
export function cardScanForms(text: string): string[] {
  const folded = text.normalize('NFKC');
  const runs = [...folded.matchAll(SEPARATED_RUN)].map((m) => m[0].replace(SEP_ALL, ''));
  return [folded, ...runs];
}

/** For z.string().refine(noFullCardNumber, `field ${CARD_NUMBER_IN_TEXT}`). */
export function noFullCardNumber(text: string): boolean {
  return !cardScanForms(text).some((t) => containsFullCardNumber(t));
}
