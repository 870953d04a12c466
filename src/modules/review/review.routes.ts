import { Router } from 'express';
import { z } from 'zod';
import { requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import type { Principal } from '../../http/types.ts';
import { errorMessage } from '../../platform/messages.ts';
import { statusFor } from '../../http/error-handler.ts';
import { requestLang } from '../../http/language.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import { caseIdOr404, getCase, listCases, listReasonCodes, teamSla } from './review.cases.ts';
import { decideCase } from './review.decisions.ts';
import { assignCase } from './review.assign.ts';
import { bulkCaseAction } from './review.bulk.ts';
import { escalateCase } from './review.escalate.ts';
import {
  ZAdminWarnings,
  ZAssignRequest,
  ZBulkRequest,
  ZBulkResponse,
  ZCaseListItem,
  ZCaseListQuery,
  ZCaseParams,
  ZDecisionRequest,
  ZReasonCode,
  ZTeamSlaQuery,
} from './review.schemas.ts';
import { adminWarnings, listSecondApprovals } from './review.second-approval.ts';

const list = describeRoute({
  method: 'get',
  path: '/api/v1/cases',
  summary: 'The review queue, sorted by due time (targetAt); a reviewer sees their cases and the pool',
  tags: ['review'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  query: ZCaseListQuery,
  responses: {
    200: {
      description: 'A page of cases',
      schema: z.object({ items: z.array(ZCaseListItem), nextCursor: z.string().nullable() }),
    },
  },
});

const one = describeRoute({
  method: 'get',
  path: '/api/v1/cases/:id',
  summary: 'A case: the appeal view with documents and checks, SLA deadlines, history and decisions',
  tags: ['review'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  params: ZCaseParams,
  responses: { 200: { description: 'The case' } },
});

const decide = describeRoute({
  method: 'post',
  path: '/api/v1/cases/:id/decision',
  summary: 'Approve, reject or request more information (assignee or lead; second approval by another lead)',
  tags: ['review'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  params: ZCaseParams,
  body: ZDecisionRequest,
  responses: {
    200: { description: 'The decision and the new status' },
    400: { description: 'Unknown reason codes, missing reasons or slots' },
    403: { description: 'Not the assignee' },
    409: { description: 'Not IN_REVIEW, already decided, or second approval by the same person' },
  },
});

const assign = describeRoute({
  method: 'post',
  path: '/api/v1/cases/:id/assign',
  summary: 'Assign or reassign a case (reviewerId), or return it to the pool (null); may exceed the cap',
  tags: ['review'],
  security: ['staff'],
  roles: ['LEAD'],
  params: ZCaseParams,
  body: ZAssignRequest,
  responses: { 200: { description: 'The new assignee' } },
});

const escalate = describeRoute({
  method: 'post',
  path: '/api/v1/cases/:id/escalate',
  summary: 'Escalate an open case (the flag an SLA breach sets); an escalated case stays as it is',
  tags: ['review'],
  security: ['staff'],
  roles: ['LEAD'],
  params: ZCaseParams,
  responses: {
    200: {
      description: 'Escalated',
      schema: z.object({ caseId: z.string(), escalated: z.literal(true), changed: z.boolean() }),
    },
    409: { description: 'Not SUBMITTED or IN_REVIEW' },
  },
});

const bulk = describeRoute({
  method: 'post',
  path: '/api/v1/cases/bulk',
  summary:
    'Assign (pool cases only), reassign (assigned cases only), return to the pool or escalate up to 100 ' +
    'cases; each case on its own (own transaction and audit record), the answer lists both outcomes',
  tags: ['review'],
  security: ['staff'],
  roles: ['LEAD'],
  body: ZBulkRequest,
  errors: ['CASE.NOT_FOUND', 'CASE.NOT_IN_REVIEW', 'CASE.ALREADY_ASSIGNED', 'CASE.NOT_ASSIGNED'],
  responses: {
    200: {
      description:
        'Per case: succeeded (the single-case answer) or failed (the HTTP status and the error the ' +
        'single-case route would have answered)',
      schema: ZBulkResponse,
    },
    400: { description: 'Bad action, 0 or more than 100 ids, repeated ids, assign without assigneeId' },
  },
});

const warnings = describeRoute({
  method: 'get',
  path: '/api/v1/admin/warnings',
  summary: 'Configuration warnings for admins: FOUR_EYES_TOO_FEW_LEADS (fewer than two leads can confirm)',
  tags: ['review'],
  security: ['staff'],
  roles: ['ADMIN'],
  responses: { 200: { description: 'The warnings (empty when all is well)', schema: ZAdminWarnings } },
});

const reasons = describeRoute({
  method: 'get',
  path: '/api/v1/reason-codes',
  summary: 'The reason-code catalogue',
  tags: ['review'],
  security: ['staff'],
  responses: { 200: { description: 'Catalogue', schema: z.object({ items: z.array(ZReasonCode) }) } },
});

const sla = describeRoute({
  method: 'get',
  path: '/api/v1/team/sla',
  summary: 'Team SLA figures: decided within target / within deadline / breached; open overdue',
  tags: ['review'],
  security: ['staff'],
  roles: ['LEAD'],
  query: ZTeamSlaQuery,
  responses: { 200: { description: 'Figures' } },
});

function staff(p: Principal) {
  if (p.kind !== 'staff') throw new Error('requireStaff must run first');
  return { id: p.userId, roles: p.roles };
}

const secondApprovals = describeRoute({
  method: 'get',
  path: '/api/v1/team/second-approvals',
  summary: 'Approvals waiting for a second lead (oldest first) and their count',
  tags: ['review'],
  security: ['staff'],
  roles: ['LEAD'],
  responses: {
    200: {
      description: 'The waiting approvals',
      schema: z.object({
        count: z.number().int(),
        items: z.array(
          z.object({
            caseId: z.uuid(),
            orderId: z.string(),
            amount: z.object({ value: z.number().int(), currency: z.string() }),
            firstApprover: z.object({ id: z.uuid(), name: z.string() }),
            since: z.string(),
            breachAt: z.string().nullable(),
          }),
        ),
      }),
    },
  },
});

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const reviewRouteDocs = [
  list,
  one,
  decide,
  assign,
  escalate,
  bulk,
  warnings,
  reasons,
  sla,
  secondApprovals,
] as const;

export function reviewRoutes(deps: Deps): Router {
  const r = Router();
  r.get(list.path, requireStaff('REVIEWER', 'LEAD'), async (req, res) => {
    const { query } = parseRequest(list, req);
    res.set('Cache-Control', 'no-store').json(await listCases(deps, staff(req.principal), query));
  });
  r.get(one.path, requireStaff('REVIEWER', 'LEAD'), async (req, res) => {
    const { params } = parseRequest(one, req);
    res.set('Cache-Control', 'no-store').json(await getCase(deps, staff(req.principal), params.id));
  });
  r.post(decide.path, requireStaff('REVIEWER', 'LEAD'), async (req, res) => {
    const { params, body } = parseRequest(decide, req);
    res.json(
      await decideCase(deps, caseIdOr404(params.id), body, staff(req.principal), auditFromRequest(req)),
    );
  });
  r.post(assign.path, requireStaff('LEAD'), async (req, res) => {
    const { params, body } = parseRequest(assign, req);
    const out = await assignCase(deps, {
      appealId: caseIdOr404(params.id),
      reviewerId: body.reviewerId,
      leadId: req.principal.kind === 'staff' ? req.principal.userId : '',
      source: auditFromRequest(req),
    });
    res.json({ caseId: params.id, ...out });
  });
  r.post(escalate.path, requireStaff('LEAD'), async (req, res) => {
    const { params } = parseRequest(escalate, req);
    const out = await escalateCase(deps, {
      appealId: caseIdOr404(params.id),
      leadId: staff(req.principal).id,
      source: auditFromRequest(req),
    });
    res.json({ caseId: params.id, ...out });
  });
  r.post(bulk.path, requireStaff('LEAD'), async (req, res) => {
    const { body } = parseRequest(bulk, req);
    const out = await bulkCaseAction(deps, {
      ...body,
      leadId: staff(req.principal).id,
      source: auditFromRequest(req),
    });
    // each failure in the SPEC error shape, its message in the caller's language like a single error's
    const lang = out.failed.length ? await requestLang(deps, req) : 'en';
    res.json({
      ...out,
      failed: out.failed.map((f) => ({
        caseId: f.caseId,
        status: statusFor(f.error.code),
        error: { ...f.error, message: errorMessage(lang, f.error.code, f.error.details, f.error.message) },
      })),
    });
  });
  r.get(warnings.path, requireStaff('ADMIN'), async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await adminWarnings(deps));
  });
  r.get(reasons.path, requireStaff(), async (_req, res) => {
    res.json({ items: await listReasonCodes(deps) });
  });
  r.get(secondApprovals.path, requireStaff('LEAD'), async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await listSecondApprovals(deps));
  });
  r.get(sla.path, requireStaff('LEAD'), async (req, res) => {
    const { query } = parseRequest(sla, req);
    res.set('Cache-Control', 'no-store').json(
      await teamSla(deps, {
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
      }),
    );
  });
  return r;
}
