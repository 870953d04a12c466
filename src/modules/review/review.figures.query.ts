// Loads what the per-reviewer figures (review.figures.ts) are computed from, in three queries: the case
// history of every case decided or overruled in the range or open and assigned now, those open cases, and
// the active reviewers and leads (plus the names of anyone else who appears).
import { DateTime } from 'luxon';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';
import { loadCalendar } from '../../platform/calendar.store.ts';
import {
  type FigureHistoryRow,
  type OpenCaseRow,
  type ReviewerFigures,
  rangeInstants,
  reviewerFigures,
} from './review.figures.ts';

export const FIGURES_MAX_DAYS = 92;
const DECIDING = ['APPROVED', 'REJECTED', 'APPROVAL_AWAITING_SECOND', 'MORE_INFO_REQUESTED'];
/** Every action appealFacts looks at; a pause also ends at any entry that leaves MORE_INFO_REQUESTED. */
const WALKED = [
  ...DECIDING,
  'ASSIGNED',
  'UNASSIGNED',
  'ROUTED_TO_POOL',
  'ESCALATED_TO_LEAD',
  'SECOND_APPROVAL',
];

export interface FiguresReport {
  from: string;
  to: string;
  asOf: string;
  timezone: string;
  targetWorkingDays: number;
  items: ReviewerFigures[];
}

/** The range of local dates asked for: defaults to the 30 days ending today; at most 92 days. */
export function figuresRange(
  q: { from?: string | undefined; to?: string | undefined },
  now: Date,
  timezone: string,
): { from: string; to: string } {
  const to = q.to ?? DateTime.fromJSDate(now, { zone: timezone }).toISODate()!;
  const from = q.from ?? DateTime.fromISO(to).minus({ days: 29 }).toISODate()!;
  const days = DateTime.fromISO(to).diff(DateTime.fromISO(from), 'days').days + 1;
  if (days < 1)
    throw new AppError('REQUEST.INVALID', '`from` must not be after `to`.', [
      { path: 'from', message: '`from` must not be after `to`.' },
    ]);
  if (days > FIGURES_MAX_DAYS)
    throw new AppError('REQUEST.INVALID', `At most ${FIGURES_MAX_DAYS} days at a time.`, [
      { path: 'to', message: `At most ${FIGURES_MAX_DAYS} days at a time.` },
    ]);
  return { from, to };
}

export async function teamReviewerFigures(
  deps: Pick<Deps, 'prisma' | 'clock' | 'config' | 'calendar'>,
  q: { from?: string | undefined; to?: string | undefined },
): Promise<FiguresReport> {
  const now = deps.clock.now();
  const cal = await loadCalendar(deps);
  const { from, to } = figuresRange(q, now, cal.timezone);
  const { start, end } = rangeInstants(from, to, cal);
  const history = await deps.prisma.$queryRaw<FigureHistoryRow[]>`
    SELECT h.appeal_id::text AS "appealId", h.at, h.actor_id AS "actorId", h.action,
           h.from_status::text AS "fromStatus", h.to_status::text AS "toStatus", h.data
    FROM case_history h
    WHERE h.appeal_id IN (
      SELECT appeal_id FROM case_history
      WHERE action = ANY(${DECIDING}) AND at >= ${start} AND at < ${end}
      UNION
      SELECT id FROM appeals WHERE status = 'IN_REVIEW' AND assignee_id IS NOT NULL)
      -- only the entries the walk reads (a case's document views and mails can be many)
      AND (h.action = ANY(${WALKED}) OR h.from_status = 'MORE_INFO_REQUESTED')
    ORDER BY h.appeal_id, h.id`;
  const open = await deps.prisma.$queryRaw<OpenCaseRow[]>`
    SELECT id::text AS "appealId", assignee_id::text AS "assigneeId", assigned_at AS "assignedAt"
    FROM appeals WHERE status = 'IN_REVIEW' AND assignee_id IS NOT NULL`;
  const team = await deps.prisma.staffUser.findMany({
    where: { active: true, roles: { hasSome: ['REVIEWER', 'LEAD'] } },
    select: { id: true, name: true },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
  });
  const known = new Set(team.map((s) => s.id));
  const others = new Set<string>();
  for (const h of history) if (h.actorId && !known.has(h.actorId)) others.add(h.actorId);
  for (const o of open) if (!known.has(o.assigneeId)) others.add(o.assigneeId);
  const extra = others.size
    ? await deps.prisma.staffUser.findMany({
        where: { id: { in: [...others].filter(isUuid) } },
        select: { id: true, name: true },
      })
    : [];
  const all = reviewerFigures({
    from,
    to,
    now,
    targetDays: deps.config.SLA_TARGET_DAYS,
    cal,
    history,
    open,
    staff: [...team, ...extra],
  });
  const extraIds = new Set(extra.map((s) => s.id));
  // the inactive (or other-role) staff only when they have something in the range
  const items = all.filter((f) => known.has(f.reviewerId) || (extraIds.has(f.reviewerId) && hasFigures(f)));
  return {
    from,
    to,
    asOf: now.toISOString(),
    timezone: cal.timezone,
    targetWorkingDays: deps.config.SLA_TARGET_DAYS,
    items,
  };
}

function hasFigures(f: ReviewerFigures): boolean {
  return f.decisions > 0 || f.overturns > 0 || Object.values(f.openByAge).some((n) => n > 0);
}
