import { Router } from 'express';
import { z } from 'zod';
import { requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import { deleteHoliday, listHolidays, putHoliday } from './sla.holidays.ts';

const Ymd = z.iso.date('date must be a real date as YYYY-MM-DD');
const ZHoliday = z.object({ date: z.string(), name: z.string() });

const list = describeRoute({
  method: 'get',
  path: '/api/v1/calendar/holidays',
  summary: 'Holidays of the business calendar (optionally of one year)',
  tags: ['calendar'],
  security: ['staff'],
  roles: ['ADMIN'],
  query: z.object({ year: z.coerce.number().int().min(1978).max(9999).optional() }),
  responses: { 200: { description: 'Holidays', schema: z.object({ items: z.array(ZHoliday) }) } },
});

const put = describeRoute({
  method: 'put',
  path: '/api/v1/calendar/holidays/:date',
  summary: 'Add or rename a holiday',
  tags: ['calendar'],
  security: ['staff'],
  roles: ['ADMIN'],
  params: z.object({ date: Ymd }),
  body: z.strictObject({ name: z.string().trim().min(1).max(200) }),
  responses: { 200: { description: 'The holiday', schema: ZHoliday } },
});

const del = describeRoute({
  method: 'delete',
  path: '/api/v1/calendar/holidays/:date',
  summary: 'Remove a holiday',
  tags: ['calendar'],
  security: ['staff'],
  roles: ['ADMIN'],
  params: z.object({ date: Ymd }),
  responses: { 204: { description: 'Removed' }, 404: { description: 'Not a holiday' } },
});

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const slaRouteDocs = [list, put, del] as const;

export function slaRoutes(deps: Deps): Router {
  const r = Router();
  r.get(list.path, requireStaff('ADMIN'), async (req, res) => {
    const { query } = parseRequest(list, req);
    res.json({ items: await listHolidays(deps, query.year) });
  });
  r.put(put.path, requireStaff('ADMIN'), async (req, res) => {
    const { params, body } = parseRequest(put, req);
    res.json(await putHoliday(deps, params.date, body.name, auditFromRequest(req)));
  });
  r.delete(del.path, requireStaff('ADMIN'), async (req, res) => {
    const { params } = parseRequest(del, req);
    await deleteHoliday(deps, params.date, auditFromRequest(req));
    res.status(204).end();
  });
  return r;
}
