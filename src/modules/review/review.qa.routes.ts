// Quality sampling (issue 19.4): the blind second review and the leads' agreement figures.
import { Router } from 'express';
import { z } from 'zod';
import { requireSecondFactor, requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import type { Principal } from '../../platform/principal.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import { viewCaseDocument } from './review.documents.ts';
import { sendDocumentJpeg } from './review.documents.routes.ts';
import { blindDocumentCase, decideQaReview, getBlindCase, listQaReviews, qaSummary } from './review.qa.ts';

const ZQaParams = z.object({ id: z.string().max(64) });
const ZQaOutcome = z.enum(['APPROVED', 'REJECTED']);

const list = describeRoute({
  method: 'get',
  path: '/api/v1/qa/reviews',
  summary:
    'Quality samples (oldest first): OPEN ones the caller may review (never those of their own first ' +
    'decision), or the DONE ones they reviewed',
  tags: ['qa'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  query: z.object({ state: z.enum(['OPEN', 'DONE']).default('OPEN') }),
  responses: {
    200: {
      description: 'The samples',
      schema: z.object({
        items: z.array(
          z.object({
            id: z.string(),
            caseId: z.string(),
            orderId: z.string(),
            sampledAt: z.string(),
            decidedAt: z.string().nullable(),
          }),
        ),
      }),
    },
  },
});

const one = describeRoute({
  method: 'get',
  path: '/api/v1/qa/reviews/:id',
  summary:
    'The sampled case for a blind review: order facts, documents and the history before the first ' +
    'decision; never the first decision, its reasons, notes or the case status',
  tags: ['qa'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  params: ZQaParams,
  responses: {
    200: { description: 'The blind case' },
    403: { description: 'QA.OWN_DECISION: the caller took part in the first decision' },
    404: { description: 'QA.NOT_FOUND' },
  },
});

const image = describeRoute({
  method: 'get',
  path: '/api/v1/qa/reviews/:id/documents/:docId/image',
  summary:
    "A document of the sample's case, watermarked like the case view's (no-store, inline); every view " +
    'is audited (DOCUMENT_VIEWED)',
  tags: ['qa'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  params: z.object({ id: z.string().max(64), docId: z.string().max(64) }),
  query: z.object({
    page: z.coerce.number().int().min(1).max(100).default(1),
    w: z.coerce.number().int().min(200).max(2400).optional(),
  }),
  responses: {
    200: { description: 'The watermarked image', schema: z.string(), contentType: 'image/jpeg' },
    403: { description: 'QA.OWN_DECISION' },
    404: { description: 'No such sample or document' },
    410: { description: 'DOCUMENT.PURGED' },
  },
});

const decide = describeRoute({
  method: 'post',
  path: '/api/v1/qa/reviews/:id/decision',
  summary:
    'The blind second decision (once): records whether it agrees with the first; the case itself does ' +
    'not change; audited (QA_REVIEW_RECORDED)',
  tags: ['qa'],
  security: ['staff'],
  roles: ['REVIEWER', 'LEAD'],
  params: ZQaParams,
  body: z.object({
    outcome: ZQaOutcome,
    reasonCodes: z.array(z.string().max(64)).max(20).default([]),
  }),
  responses: {
    200: {
      description: 'Recorded',
      schema: z.object({
        id: z.string(),
        state: z.literal('DONE'),
        outcome: ZQaOutcome,
        reasonCodes: z.array(z.string()),
        agreed: z.boolean(),
      }),
    },
    400: { description: 'A rejection without reasons, or unknown reason codes' },
    403: { description: 'QA.OWN_DECISION' },
    404: { description: 'QA.NOT_FOUND' },
    409: { description: 'QA.ALREADY_DECIDED' },
  },
});

const ZRate = z.number().nullable();
const summary = describeRoute({
  method: 'get',
  path: '/api/v1/qa/summary',
  summary:
    'Agreement of second reviews done between the local dates from..to (both included): per first ' +
    'reviewer and per reason code of the first decision',
  tags: ['qa'],
  security: ['staff'],
  roles: ['LEAD'],
  query: z.object({ from: z.iso.date().optional(), to: z.iso.date().optional() }),
  responses: {
    200: {
      description: 'The figures',
      schema: z.object({
        from: z.string().nullable(),
        to: z.string().nullable(),
        timezone: z.string(),
        open: z.number().int(),
        reviewers: z.array(
          z.object({
            reviewerId: z.string(),
            name: z.string(),
            samples: z.number().int(),
            agreed: z.number().int(),
            overturned: z.number().int(),
            agreementRate: ZRate,
          }),
        ),
        reasonCodes: z.array(
          z.object({
            code: z.string().nullable(),
            samples: z.number().int(),
            overturned: z.number().int(),
            overturnRate: ZRate,
          }),
        ),
      }),
    },
    400: { description: 'Not a date' },
  },
});

function staff(p: Principal) {
  if (p.kind !== 'staff') throw new Error('requireStaff must run first');
  return { id: p.userId, roles: p.roles, email: p.email, name: p.name };
}

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const reviewQaRouteDocs = [list, one, image, decide, summary] as const;

export function reviewQaRoutes(deps: Deps): Router {
  const r = Router();
  r.get(list.path, requireStaff('REVIEWER', 'LEAD'), async (req, res) => {
    const { query } = parseRequest(list, req);
    res.set('Cache-Control', 'no-store').json(await listQaReviews(deps, staff(req.principal), query));
  });
  r.get(summary.path, requireStaff('LEAD'), async (req, res) => {
    const { query } = parseRequest(summary, req);
    res.set('Cache-Control', 'no-store').json(await qaSummary(deps, query));
  });
  r.get(one.path, requireStaff('REVIEWER', 'LEAD'), async (req, res) => {
    const { params } = parseRequest(one, req);
    res.set('Cache-Control', 'no-store').json(await getBlindCase(deps, staff(req.principal), params.id));
  });
  r.get(image.path, requireStaff('REVIEWER', 'LEAD'), requireSecondFactor(deps.config), async (req, res) => {
    const { params, query } = parseRequest(image, req);
    const me = staff(req.principal);
    const caseId = await blindDocumentCase(deps, me, params.id);
    const { ip, userAgent } = auditFromRequest(req);
    // the sample is the permission to see its case: the case-scope check runs as for a lead
    const view = await viewCaseDocument(
      deps,
      { ...me, roles: ['LEAD'] },
      { caseId, docId: params.docId, page: query.page, width: query.w },
      { ip, userAgent },
    );
    sendDocumentJpeg(res, view.jpeg);
  });
  r.post(decide.path, requireStaff('REVIEWER', 'LEAD'), async (req, res) => {
    const { params, body } = parseRequest(decide, req);
    res.json(await decideQaReview(deps, staff(req.principal), params.id, body, auditFromRequest(req)));
  });
  return r;
}
