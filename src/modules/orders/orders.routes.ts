import { Router } from 'express';
import { z } from 'zod';
import { requireService } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { ZCreateBlockedOrderRequest, ZCreateBlockedOrderResponse, ZPaymentError } from './orders.schemas.ts';
import { getPaymentError, listPaymentErrors, registerBlockedOrder } from './orders.service.ts';

const register = describeRoute({
  method: 'post',
  path: '/api/v1/blocked-orders',
  summary: 'Register a blocked order; returns the appeal link for appealable codes (idempotent on orderId)',
  tags: ['orders'],
  security: ['service'],
  body: ZCreateBlockedOrderRequest,
  responses: {
    201: { description: 'Registered', schema: ZCreateBlockedOrderResponse },
    200: { description: 'Already registered with the same body', schema: ZCreateBlockedOrderResponse },
    409: { description: 'orderId already registered with a different body' },
  },
});

const list = describeRoute({
  method: 'get',
  path: '/api/v1/payment-errors',
  summary: 'The payment-failure catalogue',
  tags: ['orders'],
  security: ['none'],
  responses: { 200: { description: 'Catalogue', schema: z.object({ items: z.array(ZPaymentError) }) } },
});

const one = describeRoute({
  method: 'get',
  path: '/api/v1/payment-errors/:code',
  summary: 'One catalogue entry',
  tags: ['orders'],
  security: ['none'],
  params: z.object({ code: z.string().regex(/^[A-Z0-9_]{1,64}$/) }),
  responses: { 200: { description: 'Entry', schema: ZPaymentError } },
});

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const ordersRouteDocs = [register, list, one] as const;

export function ordersRoutes(deps: Deps): Router {
  const r = Router();
  r.post(register.path, requireService(), async (req, res) => {
    const { body } = parseRequest(register, req);
    const result = await registerBlockedOrder(deps, body);
    res.status(result.created ? 201 : 200).json(result.body);
  });
  r.get(list.path, async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json({ items: await listPaymentErrors(deps) });
  });
  r.get(one.path, async (req, res) => {
    const { params } = parseRequest(one, req);
    res.set('Cache-Control', 'public, max-age=300').json(await getPaymentError(deps, params.code));
  });
  return r;
}
