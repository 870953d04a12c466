// Refund events (finance users and provider callbacks) and the finance views: list, summary, CSV export.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { type RequestHandler, Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { type RefundEventActor, recordRefundEvent } from './refunds.events.ts';
import {
  PROVIDER_SIGNATURE_HEADER,
  PROVIDER_TIMESTAMP_HEADER,
  requireProviderSignature,
} from './refunds.signature.ts';
import { CSV_COLUMNS, getRefundItem, listRefunds, refundCsvRows, refundSummary } from './refunds.finance.ts';
import {
  ZIdempotencyKey,
  ZRefundEventRequest,
  ZRefundItem,
  ZRefundList,
  ZRefundListFilters,
  ZRefundListQuery,
  ZRefundSummary,
} from './refunds.schemas.ts';
import { isUuid } from '../../platform/ids.ts';

const FINANCE_VIEW = ['FINANCE', 'ADMIN'] as const;
const ZRefundParams = z.object({ id: z.string().max(64) });

const event = describeRoute({
  method: 'post',
  path: '/api/v1/refunds/:id/events',
  summary:
    'Record a refund status event (SUBMITTED with providerRef, SETTLED with a 23-digit ARN, FAILED with a reason); idempotent with Idempotency-Key',
  tags: ['refunds'],
  security: ['staff', 'provider'],
  roles: ['FINANCE', 'refund provider callback key (+ HMAC signature when signing secrets are set)'],
  params: ZRefundParams,
  headers: z.object({
    'Idempotency-Key': ZIdempotencyKey.optional().meta({
      description: 'Alternative to idempotencyKey in the body',
    }),
    [PROVIDER_TIMESTAMP_HEADER]: z
      .string()
      .regex(/^\d{1,12}$/)
      .optional()
      .meta({
        description:
          'Provider callbacks with signing secrets configured: unix seconds; refused beyond +-300 s of the server clock',
      }),
    [PROVIDER_SIGNATURE_HEADER]: z.string().optional().meta({
      description:
        'Provider callbacks with signing secrets configured: v1=<hex HMAC-SHA256(secret, timestamp + "." + raw request body)>; several comma-separated values allowed',
      example: 'v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
    }),
  }),
  body: ZRefundEventRequest,
  errors: ['AUTH.SIGNATURE_INVALID'],
  responses: {
    200: {
      description: 'The refund after the event (or the first answer for a replayed key)',
      schema: ZRefundItem,
    },
    401: {
      description:
        'AUTH.SIGNATURE_INVALID: a provider callback unsigned, wrongly signed or outside the time window',
    },
    404: { description: 'REFUND.NOT_FOUND' },
    409: { description: 'REFUND.INVALID_TRANSITION, or IDEMPOTENCY.CONFLICT (key reused with another body)' },
    422: { description: 'REFUND.MISMATCH: the amount or currency differs from the refund' },
  },
});

const list = describeRoute({
  method: 'get',
  path: '/api/v1/refunds',
  summary: 'Refunds for finance: overdue first, then by due date; totals per currency over the filter',
  tags: ['refunds'],
  security: ['staff'],
  roles: [...FINANCE_VIEW],
  query: ZRefundListQuery,
  responses: { 200: { description: 'A page of refunds', schema: ZRefundList } },
});

const summary = describeRoute({
  method: 'get',
  path: '/api/v1/refunds/summary',
  summary: 'Totals per currency and status, ageing buckets of open refunds, overdue totals',
  tags: ['refunds'],
  security: ['staff'],
  roles: [...FINANCE_VIEW],
  responses: { 200: { description: 'Summary', schema: ZRefundSummary } },
});

const csv = describeRoute({
  method: 'get',
  path: '/api/v1/refunds.csv',
  summary: 'CSV export (RFC 4180, header row, amounts in major units), streamed; same filters as the list',
  tags: ['refunds'],
  security: ['staff'],
  roles: [...FINANCE_VIEW],
  query: ZRefundListFilters,
  responses: { 200: { description: 'text/csv attachment', contentType: 'text/csv', schema: z.string() } },
});

const one = describeRoute({
  method: 'get',
  path: '/api/v1/refunds/:id',
  summary: 'One refund with its events',
  tags: ['refunds'],
  security: ['staff'],
  roles: [...FINANCE_VIEW],
  params: ZRefundParams,
  responses: { 200: { description: 'The refund and its events' } },
});

/**
 * FINANCE staff, or the payment provider's callback (a Bearer key from REFUND_PROVIDER_KEYS, plus an HMAC
 * signature when REFUND_PROVIDER_SIGNING_SECRETS is set: refunds.signature.ts).
 */
function requireFinanceOrProvider(): RequestHandler {
  const finance = requireStaff('FINANCE');
  return (req, res, next) => {
    if (req.principal.kind === 'provider') return next();
    finance(req, res, next);
  };
}

function eventActor(req: Parameters<RequestHandler>[0]): RefundEventActor {
  const p = req.principal;
  if (p.kind === 'provider') return { type: 'PROVIDER', id: `provider-key#${p.keyIndex}` };
  if (p.kind === 'staff') return { type: 'STAFF', id: p.userId };
  throw new AppError('AUTH.FORBIDDEN', 'Not allowed.');
}

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const refundsRouteDocs = [event, list, summary, csv, one] as const;

export function refundsRoutes(deps: Deps): Router {
  const r = Router();

  r.post(event.path, requireFinanceOrProvider(), requireProviderSignature(deps), async (req, res) => {
    const { params, body } = parseRequest(event, req);
    const header = req.get('idempotency-key');
    const headerKey = header === undefined ? undefined : ZIdempotencyKey.parse(header);
    const out = await recordRefundEvent(deps, params.id, body, eventActor(req), headerKey);
    if (out.replayed) res.set('Idempotent-Replayed', 'true');
    res.status(out.status).set('Cache-Control', 'no-store').json(out.body);
  });

  r.get(list.path, requireStaff(...FINANCE_VIEW), async (req, res) => {
    const { query } = parseRequest(list, req);
    res.set('Cache-Control', 'no-store').json(await listRefunds(deps, query));
  });

  r.get(summary.path, requireStaff(...FINANCE_VIEW), async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await refundSummary(deps));
  });

  r.get(csv.path, requireStaff(...FINANCE_VIEW), async (req, res) => {
    const { query } = parseRequest(csv, req);
    const day = DateTime.fromJSDate(deps.clock.now(), { zone: deps.config.BUSINESS_TIMEZONE }).toISODate();
    // recorded before the first byte: an export that the client aborts half-way still counts as one
    await appendAudit(deps.prisma, {
      ...auditFromRequest(req),
      at: deps.clock.now(),
      action: 'REFUNDS_EXPORTED',
      data: { ...query },
    });
    res.status(200).set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="refunds-${day}.csv"`,
      'Cache-Control': 'no-store',
    });
    // rows are pulled batch by batch as the socket drains: the export never holds the whole table
    await pipeline(
      Readable.from(refundCsvRows(deps, query)),
      stringify({
        header: true,
        columns: [...CSV_COLUMNS],
        record_delimiter: 'windows',
        // a reason typed into a PSP console must not become a spreadsheet formula
        escape_formulas: true,
      }),
      res,
    );
  });

  r.get(one.path, requireStaff(...FINANCE_VIEW), async (req, res) => {
    const { params } = parseRequest(one, req);
    if (!isUuid(params.id)) throw new AppError('REFUND.NOT_FOUND', 'No such refund.');
    const item = await getRefundItem(deps, params.id);
    const events = await deps.prisma.refundEvent.findMany({
      where: { refundId: params.id },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    res.set('Cache-Control', 'no-store').json({
      ...item,
      events: events.map((e) => ({
        id: e.id,
        type: e.type,
        fromStatus: e.fromStatus,
        providerRef: e.providerRef,
        arn: e.arn,
        reason: e.reason,
        actorType: e.actorType,
        actorId: e.actorId,
        at: e.createdAt.toISOString(),
      })),
    });
  });

  return r;
}
