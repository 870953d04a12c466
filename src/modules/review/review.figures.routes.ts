// Per-reviewer figures for leads (issue 19 point 5): JSON and the same rows as CSV.
import { stringify } from 'csv-stringify';
import { Router } from 'express';
import { z } from 'zod';
import { requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { FIGURES_CSV_COLUMNS, figuresCsvRows } from './review.figures.ts';
import { teamReviewerFigures } from './review.figures.query.ts';

export const ZFiguresQuery = z.object({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
});

const ZOpenByAge = z.object({
  '0-1d': z.number().int(),
  '1-3d': z.number().int(),
  '3-5d': z.number().int(),
  '5d+': z.number().int(),
});

export const ZReviewerFigures = z.object({
  reviewerId: z.uuid(),
  name: z.string(),
  decisions: z.number().int(),
  decisionsPerDay: z.array(z.object({ date: z.string(), count: z.number().int() })),
  medianHandlingWorkingHours: z.number().nullable(),
  withinTargetShare: z.number().nullable(),
  overturns: z.number().int(),
  openByAge: ZOpenByAge,
});

const json = describeRoute({
  method: 'get',
  path: '/api/v1/team/reviewers',
  summary:
    'Per-reviewer figures from the case history: decisions per day, median handling time in working ' +
    'hours, share within the target, overturns, open cases by age (local dates from..to, at most 92 days)',
  tags: ['review'],
  security: ['staff'],
  roles: ['LEAD'],
  query: ZFiguresQuery,
  responses: {
    200: {
      description: 'The figures, one item per reviewer',
      schema: z.object({
        from: z.string(),
        to: z.string(),
        asOf: z.string(),
        timezone: z.string(),
        targetWorkingDays: z.number(),
        items: z.array(ZReviewerFigures),
      }),
    },
    400: { description: 'Not a date, from after to, or more than 92 days' },
  },
});

const csv = describeRoute({
  method: 'get',
  path: '/api/v1/team/reviewers.csv',
  summary: 'The per-reviewer figures as CSV (one line per reviewer; per-day counts as date:count)',
  tags: ['review'],
  security: ['staff'],
  roles: ['LEAD'],
  query: ZFiguresQuery,
  responses: {
    200: { description: 'text/csv' },
    400: { description: 'Not a date, from after to, or more than 92 days' },
  },
});

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const reviewFiguresRouteDocs = [json, csv] as const;

export function reviewFiguresRoutes(deps: Deps): Router {
  const r = Router();
  r.get(json.path, requireStaff('LEAD'), async (req, res) => {
    const { query } = parseRequest(json, req);
    res.set('Cache-Control', 'no-store').json(await teamReviewerFigures(deps, query));
  });
  r.get(csv.path, requireStaff('LEAD'), async (req, res) => {
    const { query } = parseRequest(csv, req);
    const out = await teamReviewerFigures(deps, query);
    const text = await new Promise<string>((resolve, reject) =>
      stringify(
        figuresCsvRows(out.items),
        {
          header: true,
          columns: [...FIGURES_CSV_COLUMNS],
          record_delimiter: 'windows',
          // a staff name must not become a spreadsheet formula
          escape_formulas: true,
        },
        (err, s) => (err ? reject(err) : resolve(s)),
      ),
    );
    res
      .status(200)
      .set({
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="reviewers-${out.from}-${out.to}.csv"`,
        'Cache-Control': 'no-store',
      })
      .send(text);
  });
  return r;
}
