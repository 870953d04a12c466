import { Router } from 'express';
import { z } from 'zod';
import { requireSecondFactor, requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import { PACK_PROFILES } from './evidence.profiles.ts';
import { buildEvidencePack } from './evidence.service.ts';

const pack = describeRoute({
  method: 'get',
  path: '/api/v1/cases/:id/evidence-pack',
  summary:
    'The approved appeal as one PDF for a later dispute of the same payment: a cover (order, card brand and ' +
    'last 4, timeline, decision, reviewers, audit-chain hash) and the approved documents fitted to the ' +
    "network profile's size, page and DPI limits, watermarked; every page is checked for card numbers; audited",
  tags: ['review'],
  security: ['staff'],
  roles: ['LEAD', 'FINANCE'],
  params: z.object({ id: z.string().max(64) }),
  query: z.object({ profile: z.enum(PACK_PROFILES).default('generic') }),
  errors: [
    'CASE.NOT_FOUND',
    'EVIDENCE_PACK.NOT_APPROVED',
    'EVIDENCE_PACK.PURGED',
    'EVIDENCE_PACK.TOO_LARGE',
    'EVIDENCE_PACK.CARD_NUMBER_VISIBLE',
    'EVIDENCE_PACK.GUARD_UNAVAILABLE',
    'AUTH.MFA_REQUIRED',
  ],
  responses: {
    200: { description: 'The PDF (attachment)', schema: z.string(), contentType: 'application/pdf' },
    404: { description: 'CASE.NOT_FOUND' },
    409: { description: 'EVIDENCE_PACK.NOT_APPROVED: only APPROVED appeals give a pack' },
    410: { description: 'EVIDENCE_PACK.PURGED: the documents were deleted under the retention policy' },
    422: {
      description:
        'EVIDENCE_PACK.TOO_LARGE (does not fit the profile) or EVIDENCE_PACK.CARD_NUMBER_VISIBLE (a document ' +
        'shows a full card number; a security incident is recorded)',
    },
    503: {
      description:
        'EVIDENCE_PACK.GUARD_UNAVAILABLE (the card-number guard could not run) or the audit is down',
    },
  },
});

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const evidenceRouteDocs = [pack] as const;

export function evidenceRoutes(deps: Deps): Router {
  const r = Router();
  r.get(pack.path, requireStaff('LEAD', 'FINANCE'), requireSecondFactor(deps.config), async (req, res) => {
    const { params, query } = parseRequest(pack, req);
    const p = req.principal;
    if (p.kind !== 'staff') throw new Error('requireStaff must run first');
    const out = await buildEvidencePack(
      deps,
      { id: p.userId, email: p.email, name: p.name },
      { caseId: params.id, profile: query.profile },
      auditFromRequest(req),
    );
    res
      .status(200)
      .set({
        'Content-Type': 'application/pdf',
        'Content-Length': String(out.pdf.length),
        'Content-Disposition': `attachment; filename="${out.filename}"`,
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'X-Evidence-Pack-Sha256': out.sha256,
        'X-Evidence-Pack-Pages': String(out.pages),
      })
      .end(out.pdf);
  });
  return r;
}
