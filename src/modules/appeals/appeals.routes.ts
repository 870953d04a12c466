import { Router } from 'express';
import { z } from 'zod';
import { requireBuyerOf } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { getAppealView } from './appeals.service.ts';

export const ZAppealParams = z.object({ id: z.string().max(64) });

const view = describeRoute({
  method: 'get',
  path: '/api/v1/appeals/:id',
  summary: 'The appeal: status, slots with check results, answer-by date, decision, refund',
  tags: ['appeals'],
  security: ['buyer', 'staff'],
  roles: ['buyer of this appeal', 'REVIEWER', 'LEAD', 'FINANCE', 'ADMIN'],
  params: ZAppealParams,
  responses: { 200: { description: 'The appeal view' } },
});

export function appealsRoutes(deps: Deps): Router {
  const r = Router();
  r.get(view.path, requireBuyerOf('id', ['REVIEWER', 'LEAD', 'FINANCE', 'ADMIN']), async (req, res) => {
    const { params } = parseRequest(view, req);
    res.set('Cache-Control', 'no-store').json(await getAppealView(deps, params.id));
  });
  return r;
}
