// Free text must not carry a full card number: staff and the risk system see and store only the last 4
// digits (SPEC section 3). A text holding one is refused at the edge with a message that does not repeat
// it, so the number is never stored, e-mailed or logged.
import { containsFullCardNumber } from '../documents/card-number.ts';

export const CARD_NUMBER_IN_TEXT = 'must not contain a full card number (give only the last 4 digits)';

/** For z.string().refine(noFullCardNumber, `field ${CARD_NUMBER_IN_TEXT}`). */
export function noFullCardNumber(text: string): boolean {
  return !containsFullCardNumber(text);
}
