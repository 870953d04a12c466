// The document slots of an appeal: the one declaration (issue 14 point 3). The list is checked against
// Prisma's DocumentSlot enum at compile time, so the schema and the code cannot drift apart.
import type { DocumentSlot } from '../generated/prisma/enums.ts';

/** Every slot, in the order pages, e-mails and evidence packs show them. */
export const SLOTS = [
  'ID_FRONT',
  'ID_BACK',
  'CARD_FRONT',
  'CARD_BACK',
  'BILLING_STATEMENT',
] as const satisfies readonly DocumentSlot[];

export type Slot = (typeof SLOTS)[number];

// fails to compile when the schema gains a slot this list lacks
const _everySlotListed: Exclude<DocumentSlot, Slot> extends never ? true : never = true;
void _everySlotListed;
