import { Router } from 'express';
import { requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import { listOutbox, retryOutbox } from './notifications.admin.ts';
import { ZOutboxIdParams, ZOutboxItem, ZOutboxList, ZOutboxListQuery } from './notifications.schemas.ts';

const list = describeRoute({
  method: 'get',
  path: '/api/v1/outbox',
  summary: 'Outbox messages by status (default FAILED,DEAD): e-mails and webhooks that need an admin',
  tags: ['notifications'],
  security: ['staff'],
  roles: ['ADMIN'],
  query: ZOutboxListQuery,
  responses: { 200: { description: 'Messages, newest first', schema: ZOutboxList } },
});

const retry = describeRoute({
  method: 'post',
  path: '/api/v1/outbox/:id/retry',
  summary: 'Queue a FAILED or DEAD message again with a fresh attempt budget',
  tags: ['notifications'],
  security: ['staff'],
  roles: ['ADMIN'],
  params: ZOutboxIdParams,
  responses: {
    200: { description: 'Pending again', schema: ZOutboxItem },
    409: { description: 'Not FAILED or DEAD' },
  },
});

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const notificationsRouteDocs = [list, retry] as const;

export function notificationsRoutes(deps: Deps): Router {
  const r = Router();
  r.get(list.path, requireStaff('ADMIN'), async (req, res) => {
    const { query } = parseRequest(list, req);
    res.json(await listOutbox(deps, query));
  });
  r.post(retry.path, requireStaff('ADMIN'), async (req, res) => {
    const { params } = parseRequest(retry, req);
    res.json(await retryOutbox(deps, params.id, auditFromRequest(req)));
  });
  return r;
}
