// Saved views of the queue (issue 19 point 2): a name and the list route's filters (the query parameters
// of GET /api/v1/cases as strings, checked with ZViewFilters), private to their owner or shared with the
// team. Rules:
// - any REVIEWER or LEAD keeps up to MAX_VIEWS views of their own; only a LEAD may share one (a shared
//   view shows in everyone's list); only the owner changes or deletes a view (someone else's shared view:
//   VIEW.NOT_OWNER, 403; someone else's private view does not exist for them: VIEW.NOT_FOUND, 404);
// - at most one default view per owner (the queue opens on it): setting one clears the others in the
//   same transaction, which holds the owner's staff row lock; the partial unique index
//   saved_views_one_default_per_owner is the last word;
// - each view's `count` is the number of OPEN cases (SUBMITTED, IN_REVIEW) its filters match for the
//   CALLER (their visibility, `assignee=me` meaning them): one count query per view through caseWhere();
// - creating, deleting, sharing or unsharing a shared view is audited (SAVED_VIEW_*).
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { isUuid } from '../../platform/ids.ts';
import type { Tx } from '../../platform/db.ts';
import { appendAudit } from '../audit/audit.service.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { type CaseFilters, countCases, type Viewer } from './review.cases.ts';
import { ZViewFilters } from './review.schemas.ts';

/** Own views per user, and views listed per call (own first, then the team's shared ones). */
export const MAX_VIEWS = 50;

export type ViewFilters = Record<string, string>;

export interface ViewInput {
  name?: string | undefined;
  filters?: ViewFilters | undefined;
  shared?: boolean | undefined;
  isDefault?: boolean | undefined;
}

type Row = Prisma.SavedViewGetPayload<{ include: { owner: { select: { id: true; name: true } } } }>;

const include = { owner: { select: { id: true, name: true } } } as const;

async function toView(deps: Pick<Deps, 'prisma' | 'clock'>, viewer: Viewer, v: Row) {
  const parsed = ZViewFilters.safeParse(v.filters);
  return {
    id: v.id,
    name: v.name,
    filters: v.filters as ViewFilters,
    shared: v.shared,
    isDefault: v.isDefault,
    mine: v.ownerId === viewer.id,
    owner: v.owner,
    // a view saved under older rules that no longer parses counts as null (the console shows "?")
    count: parsed.success ? await openCount(deps, viewer, parsed.data) : null,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
  };
}

const OPEN = new Set(['SUBMITTED', 'IN_REVIEW']);

/** The open cases (SUBMITTED, IN_REVIEW) the filters match for `viewer`; a closed-status view counts 0. */
async function openCount(deps: Pick<Deps, 'prisma' | 'clock'>, viewer: Viewer, f: CaseFilters) {
  const status = f.status?.length ? f.status.filter((s) => OPEN.has(s)) : undefined;
  if (status && !status.length) return 0;
  return countCases(deps, viewer, { ...f, status });
}

export async function listViews(deps: Pick<Deps, 'prisma' | 'clock'>, viewer: Viewer) {
  const order = [{ name: 'asc' as const }, { id: 'asc' as const }];
  // own views first (up to the cap), then the team's shared ones in what room is left
  const mine = await deps.prisma.savedView.findMany({
    where: { ownerId: viewer.id },
    include,
    take: MAX_VIEWS,
    orderBy: order,
  });
  const team =
    mine.length < MAX_VIEWS
      ? await deps.prisma.savedView.findMany({
          where: { shared: true, ownerId: { not: viewer.id } },
          include,
          take: MAX_VIEWS - mine.length,
          orderBy: order,
        })
      : [];
  const picked = [...mine, ...team];
  const items = [];
  // one count at a time: 50 views must not take 50 connections of the pool
  for (const r of picked) items.push(await toView(deps, viewer, r));
  return { items, defaultViewId: mine.find((r) => r.isDefault)?.id ?? null };
}

/** Serialises one owner's writes (default flag, cap) on their staff row. */
async function lockOwner(tx: Tx, ownerId: string) {
  await tx.$queryRaw`SELECT id FROM staff_users WHERE id = ${ownerId}::uuid FOR UPDATE`;
}

function checkShare(viewer: Viewer, shared: boolean | undefined) {
  if (shared && !viewer.roles.includes('LEAD'))
    throw new AppError('VIEW.SHARE_LEAD_ONLY', 'Only a lead can share a view with the team.');
}

async function audit(
  deps: Pick<Deps, 'clock'>,
  tx: Tx,
  source: AuditSource | undefined,
  action: string,
  v: { id: string; name: string },
) {
  await appendAudit(tx, {
    ...(source ?? { actor: { type: 'SYSTEM', id: null, label: 'saved views' } }),
    at: deps.clock.now(),
    action,
    target: { type: 'saved_view', id: v.id },
    data: { name: v.name },
  });
}

export async function createView(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  viewer: Viewer,
  input: Required<Pick<ViewInput, 'name' | 'filters'>> & ViewInput,
  source?: AuditSource,
) {
  checkShare(viewer, input.shared);
  const row = await deps.prisma.$transaction(async (tx) => {
    await lockOwner(tx, viewer.id);
    const own = await tx.savedView.count({ where: { ownerId: viewer.id } });
    if (own >= MAX_VIEWS)
      throw new AppError('VIEW.LIMIT_REACHED', `At most ${MAX_VIEWS} views per user.`, { max: MAX_VIEWS });
    if (input.isDefault)
      await tx.savedView.updateMany({
        where: { ownerId: viewer.id, isDefault: true },
        data: { isDefault: false },
      });
    const v = await tx.savedView.create({
      data: {
        ownerId: viewer.id,
        name: input.name,
        filters: input.filters,
        shared: input.shared ?? false,
        isDefault: input.isDefault ?? false,
      },
      include,
    });
    if (v.shared) await audit(deps, tx, source, 'SAVED_VIEW_SHARED_CREATED', v);
    return v;
  });
  return toView(deps, viewer, row);
}

/** The caller's own view `id`, or the error the rules above give. */
async function ownView(tx: Tx, viewer: Viewer, id: string) {
  const v = isUuid(id) ? await tx.savedView.findUnique({ where: { id } }) : null;
  if (!v || (v.ownerId !== viewer.id && !v.shared)) throw new AppError('VIEW.NOT_FOUND', 'No such view.');
  if (v.ownerId !== viewer.id)
    throw new AppError('VIEW.NOT_OWNER', 'Only the owner can change or delete this view.');
  return v;
}

export async function updateView(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  viewer: Viewer,
  id: string,
  input: ViewInput,
  source?: AuditSource,
) {
  checkShare(viewer, input.shared);
  const row = await deps.prisma.$transaction(async (tx) => {
    await lockOwner(tx, viewer.id);
    const before = await ownView(tx, viewer, id);
    if (input.isDefault)
      await tx.savedView.updateMany({
        where: { ownerId: viewer.id, isDefault: true, id: { not: id } },
        data: { isDefault: false },
      });
    const v = await tx.savedView.update({
      where: { id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.filters !== undefined ? { filters: input.filters } : {}),
        ...(input.shared !== undefined ? { shared: input.shared } : {}),
        ...(input.isDefault !== undefined ? { isDefault: input.isDefault } : {}),
      },
      include,
    });
    if (before.shared !== v.shared)
      await audit(deps, tx, source, v.shared ? 'SAVED_VIEW_SHARED' : 'SAVED_VIEW_UNSHARED', v);
    return v;
  });
  return toView(deps, viewer, row);
}

export async function deleteView(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  viewer: Viewer,
  id: string,
  source?: AuditSource,
): Promise<void> {
  await deps.prisma.$transaction(async (tx) => {
    await lockOwner(tx, viewer.id);
    const v = await ownView(tx, viewer, id);
    await tx.savedView.delete({ where: { id } });
    if (v.shared) await audit(deps, tx, source, 'SAVED_VIEW_SHARED_DELETED', v);
  });
}
