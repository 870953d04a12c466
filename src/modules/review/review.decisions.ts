// Decisions on a case: APPROVE, REJECT, REQUEST_MORE_INFO. One transaction per decision: the appeal row is
// locked and its status re-checked, the second-approval and resubmission-cap rules applied and the decision
// row written here; the status change and its effects are in review.approve.ts, review.reject.ts and
// review.more-info.ts, each going through transitionAppeal. The audit record is the last write.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { money } from '../../platform/money.ts';
import { recordHistory } from '../appeals/appeals.history.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { type IdType, requiredSlots } from '../appeals/appeals.rules.ts';
import { loadCalendar } from '../../platform/calendar.store.ts';
import { approvalGate, approveInTx } from './review.approve.ts';
import type { DecideDeps, DecisionInput, DecisionResult, Decider } from './review.decision.shared.ts';
import { requestMoreInfoInTx } from './review.more-info.ts';
import { rejectInTx } from './review.reject.ts';
import { lockAppeal } from './review.routing.ts';
import { checkDecisionShape, moreInfoGoesToLead, unknownCodes } from './review.rules.ts';
import { flagNeedsLead, handCaseToLead } from '../appeals/appeals.flags.ts';

export type { Decider, DecisionInput, DecisionResult } from './review.decision.shared.ts';

async function loadReasons(deps: Pick<Deps, 'prisma'>, codes: readonly string[]) {
  const rows = await deps.prisma.reasonCode.findMany({ where: { code: { in: [...codes] } } });
  const unknown = unknownCodes(codes, new Set(rows.map((r) => r.code)));
  if (unknown.length)
    throw new AppError('CASE.UNKNOWN_REASON_CODES', `Unknown reason codes: ${unknown.join(', ')}.`, {
      unknown,
    });
  const byCode = new Map(rows.map((r) => [r.code, r]));
  return [...new Set(codes)].map((c) => {
    const r = byCode.get(c)!;
    return { code: r.code, en: r.buyerTextEn, zh: r.buyerTextZh };
  });
}

export async function decideCase(
  deps: DecideDeps,
  appealId: string,
  input: DecisionInput,
  by: Decider,
  source?: AuditSource,
): Promise<DecisionResult> {
  checkDecisionShape(input);
  const reasons = await loadReasons(deps, input.reasonCodes);
  const cal = await loadCalendar(deps);
  const isLead = by.roles.includes('LEAD');
  return deps.prisma.$transaction(
    async (tx): Promise<DecisionResult> => {
      // the audit record is the last write of the transaction, whichever way the decision went
      const done = async (r: DecisionResult): Promise<DecisionResult> => {
        await appendAudit(tx, {
          ...(source ?? { actor: { type: 'STAFF', id: by.id } }),
          at: deps.clock.now(),
          action: 'DECISION_RECORDED',
          appealId,
          target: r.decision ? { type: 'DECISION', id: r.decision.id } : null,
          data: {
            decision: input.decision,
            reasonCodes: input.reasonCodes,
            status: r.status,
            needsLead: r.needsLead,
            state: r.decision?.state ?? null,
          },
        });
        return r;
      };
      const locked = await lockAppeal(tx, appealId);
      if (!locked) throw new AppError('CASE.NOT_FOUND', 'No such case.');
      const a = await tx.appeal.findUniqueOrThrow({
        where: { id: appealId },
        include: {
          order: true,
          pauses: { orderBy: { startedAt: 'asc' } },
          decisions: { where: { state: 'AWAITING_SECOND_APPROVAL' } },
        },
      });
      if (!isLead && a.assigneeId !== by.id)
        throw new AppError('CASE.NOT_ASSIGNEE', 'Only the assigned reviewer or a lead may decide this case.');
      if (a.status === 'APPROVED' || a.status === 'REJECTED')
        throw new AppError('CASE.ALREADY_DECIDED', `This case was already decided (${a.status}).`, {
          status: a.status,
        });
      if (a.status !== 'IN_REVIEW')
        throw new AppError(
          'CASE.NOT_IN_REVIEW',
          `Only a case IN_REVIEW can be decided; this one is ${a.status}.`,
          {
            status: a.status,
          },
        );

      const now = deps.clock.now();
      const actor = { type: 'STAFF' as const, id: by.id };
      const pending = a.decisions[0];
      if (pending) {
        if (pending.reviewerId === by.id)
          throw new AppError(
            'CASE.SECOND_APPROVAL_SAME_PERSON',
            'You made the first approval: a different lead must confirm or overrule it.',
          );
        if (!isLead)
          throw new AppError(
            'CASE.ALREADY_DECIDED',
            'This approval is waiting for a second approval by a lead.',
          );
        if (input.decision === 'APPROVE') {
          // the four-eyes gate (review.approve.ts) decides, here and again inside approveInTx
          await approvalGate(tx, deps, appealId, {
            firstApproverId: pending.reviewerId,
            secondApproverId: by.id,
          });
          await tx.decision.update({
            where: { id: pending.id },
            data: { state: 'FINAL', secondApproverId: by.id, secondApprovedAt: now },
          });
          await recordHistory(tx, {
            appealId,
            at: now,
            actor,
            action: 'SECOND_APPROVAL',
            data: { decisionId: pending.id, firstApproverId: pending.reviewerId },
          });
          await approveInTx(tx, deps, a, now, actor, pending.id);
          return done({
            caseId: appealId,
            status: 'APPROVED',
            needsLead: false,
            decision: { id: pending.id, kind: 'APPROVE', state: 'FINAL' },
          });
        }
        // another lead overrules the pending approval with a rejection or a request
        await tx.decision.update({ where: { id: pending.id }, data: { state: 'SUPERSEDED' } });
      }

      if (input.decision === 'REQUEST_MORE_INFO') {
        const required = new Set(requiredSlots(a.idType as IdType | null));
        const extra = input.slots.filter((s) => !required.has(s));
        if (extra.length)
          throw new AppError(
            'CASE.SLOT_NOT_REQUIRED',
            `Slots not required for this ID type: ${extra.join(', ')}.`,
            {
              slots: extra,
            },
          );
        if (moreInfoGoesToLead(a.round, deps.config.MAX_RESUBMISSIONS, isLead)) {
          await handCaseToLead(tx, appealId);
          await tx.caseAssignment.updateMany({ where: { appealId, endedAt: null }, data: { endedAt: now } });
          await recordHistory(tx, {
            appealId,
            at: now,
            actor,
            action: 'ESCALATED_TO_LEAD',
            from: 'IN_REVIEW',
            to: 'IN_REVIEW',
            reason: 'RESUBMISSION_CAP',
            data: {
              round: a.round,
              max: deps.config.MAX_RESUBMISSIONS,
              requestedSlots: input.slots,
              reasonCodes: input.reasonCodes,
            },
          });
          return done({ caseId: appealId, status: 'IN_REVIEW', needsLead: true, decision: null });
        }
      }

      const initialState =
        input.decision === 'APPROVE' &&
        (await approvalGate(tx, deps, appealId, { firstApproverId: by.id, secondApproverId: null })) ===
          'AWAIT_SECOND_APPROVAL'
          ? 'AWAITING_SECOND_APPROVAL'
          : 'FINAL';
      const decision = await tx.decision.create({
        data: {
          appealId,
          round: a.round,
          kind: input.decision,
          state: initialState,
          reviewerId: by.id,
          reasonCodes: input.reasonCodes,
          buyerMessage: input.buyerMessage ?? null,
          internalNote: input.internalNote ?? null,
          slots: { set: input.decision === 'REQUEST_MORE_INFO' ? input.slots : [] },
          createdAt: now,
        },
      });
      const decisionView = { id: decision.id, kind: input.decision, state: initialState };

      if (input.decision === 'APPROVE') {
        if (initialState === 'AWAITING_SECOND_APPROVAL') {
          await flagNeedsLead(tx, appealId);
          await recordHistory(tx, {
            appealId,
            at: now,
            actor,
            action: 'APPROVAL_AWAITING_SECOND',
            reason: 'AMOUNT_ABOVE_THRESHOLD',
            data: {
              decisionId: decision.id,
              amount: money(a.order.amountMinor, a.order.currency) as unknown as Prisma.InputJsonValue,
              thresholdMinor: deps.config.SECOND_APPROVAL_MINOR,
            },
          });
          return done({ caseId: appealId, status: 'IN_REVIEW', needsLead: true, decision: decisionView });
        }
        await approveInTx(tx, deps, a, now, actor, decision.id);
        return done({ caseId: appealId, status: 'APPROVED', needsLead: false, decision: decisionView });
      }

      if (input.decision === 'REJECT') {
        const refundId = await rejectInTx(tx, a, { decision, input, reasons, now, actor });
        return done({
          caseId: appealId,
          status: 'REJECTED',
          needsLead: false,
          decision: decisionView,
          refundId,
        });
      }

      await requestMoreInfoInTx(tx, deps, cal, a, { decision, input, reasons, now, actor, by });
      return done({
        caseId: appealId,
        status: 'MORE_INFO_REQUESTED',
        needsLead: false,
        decision: decisionView,
      });
    },
    // a burst of decisions (bulk actions, a team at the start of a shift) waits for a pooled connection
    // rather than failing after Prisma's default 2 s maxWait
    { timeout: 15_000, maxWait: 10_000 },
  );
}
