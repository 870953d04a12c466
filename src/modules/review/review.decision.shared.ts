// What the three decisions (review.approve.ts, review.reject.ts, review.more-info.ts) share with decideCase
// (review.decisions.ts): the input and result shapes, the loaded case, the buyer's link.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Deps } from '../../platform/deps.ts';
import type { StaffRole } from '../../platform/principal.ts';
import type { Slot } from '../appeals/appeals.rules.ts';
import { appealToken, appealUrl } from '../../platform/appeal-token.ts';
import type { DecisionKindInput } from './review.rules.ts';

export interface DecisionInput {
  decision: DecisionKindInput;
  reasonCodes: string[];
  buyerMessage?: string | null;
  internalNote?: string | null;
  slots: Slot[];
}

export interface Decider {
  id: string;
  roles: readonly StaffRole[];
}

export interface DecisionResult {
  caseId: string;
  status: string;
  needsLead: boolean;
  decision: { id: string; kind: DecisionKindInput; state: string } | null;
  /** the refund the rejection scheduled (null when the payment was not captured) */
  refundId?: string | null;
}

export type DecideDeps = Pick<Deps, 'prisma' | 'clock' | 'config' | 'calendar'>;

/** The case as decideCase loads it, under the row lock. */
export type DecidingAppeal = Prisma.AppealGetPayload<{
  include: { order: true; pauses: true; decisions: true };
}>;

/** The decision being made: its row, the reviewer's input, the buyer-facing reasons, when and who. */
export interface DecisionContext {
  decision: { id: string };
  input: DecisionInput;
  reasons: { code: string; en: string; zh: string }[];
  now: Date;
  actor: { type: 'STAFF'; id: string };
}

export function buyerLink(deps: DecideDeps, nonce: string): string {
  return appealUrl(deps.config.PUBLIC_BASE_URL, appealToken(nonce, deps.config.APPEAL_TOKEN_SECRET));
}
