// APPROVE: the case closes APPROVED (through transitionAppeal) and the assignment ends; the subscribers of
// appeal.decided release the order, send the buyer the APPROVED e-mail and tell the shop.
//
// Four eyes (issue 19): approvalGate below is the one place that decides whether an approval may close
// the case now or must wait for a second lead. decideCase asks it before it writes a decision, and
// approveInTx - the only code that moves an appeal by APPROVE (test/unit/four-eyes.test.ts checks the
// source tree for that) - asks it again from the stored decision row, so a future path (bulk, API, a
// script) that forgot the first call still cannot approve above SECOND_APPROVAL_MINOR alone.
import type { Tx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { transitionAppeal } from '../appeals/appeals.transition.ts';
import type { DecideDeps } from './review.decision.shared.ts';
import { canGiveSecondApproval, needsSecondApproval } from './review.rules.ts';

export type ApprovalVerdict = 'APPROVE' | 'AWAIT_SECOND_APPROVAL';

/**
 * May this approval close the case? Reads the amount from the database (not from the caller): at or below
 * SECOND_APPROVAL_MINOR -> APPROVE; above it without a second approver -> AWAIT_SECOND_APPROVAL; above it
 * with one -> APPROVE when the second approver is another person and an active lead not on leave, else
 * CASE.SECOND_APPROVAL_SAME_PERSON / CASE.SECOND_APPROVAL_REQUIRED.
 */
export async function approvalGate(
  tx: Tx,
  deps: Pick<DecideDeps, 'config' | 'clock'>,
  appealId: string,
  approvers: { firstApproverId: string; secondApproverId: string | null },
): Promise<ApprovalVerdict> {
  const a = await tx.appeal.findUnique({
    where: { id: appealId },
    select: { order: { select: { amountMinor: true } } },
  });
  if (!a) throw new AppError('CASE.NOT_FOUND', 'No such case.');
  if (!needsSecondApproval(a.order.amountMinor, deps.config.SECOND_APPROVAL_MINOR)) return 'APPROVE';
  const second = approvers.secondApproverId;
  if (!second) return 'AWAIT_SECOND_APPROVAL';
  if (second === approvers.firstApproverId)
    throw new AppError(
      'CASE.SECOND_APPROVAL_SAME_PERSON',
      'You made the first approval: a different lead must confirm or overrule it.',
    );
  const lead = await tx.staffUser.findUnique({
    where: { id: second },
    select: { roles: true, active: true, onLeaveUntil: true },
  });
  if (!lead || !canGiveSecondApproval(lead, deps.clock.now()))
    throw new AppError(
      'CASE.SECOND_APPROVAL_REQUIRED',
      'An approval above the second-approval threshold must be confirmed by another active lead.',
    );
  return 'APPROVE';
}

export async function approveInTx(
  tx: Tx,
  deps: DecideDeps,
  a: {
    id: string;
    orderId: string;
    tokenNonce: string;
    order: { orderId: string; buyerEmail: string; buyerLocale: string; buyerName: string };
  },
  now: Date,
  actor: { type: 'STAFF'; id: string },
  decisionId: string,
): Promise<void> {
  // the choke point: the stored decision must be this case's final APPROVE and pass the gate
  const d = await tx.decision.findUnique({ where: { id: decisionId } });
  if (!d || d.appealId !== a.id || d.kind !== 'APPROVE' || d.state !== 'FINAL')
    throw new AppError('CASE.SECOND_APPROVAL_REQUIRED', 'There is no final approval to carry out.');
  const verdict = await approvalGate(tx, deps, a.id, {
    firstApproverId: d.reviewerId,
    secondApproverId: d.secondApproverId,
  });
  if (verdict !== 'APPROVE')
    throw new AppError(
      'CASE.SECOND_APPROVAL_REQUIRED',
      'An approval above the second-approval threshold must be confirmed by another active lead.',
    );
  await transitionAppeal(tx, a.id, 'APPROVE', actor, {
    now,
    action: 'APPROVED',
    patch: { decidedAt: now, closedAt: now, needsLead: false },
    historyData: { decisionId },
    eventData: { decisionId },
  });
  await tx.caseAssignment.updateMany({ where: { appealId: a.id, endedAt: null }, data: { endedAt: now } });
}
