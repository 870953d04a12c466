// Which appeals a staff user may open through GET /api/v1/appeals/:id: the same scope as the case view.
// LEAD and ADMIN see every appeal; a REVIEWER their own cases (assigned, decided, once assigned) and the
// open pool, as GET /cases/:id; FINANCE the appeals that have a refund (their work). Anything else is 404,
// so a staff user cannot learn that an appeal outside their scope exists.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { StaffRole } from '../../platform/principal.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';

export async function assertStaffMaySeeAppeal(
  deps: Pick<Deps, 'prisma'>,
  viewer: { id: string; roles: StaffRole[] },
  appealId: string,
): Promise<void> {
  if (viewer.roles.includes('LEAD') || viewer.roles.includes('ADMIN')) return;
  const or: Prisma.AppealWhereInput[] = [];
  if (viewer.roles.includes('REVIEWER'))
    or.push(
      { assigneeId: viewer.id },
      { assigneeId: null, status: { in: ['SUBMITTED', 'IN_REVIEW'] } },
      { lastReviewerId: viewer.id },
      { assignments: { some: { reviewerId: viewer.id } } },
    );
  if (viewer.roles.includes('FINANCE')) or.push({ refund: { isNot: null } });
  const uuid = isUuid(appealId);
  const found =
    uuid && or.length > 0
      ? await deps.prisma.appeal.findFirst({
          where: { AND: [{ id: appealId }, { OR: or }] },
          select: { id: true },
        })
      : null;
  if (!found) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
}
