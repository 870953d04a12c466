// Saved views of the queue (issue 19 point 2): list with counts, create, change, delete (review.views.ts).
import { Router } from 'express';
import { z } from 'zod';
import { requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import type { Principal } from '../../http/types.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import { ZViewFilters } from './review.schemas.ts';
import { createView, deleteView, listViews, MAX_VIEWS, updateView } from './review.views.ts';

/** The filters as GET /api/v1/cases takes them (strings), checked with the list route's own schema. */
const ZFiltersInput = z
  .record(z.string().max(32), z.string().max(2000))
  .superRefine((f, ctx) => {
    const r = ZViewFilters.safeParse(f);
    if (!r.success)
      for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
  })
  .describe(
    'GET /api/v1/cases query parameters as strings: status, assignee, overdue, escalated, needsLead, ' +
      'currency, amountMin, amountMax, flags (no limit or cursor), e.g. {"escalated":"true","flags":"OVERRIDDEN"}',
  );

const ZName = z.string().trim().min(1).max(60);

const ZViewCreate = z.strictObject({
  name: ZName,
  filters: ZFiltersInput,
  /** LEAD only */
  shared: z.boolean().default(false),
  isDefault: z.boolean().default(false),
});

const ZViewPatch = z
  .strictObject({
    name: ZName.optional(),
    filters: ZFiltersInput.optional(),
    shared: z.boolean().optional(),
    isDefault: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

const ZViewParams = z.object({ id: z.string().max(64) });

const ZView = z.object({
  id: z.uuid(),
  name: z.string(),
  filters: z.record(z.string(), z.string()),
  shared: z.boolean(),
  isDefault: z.boolean(),
  mine: z.boolean(),
  owner: z.object({ id: z.uuid(), name: z.string() }),
  count: z.number().int().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const list = describeRoute({
  method: 'get',
  path: '/api/v1/views',
  summary:
    `Saved queue views: the caller's own and those the team shares (at most ${MAX_VIEWS}), each with the ` +
    "number of open cases its filters match for the caller's visibility",
  tags: ['review'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  responses: {
    200: {
      description: 'The views, own first; defaultViewId is the caller’s default (null: none)',
      schema: z.object({ items: z.array(ZView), defaultViewId: z.uuid().nullable() }),
    },
  },
});

const create = describeRoute({
  method: 'post',
  path: '/api/v1/views',
  summary: 'Save filters as a view (shared with the team: leads only; isDefault clears the previous default)',
  tags: ['review'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  body: ZViewCreate,
  errors: ['VIEW.SHARE_LEAD_ONLY', 'VIEW.LIMIT_REACHED'],
  responses: {
    201: { description: 'The view, with its count', schema: ZView },
    400: { description: 'A name of 0 or more than 60 characters, an unknown or bad filter' },
    403: { description: 'VIEW.SHARE_LEAD_ONLY: a reviewer asked for shared' },
    409: { description: `VIEW.LIMIT_REACHED: ${MAX_VIEWS} own views already` },
  },
});

const patch = describeRoute({
  method: 'patch',
  path: '/api/v1/views/:id',
  summary: 'Rename, change the filters, share/unshare (leads) or make default one of the caller’s views',
  tags: ['review'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  params: ZViewParams,
  body: ZViewPatch,
  errors: ['VIEW.NOT_FOUND', 'VIEW.NOT_OWNER', 'VIEW.SHARE_LEAD_ONLY'],
  responses: {
    200: { description: 'The view, with its count', schema: ZView },
    400: { description: 'Bad name or filters, or an empty body' },
    403: { description: 'VIEW.NOT_OWNER (a view shared by someone else) or VIEW.SHARE_LEAD_ONLY' },
    404: { description: 'VIEW.NOT_FOUND (also someone else’s private view)' },
  },
});

const remove = describeRoute({
  method: 'delete',
  path: '/api/v1/views/:id',
  summary: 'Delete one of the caller’s views',
  tags: ['review'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  params: ZViewParams,
  errors: ['VIEW.NOT_FOUND', 'VIEW.NOT_OWNER'],
  responses: {
    204: { description: 'Deleted' },
    403: { description: 'VIEW.NOT_OWNER (a view shared by someone else)' },
    404: { description: 'VIEW.NOT_FOUND (also someone else’s private view)' },
  },
});

function staff(p: Principal) {
  if (p.kind !== 'staff') throw new Error('requireStaff must run first');
  return { id: p.userId, roles: p.roles };
}

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const reviewViewsRouteDocs = [list, create, patch, remove] as const;

export function reviewViewsRoutes(deps: Deps): Router {
  const r = Router();
  r.get(list.path, requireStaff('REVIEWER', 'LEAD'), async (req, res) => {
    parseRequest(list, req);
    res.set('Cache-Control', 'no-store').json(await listViews(deps, staff(req.principal)));
  });
  r.post(create.path, requireStaff('REVIEWER', 'LEAD'), async (req, res) => {
    const { body } = parseRequest(create, req);
    res.status(201).json(await createView(deps, staff(req.principal), body, auditFromRequest(req)));
  });
  r.patch(patch.path, requireStaff('REVIEWER', 'LEAD'), async (req, res) => {
    const { params, body } = parseRequest(patch, req);
    res.json(await updateView(deps, staff(req.principal), params.id, body, auditFromRequest(req)));
  });
  r.delete(remove.path, requireStaff('REVIEWER', 'LEAD'), async (req, res) => {
    const { params } = parseRequest(remove, req);
    await deleteView(deps, staff(req.principal), params.id, auditFromRequest(req));
    res.status(204).end();
  });
  return r;
}
