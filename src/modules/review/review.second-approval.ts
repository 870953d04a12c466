// Approvals waiting for a second lead (an approval above SECOND_APPROVAL_MINOR): the leads' list and
// count (GET /api/v1/team/second-approvals). The case view carries the same state per case
// (review.cases.ts secondApproval).
import type { Deps } from '../../platform/deps.ts';
import { money } from '../../platform/money.ts';

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
