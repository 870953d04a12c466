import { Router } from 'express';
import { requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { ZAuditPage, ZAuditQuery } from './audit.schemas.ts';
import { listAudit } from './audit.service.ts';

const list = describeRoute({
  method: 'get',
  path: '/api/v1/audit',
  summary: 'The audit trail, newest first, filterable by actor id, appeal and action',
  tags: ['security'],
  security: ['staff'],
  roles: ['ADMIN'],
  query: ZAuditQuery,
  responses: { 200: { description: 'A page of audit records', schema: ZAuditPage } },
});

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const auditRouteDocs = [list] as const;

export function auditRoutes(deps: Deps): Router {
  const r = Router();
  r.get(list.path, requireStaff('ADMIN'), async (req, res) => {
    const { query } = parseRequest(list, req);
    res.set('Cache-Control', 'no-store').json(await listAudit(deps.prisma, query));
  });
  return r;
}
