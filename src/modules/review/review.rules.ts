// Pure rules of review decisions: what a decision request must carry, and who may make it.
import { AppError } from '../../platform/errors.ts';

export const DECISIONS = ['APPROVE', 'REJECT', 'REQUEST_MORE_INFO'] as const;
export type DecisionKindInput = (typeof DECISIONS)[number];

export interface DecisionShape {
  decision: DecisionKindInput;
  reasonCodes: readonly string[];
  slots: readonly string[];
}

/** Rejections and requests for more information say why; a request says which documents to redo. */
export function checkDecisionShape(d: DecisionShape): void {
  if ((d.decision === 'REJECT' || d.decision === 'REQUEST_MORE_INFO') && d.reasonCodes.length === 0)
    throw new AppError('CASE.REASON_REQUIRED', `${d.decision} needs at least one reason code.`);
  if (d.decision === 'REQUEST_MORE_INFO' && d.slots.length === 0)
    throw new AppError(
      'CASE.SLOTS_REQUIRED',
      'REQUEST_MORE_INFO needs the slots the buyer must upload again.',
    );
  if (d.decision !== 'REQUEST_MORE_INFO' && d.slots.length > 0)
    throw new AppError('REQUEST.INVALID', 'slots are only for REQUEST_MORE_INFO.');
}

/** Codes not in the catalogue, in request order, without repeats. */
export function unknownCodes(requested: readonly string[], known: ReadonlySet<string>): string[] {
  return [...new Set(requested.filter((c) => !known.has(c)))];
}

/** An approval above the threshold (minor units, strictly above) needs a second lead. */
export function needsSecondApproval(amountMinor: bigint, thresholdMinor: number): boolean {
  return amountMinor > BigInt(thresholdMinor);
}

/**
 * A reviewer's request for more information past the cap goes to a lead instead; a lead may still ask
 * (their explicit choice), and the resubmission then comes back flagged for a lead.
 */
export function moreInfoGoesToLead(round: number, maxResubmissions: number, byLead: boolean): boolean {
  return round >= maxResubmissions && !byLead;
}

/** Who can give a second approval: an active lead who is not on leave. */
export function canGiveSecondApproval(
  u: { roles: readonly string[]; active: boolean; onLeaveUntil: Date | null },
  now: Date,
): boolean {
  return u.roles.includes('LEAD') && u.active && !(u.onLeaveUntil && u.onLeaveUntil > now);
}
