import { Router } from 'express';
import { z } from 'zod';
import { requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import { listIncidents } from './incidents.service.ts';
import { setLegalHold } from './retention.service.ts';
import { purgeSensitiveDocument } from './security.sensitive.ts';
import {
  ZCaseParams,
  ZIncidentPage,
  ZIncidentQuery,
  ZLegalHoldRequest,
  ZLegalHoldResponse,
} from './security.schemas.ts';

const incidents = describeRoute({
  method: 'get',
  path: '/api/v1/incidents',
  summary: 'Card-number incidents, newest first (never the digits)',
  tags: ['security'],
  security: ['staff'],
  roles: ['SECURITY', 'ADMIN'],
  query: ZIncidentQuery,
  responses: { 200: { description: 'A page of incidents', schema: ZIncidentPage } },
});

const legalHold = describeRoute({
  method: 'put',
  path: '/api/v1/cases/:id/legal-hold',
  summary: 'Set or release the legal hold that keeps a closed case’s documents past the retention period',
  tags: ['security'],
  security: ['staff'],
  roles: ['ADMIN'],
  params: ZCaseParams,
  body: ZLegalHoldRequest,
  responses: { 200: { description: 'The hold as it now is', schema: ZLegalHoldResponse } },
});

const ZSensitiveRequest = z.strictObject({
  kind: z.enum(['FULL_CARD_NUMBER', 'SECURITY_CODE']).default('SECURITY_CODE'),
});
const ZSensitiveResponse = z
  .object({ documentId: z.uuid(), appealId: z.uuid(), incidentId: z.uuid(), purgedAt: z.string() })
  .meta({ id: 'SensitiveDocumentPurge' });

const sensitive = describeRoute({
  method: 'post',
  path: '/api/v1/documents/:docId/sensitive-card-data',
  summary:
    "Contains sensitive card data: purge the document's blob at once (even under legal hold), record an incident and audit it",
  tags: ['security'],
  security: ['staff'],
  roles: ['SECURITY', 'ADMIN'],
  params: z.object({ docId: z.string().max(64) }),
  body: ZSensitiveRequest,
  responses: {
    200: { description: 'Purged', schema: ZSensitiveResponse },
    404: { description: 'DOCUMENT.NOT_FOUND' },
    410: { description: 'DOCUMENT.PURGED: already purged' },
  },
});

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const securityRouteDocs = [incidents, legalHold, sensitive] as const;

export function securityRoutes(deps: Deps): Router {
  const r = Router();
  r.get(incidents.path, requireStaff('SECURITY', 'ADMIN'), async (req, res) => {
    const { query } = parseRequest(incidents, req);
    res.set('Cache-Control', 'no-store').json(await listIncidents(deps.prisma, query));
  });
  r.put(legalHold.path, requireStaff('ADMIN'), async (req, res) => {
    const { params, body } = parseRequest(legalHold, req);
    res.json(await setLegalHold(deps, params.id, body.hold, auditFromRequest(req)));
  });
  r.post(sensitive.path, requireStaff('SECURITY', 'ADMIN'), async (req, res) => {
    const { params, body } = parseRequest(sensitive, req);
    res
      .set('Cache-Control', 'no-store')
      .json(await purgeSensitiveDocument(deps, params.docId, body, auditFromRequest(req)));
  });
  return r;
}
