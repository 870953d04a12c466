import { Router } from 'express';
import { requireService } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import {
  ZCreatedWebhook,
  ZCreateWebhookRequest,
  ZIdParams,
  ZListQuery,
  ZWebhookList,
} from './webhooks.schemas.ts';
import { createWebhook, deleteWebhook, listWebhooks } from './webhooks.service.ts';

const create = describeRoute({
  method: 'post',
  path: '/api/v1/webhooks',
  summary:
    'Register a callback for decision events (signed with HMAC-SHA256; see README "Notifications and webhooks")',
  tags: ['webhooks'],
  security: ['service'],
  body: ZCreateWebhookRequest,
  responses: {
    201: { description: 'Registered; the secret is shown only here', schema: ZCreatedWebhook },
    400: {
      description:
        'WEBHOOK.URL_REFUSED: not https, or the host resolves to a loopback, private, link-local or ' +
        'unique-local address',
    },
    409: { description: 'WEBHOOK.LIMIT_REACHED: MAX_WEBHOOKS subscriptions are active' },
  },
});

const list = describeRoute({
  method: 'get',
  path: '/api/v1/webhooks',
  summary: 'Registered callbacks (without their secrets)',
  tags: ['webhooks'],
  security: ['service'],
  query: ZListQuery,
  responses: { 200: { description: 'Callbacks', schema: ZWebhookList } },
});

const remove = describeRoute({
  method: 'delete',
  path: '/api/v1/webhooks/:id',
  summary: 'Remove a callback; events not yet delivered to it are dropped',
  tags: ['webhooks'],
  security: ['service'],
  params: ZIdParams,
  responses: { 204: { description: 'Removed' }, 404: { description: 'No such callback' } },
});

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const webhooksRouteDocs = [create, list, remove] as const;

export function webhooksRoutes(deps: Deps): Router {
  const r = Router();
  r.post(create.path, requireService(), async (req, res) => {
    const { body } = parseRequest(create, req);
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json(await createWebhook(deps, body, auditFromRequest(req)));
  });
  r.get(list.path, requireService(), async (req, res) => {
    const { query } = parseRequest(list, req);
    res.json(await listWebhooks(deps, query));
  });
  r.delete(remove.path, requireService(), async (req, res) => {
    const { params } = parseRequest(remove, req);
    await deleteWebhook(deps, params.id, auditFromRequest(req));
    res.status(204).end();
  });
  return r;
}
