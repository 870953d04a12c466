// Approvals waiting for a second lead (an approval above SECOND_APPROVAL_MINOR): the leads' list and
// count (GET /api/v1/team/second-approvals). The case view carries the same state per case
// (review.cases.ts secondApproval). And the admins' warning when the team cannot give second approvals.
import type { Deps } from '../../platform/deps.ts';
import { money } from '../../platform/money.ts';
import { canGiveSecondApproval } from './review.rules.ts';

/** Four eyes need two people: fewer than this many leads able to confirm an approval is a warning. */
export const MIN_SECOND_APPROVERS = 2;

/**
 * Warnings for admins (GET /api/v1/admin/warnings): FOUR_EYES_TOO_FEW_LEADS when fewer than two active
 * leads who are not on leave can give a second approval (the same rule approvalGate applies), so approvals
 * above SECOND_APPROVAL_MINOR would wait with nobody (or only the first approver) to confirm them.
 */
export async function adminWarnings(deps: Pick<Deps, 'prisma' | 'clock' | 'config'>) {
  const now = deps.clock.now();
  const leads = await deps.prisma.staffUser.findMany({
    where: { roles: { has: 'LEAD' }, active: true },
    select: { id: true, name: true, roles: true, active: true, onLeaveUntil: true },
    orderBy: { name: 'asc' },
  });
  const able = leads.filter((l) => canGiveSecondApproval(l, now));
  const items =
    able.length < MIN_SECOND_APPROVERS
      ? [
          {
            code: 'FOUR_EYES_TOO_FEW_LEADS' as const,
            message: `Only ${able.length} active lead(s) can give a second approval; approvals above the threshold need ${MIN_SECOND_APPROVERS} different people.`,
            details: {
              leadsAvailable: able.length,
              required: MIN_SECOND_APPROVERS,
              thresholdMinor: deps.config.SECOND_APPROVAL_MINOR,
              leads: able.map((l) => ({ id: l.id, name: l.name })),
            },
          },
        ]
      : [];
  return { items };
}

export async function listSecondApprovals(deps: Pick<Deps, 'prisma'>, limit = 100) {
  const where = { state: 'AWAITING_SECOND_APPROVAL' as const, appeal: { status: 'IN_REVIEW' as const } };
  const [count, rows] = await Promise.all([
    deps.prisma.decision.count({ where }),
    deps.prisma.decision.findMany({
      where,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit,
      include: {
        reviewer: { select: { id: true, name: true } },
        appeal: { include: { order: true } },
      },
    }),
  ]);
  return {
    count,
    items: rows.map((d) => ({
      caseId: d.appealId,
      orderId: d.appeal.order.orderId,
      amount: money(d.appeal.order.amountMinor, d.appeal.order.currency),
      firstApprover: d.reviewer,
      since: d.createdAt.toISOString(),
      breachAt: d.appeal.breachAt?.toISOString() ?? null,
    })),
  };
}
