// Decisions on a case: APPROVE, REJECT, REQUEST_MORE_INFO. One transaction per decision: the appeal row is
// locked and its status re-checked, then the decision row, the status change, the history, the order and
// refund effects, the SLA pause and the buyer's e-mail are written together.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { StaffRole } from '../../platform/principal.ts';
import {
  type BusinessCalendar,
  deadlineLocalDate,
  localDate,
  slaDeadlines,
  workingMsBetween,
} from '../../platform/calendar.ts';
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { money } from '../../platform/money.ts';
import { recordHistory } from '../appeals/appeals.history.ts';
import { transitionAppeal } from '../appeals/appeals.transition.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { type IdType, requiredSlots, type Slot } from '../appeals/appeals.rules.ts';
import { appealToken, appealUrl } from '../appeals/appeals.token.ts';
import { queueEmail } from '../notifications/notifications.outbox.ts';
import { queueWebhookEvent } from '../webhooks/webhooks.outbox.ts';
import { scheduleRefundInTx } from '../refunds/refunds.create.ts';
import { loadCalendar } from '../sla/sla.calendar.ts';
import { lockAppeal } from './review.routing.ts';
import {
  checkDecisionShape,
  type DecisionKindInput,
  moreInfoGoesToLead,
  needsSecondApproval,
  unknownCodes,
} from './review.rules.ts';

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

type DecideDeps = Pick<Deps, 'prisma' | 'clock' | 'config'>;

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
          await approve(tx, deps, a, now, actor);
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
          await tx.appeal.update({
            where: { id: appealId },
            data: { needsLead: true, assigneeId: null, assignedAt: null },
          });
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
        needsSecondApproval(a.order.amountMinor, deps.config.SECOND_APPROVAL_MINOR)
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
          await tx.appeal.update({ where: { id: appealId }, data: { needsLead: true } });
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
        await approve(tx, deps, a, now, actor, decision.id);
        return done({ caseId: appealId, status: 'APPROVED', needsLead: false, decision: decisionView });
      }

      if (input.decision === 'REJECT') {
        await transitionAppeal(tx, appealId, 'REJECT', actor, {
          now,
          action: 'REJECTED',
          patch: { decidedAt: now, closedAt: now, needsLead: false },
          reason: input.reasonCodes.join(','),
          historyData: { decisionId: decision.id },
          eventData: { decisionId: decision.id, reasonCodes: input.reasonCodes },
        });
        await tx.caseAssignment.updateMany({ where: { appealId, endedAt: null }, data: { endedAt: now } });
        const refundId = await scheduleRefundInTx(tx, cal, { appealId, cause: 'REJECTED', decidedAt: now });
        const refund = refundId ? await tx.refund.findUniqueOrThrow({ where: { id: refundId } }) : null;
        await queueEmail(tx, {
          to: a.order.buyerEmail,
          locale: a.order.buyerLocale,
          appealId,
          message: {
            template: 'REJECTED',
            buyerName: a.order.buyerName,
            orderId: a.order.orderId,
            appealUrl: buyerLink(deps, a.tokenNonce),
            reasons,
            buyerMessage: input.buyerMessage ?? null,
            refund: refund
              ? {
                  amount: money(refund.amountMinor, refund.currency),
                  expectedFrom: deadlineLocalDate(refund.expectedFrom, cal),
                  dueBy: deadlineLocalDate(refund.dueBy, cal),
                }
              : null,
          },
        });
        await queueWebhookEvent(tx, {
          type: 'appeal.decided',
          data: {
            appealId,
            orderId: a.order.orderId,
            decision: 'REJECTED',
            decisionId: decision.id,
            refundId,
          },
          occurredAt: now,
        });
        return done({
          caseId: appealId,
          status: 'REJECTED',
          needsLead: false,
          decision: decisionView,
          refundId,
        });
      }

      // REQUEST_MORE_INFO: the clock pauses with the time used so far; deadlines not yet reached become
      // null until the buyer resubmits (a paused clock has no deadline, so no timer can fire).
      const pauses = [
        ...a.pauses.map((p) => ({ start: p.startedAt, end: p.endedAt ?? now })),
        { start: now, end: null },
      ];
      const deadlines = a.slaStartAt ? sla(deps, cal, a.slaStartAt, pauses) : null;
      const usedMs = a.slaStartAt ? workingMsBetween(a.slaStartAt, now, cal, pauses.slice(0, -1)) : 0;
      await transitionAppeal(tx, appealId, 'REQUEST_MORE_INFO', actor, {
        now,
        action: 'MORE_INFO_REQUESTED',
        reason: input.reasonCodes.join(','),
        historyData: { decisionId: decision.id, slots: input.slots, round: a.round + 1, slaUsedMs: usedMs },
        eventData: { decisionId: decision.id, slots: input.slots, round: a.round + 1 },
        patch: {
          requestedSlots: { set: input.slots },
          round: a.round + 1,
          lastReviewerId: by.id,
          assigneeId: null,
          assignedAt: null,
          needsLead: false,
          slaPausedAt: now,
          slaUsedMs: BigInt(usedMs),
          lastBuyerActivityAt: now,
          ...(deadlines ?? {}),
        },
      });
      await tx.caseAssignment.updateMany({ where: { appealId, endedAt: null }, data: { endedAt: now } });
      await tx.document.updateMany({
        where: { appealId, slot: { in: input.slots }, status: 'ACTIVE' },
        data: { status: 'REDO_REQUESTED' },
      });
      await tx.slaPause.create({ data: { appealId, startedAt: now } });
      await queueEmail(tx, {
        to: a.order.buyerEmail,
        locale: a.order.buyerLocale,
        appealId,
        message: {
          template: 'MORE_INFO_REQUESTED',
          buyerName: a.order.buyerName,
          orderId: a.order.orderId,
          appealUrl: buyerLink(deps, a.tokenNonce),
          slots: input.slots,
          reasons,
          buyerMessage: input.buyerMessage ?? null,
          respondBy: localDate(new Date(now.getTime() + deps.config.APPEAL_EXPIRY_DAYS * 86_400_000), cal),
        },
      });
      return done({
        caseId: appealId,
        status: 'MORE_INFO_REQUESTED',
        needsLead: false,
        decision: decisionView,
      });
    },
    { timeout: 15_000 },
  );
}

function sla(
  deps: DecideDeps,
  cal: BusinessCalendar,
  startAt: Date,
  pauses: { start: Date; end: Date | null }[],
): { targetAt: Date | null; warnAt: Date | null; breachAt: Date | null } {
  return slaDeadlines(
    {
      startAt,
      pauses,
      targetDays: deps.config.SLA_TARGET_DAYS,
      warnDays: deps.config.SLA_WARN_DAYS,
      breachDays: deps.config.SLA_BREACH_DAYS,
    },
    cal,
  );
}

function buyerLink(deps: DecideDeps, nonce: string): string {
  return appealUrl(deps.config.PUBLIC_BASE_URL, appealToken(nonce, deps.config.APPEAL_TOKEN_SECRET));
}

async function approve(
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
  decisionId?: string,
): Promise<void> {
  await transitionAppeal(tx, a.id, 'APPROVE', actor, {
    now,
    action: 'APPROVED',
    patch: { decidedAt: now, closedAt: now, needsLead: false },
    ...(decisionId ? { historyData: { decisionId } } : {}),
    eventData: { decisionId: decisionId ?? null },
  });
  await tx.blockedOrder.update({ where: { id: a.orderId }, data: { state: 'RELEASED' } });
  await tx.caseAssignment.updateMany({ where: { appealId: a.id, endedAt: null }, data: { endedAt: now } });
  await queueEmail(tx, {
    to: a.order.buyerEmail,
    locale: a.order.buyerLocale,
    appealId: a.id,
    message: {
      template: 'APPROVED',
      buyerName: a.order.buyerName,
      orderId: a.order.orderId,
      appealUrl: buyerLink(deps, a.tokenNonce),
    },
  });
  await queueWebhookEvent(tx, {
    type: 'appeal.decided',
    data: { appealId: a.id, orderId: a.order.orderId, decision: 'APPROVED', decisionId: decisionId ?? null },
    occurredAt: now,
  });
}
