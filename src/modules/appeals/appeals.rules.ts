// Pure rules of the appeal: which slots an ID type needs, and the status machine of SPEC section 3.
export type AppealStatus =
  | 'AWAITING_DOCUMENTS'
  | 'SUBMITTED'
  | 'IN_REVIEW'
  | 'MORE_INFO_REQUESTED'
  | 'APPROVED'
  | 'REJECTED'
  | 'EXPIRED'
  | 'WITHDRAWN';
export type IdType = 'PASSPORT' | 'ID_CARD' | 'DRIVING_LICENCE';
import type { Slot } from '../../platform/slots.ts';

export type { Slot };

export const ALL_SLOTS: readonly Slot[] = [
  'ID_FRONT',
  'ID_BACK',
  'CARD_FRONT',
  'CARD_BACK',
  'BILLING_STATEMENT',
];
export const ID_TYPES: readonly IdType[] = ['PASSPORT', 'ID_CARD', 'DRIVING_LICENCE'];
export const MAX_STATEMENT_PAGES = 10;

/** A passport has no back; before the buyer picks an ID type, ID_BACK counts as required. */
export function requiredSlots(idType: IdType | null): Slot[] {
  return idType === 'PASSPORT' ? ALL_SLOTS.filter((s) => s !== 'ID_BACK') : [...ALL_SLOTS];
}

export type AppealEvent =
  | 'SUBMIT'
  | 'ROUTE'
  | 'APPROVE'
  | 'REJECT'
  | 'REQUEST_MORE_INFO'
  | 'RESUBMIT'
  | 'EXPIRE'
  | 'WITHDRAW'
  /** a case already in review gets (another) reviewer or goes back to the pool: the status stays */
  | 'ASSIGN';

const TRANSITIONS: Record<AppealEvent, Partial<Record<AppealStatus, AppealStatus>>> = {
  SUBMIT: { AWAITING_DOCUMENTS: 'SUBMITTED' },
  RESUBMIT: { MORE_INFO_REQUESTED: 'SUBMITTED' },
  ROUTE: { SUBMITTED: 'IN_REVIEW' },
  ASSIGN: { IN_REVIEW: 'IN_REVIEW' },
  APPROVE: { IN_REVIEW: 'APPROVED' },
  REJECT: { IN_REVIEW: 'REJECTED' },
  REQUEST_MORE_INFO: { IN_REVIEW: 'MORE_INFO_REQUESTED' },
  EXPIRE: { AWAITING_DOCUMENTS: 'EXPIRED', MORE_INFO_REQUESTED: 'EXPIRED' },
  WITHDRAW: {
    AWAITING_DOCUMENTS: 'WITHDRAWN',
    SUBMITTED: 'WITHDRAWN',
    IN_REVIEW: 'WITHDRAWN',
    MORE_INFO_REQUESTED: 'WITHDRAWN',
  },
};

export const APPEAL_STATUSES = Object.freeze([
  'AWAITING_DOCUMENTS',
  'SUBMITTED',
  'IN_REVIEW',
  'MORE_INFO_REQUESTED',
  'APPROVED',
  'REJECTED',
  'EXPIRED',
  'WITHDRAWN',
] as const satisfies readonly AppealStatus[]);
export const APPEAL_EVENTS = Object.freeze(Object.keys(TRANSITIONS) as AppealEvent[]);

/** The next status, or null when the event is not allowed in this status. */
export function nextStatus(current: AppealStatus, event: AppealEvent): AppealStatus | null {
  return TRANSITIONS[event][current] ?? null;
}

export const FINAL_STATUSES: readonly AppealStatus[] = ['APPROVED', 'REJECTED', 'EXPIRED', 'WITHDRAWN'];

export function isFinal(s: AppealStatus): boolean {
  return FINAL_STATUSES.includes(s);
}

/** Uploads are allowed while collecting documents, and for the requested slots when more info is asked. */
export function canUpload(status: AppealStatus, slot: Slot, requested: readonly Slot[]): boolean {
  if (status === 'AWAITING_DOCUMENTS') return true;
  if (status === 'MORE_INFO_REQUESTED') return requested.includes(slot);
  return false;
}
