// A lead's assignment: to a reviewer (or lead), or back to the pool, where the router then leaves the
// case alone (see POOL_HOLD_RULE in review.routing.ts).
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { transitionAppeal } from '../appeals/appeals.transition.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { lockAppeal, openCaseCount, POOL_HOLD_RULE } from './review.routing.ts';

type RouteDeps = Pick<Deps, 'prisma' | 'clock' | 'queues' | 'config' | 'logger'>;

/**
 * A lead assigns (reviewerId) or returns to the pool (null) a SUBMITTED or IN_REVIEW case. The target must
 * be an active REVIEWER or LEAD who is not on leave. A lead may knowingly go over the reviewer's cap: the
 * cap protects reviewers from the router, not from their lead; the history records `overCap`.
 */
export async function assignCase(
  deps: RouteDeps,
  input: {
    appealId: string;
    reviewerId: string | null;
    leadId: string;
    source?: AuditSource;
    /**
     * Checked under the row lock (bulk assign / reassign): UNASSIGNED refuses a case someone already has
     * (CASE.ALREADY_ASSIGNED), ASSIGNED refuses one in the pool (CASE.NOT_ASSIGNED).
     */
    expect?: 'UNASSIGNED' | 'ASSIGNED';
  },
): Promise<{ assigneeId: string | null; overCap: boolean; changed: boolean }> {
  const now = deps.clock.now();
  const out = await deps.prisma.$transaction(
    async (tx) => {
      const a = await lockAppeal(tx, input.appealId);
      if (!a) throw new AppError('CASE.NOT_FOUND', 'No such case.');
      if (a.status !== 'SUBMITTED' && a.status !== 'IN_REVIEW')
        throw new AppError('CASE.NOT_IN_REVIEW', `A case in status ${a.status} cannot be assigned.`, {
          status: a.status,
        });
      if (input.expect === 'UNASSIGNED' && a.assigneeId && a.assigneeId !== input.reviewerId)
        throw new AppError('CASE.ALREADY_ASSIGNED', 'This case is already assigned; reassign it instead.', {
          assigneeId: a.assigneeId,
        });
      if (input.expect === 'ASSIGNED' && !a.assigneeId)
        throw new AppError('CASE.NOT_ASSIGNED', 'This case is in the pool; assign it instead.');
      if (a.assigneeId === input.reviewerId && a.status === 'IN_REVIEW')
        return { assigneeId: a.assigneeId, overCap: false, changed: false };

      let overCap = false;
      if (input.reviewerId) {
        const rows = await tx.$queryRaw<
          { id: string; active: boolean; onLeaveUntil: Date | null; max: number; eligible: boolean }[]
        >`
          SELECT id::text, active, on_leave_until AS "onLeaveUntil", max_open_cases AS max,
                 ('REVIEWER' = ANY(roles) OR 'LEAD' = ANY(roles)) AS eligible
          FROM staff_users WHERE id = ${input.reviewerId}::uuid FOR UPDATE`;
        const r = rows[0];
        if (!r) throw new AppError('STAFF.NOT_FOUND', 'No such staff user.');
        if (!r.eligible)
          throw new AppError('CASE.REVIEWER_UNAVAILABLE', 'Cases can only go to reviewers and leads.');
        if (!r.active) throw new AppError('CASE.REVIEWER_UNAVAILABLE', 'This account is deactivated.');
        if (r.onLeaveUntil && r.onLeaveUntil > now)
          throw new AppError(
            'CASE.REVIEWER_UNAVAILABLE',
            `This reviewer is on leave until ${r.onLeaveUntil.toISOString()}.`,
          );
        overCap = (await openCaseCount(tx, r.id)) >= r.max;
      }
      await tx.caseAssignment.updateMany({
        where: { appealId: a.id, endedAt: null },
        data: { endedAt: now },
      });
      const actor = { type: 'STAFF' as const, id: input.leadId };
      const reason = input.reviewerId ? (a.assigneeId ? 'LEAD_REASSIGN' : 'LEAD_ASSIGN') : 'LEAD_TO_POOL';
      if (input.reviewerId) {
        await tx.caseAssignment.create({
          data: {
            appealId: a.id,
            reviewerId: input.reviewerId,
            assignedById: input.leadId,
            reason: a.assigneeId ? 'LEAD_REASSIGN' : 'LEAD_ASSIGN',
            assignedAt: now,
          },
        });
        await tx.staffUser.update({ where: { id: input.reviewerId }, data: { lastAssignedAt: now } });
      }
      await transitionAppeal(tx, a.id, a.status === 'SUBMITTED' ? 'ROUTE' : 'ASSIGN', actor, {
        now,
        action: input.reviewerId ? 'ASSIGNED' : 'UNASSIGNED',
        patch: { assigneeId: input.reviewerId, assignedAt: input.reviewerId ? now : null },
        reason,
        historyData: {
          reviewerId: input.reviewerId,
          previousAssigneeId: a.assigneeId,
          overCap,
          ...(input.reviewerId ? {} : { hold: POOL_HOLD_RULE }),
        },
        eventData: { assigneeId: input.reviewerId, previousAssigneeId: a.assigneeId, reason },
      });
      // a return to the pool is recorded too, with reviewerId null
      await appendAudit(tx, {
        ...(input.source ?? { actor: { type: 'STAFF', id: input.leadId } }),
        at: now,
        action: 'CASE_ASSIGNED',
        appealId: a.id,
        target: input.reviewerId ? { type: 'STAFF_USER', id: input.reviewerId } : null,
        data: { reviewerId: input.reviewerId, previousAssigneeId: a.assigneeId, overCap },
      });
      return { assigneeId: input.reviewerId, overCap, changed: true };
    },
    { timeout: 15_000 },
  );
  return out;
}
