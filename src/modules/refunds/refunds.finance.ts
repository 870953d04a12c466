// What finance sees (SPEC section 5): refunds by status, overdue first, totals per currency, ageing, and
// a CSV export that streams. Keyset pagination on (overdue, dueBy, id), so a page is one index-friendly
// query whatever the offset, and the CSV walks the same keys in batches instead of loading every row.
import { DateTime } from 'luxon';
import type { Clock } from '../../platform/clock.ts';
import { type Db, Prisma, type Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { minorToMajorString, money } from '../../platform/money.ts';
import {
  type Ageing,
  ageingBucket,
  allowedRefundEvents,
  isOverdue,
  type RefundEventType,
  type RefundStatus,
} from './refunds.rules.ts';
import type { TRefundListFilters } from './refunds.schemas.ts';
import { isUuid } from '../../platform/ids.ts';

type FinanceDeps = Pick<Deps, 'prisma' | 'config' | 'clock'>;

interface RefundRow {
  id: string;
  ext_order_id: string;
  appeal_id: string;
  status: RefundStatus;
  cause: 'REJECTED' | 'EXPIRED' | 'WITHDRAWN';
  amount_minor: bigint;
  currency: string;
  card_brand: string;
  card_last4: string;
  provider: string;
  decided_at: Date;
  expected_from: Date;
  due_by: Date;
  provider_ref: string | null;
  arn: string | null;
  failure_reason: string | null;
  submitted_at: Date | null;
  settled_at: Date | null;
}

export interface RefundItem {
  id: string;
  orderId: string;
  appealId: string;
  status: RefundStatus;
  cause: 'REJECTED' | 'EXPIRED' | 'WITHDRAWN';
  amount: { value: number; currency: string };
  card: { brand: string; last4: string };
  provider: string;
  decidedAt: string;
  expectedFrom: string;
  dueBy: string;
  providerRef: string | null;
  arn: string | null;
  failureReason: string | null;
  submittedAt: string | null;
  settledAt: string | null;
  overdue: boolean;
  ageing: Ageing;
  /** events that may be recorded next (allowedRefundEvents) */
  allowedEvents: RefundEventType[];
}

export interface Total {
  currency: string;
  value: number;
  count: number;
}

const SELECT = Prisma.sql`
  SELECT r.id::text AS id, o.order_id AS ext_order_id, r.appeal_id::text AS appeal_id, r.status::text AS status,
         r.cause::text AS cause, r.amount_minor, r.currency, r.card_brand, r.card_last4, r.provider,
         r.decided_at, r.expected_from, r.due_by, r.provider_ref, r.arn, r.failure_reason, r.submitted_at,
         r.settled_at
  FROM refunds r JOIN blocked_orders o ON o.id = r.order_id`;

function toItem(r: RefundRow, now: Date): RefundItem {
  const dates = {
    status: r.status,
    expectedFrom: r.expected_from,
    dueBy: r.due_by,
    settledAt: r.settled_at,
  };
  return {
    id: r.id,
    orderId: r.ext_order_id,
    appealId: r.appeal_id,
    status: r.status,
    cause: r.cause,
    amount: money(r.amount_minor, r.currency),
    card: { brand: r.card_brand, last4: r.card_last4 },
    provider: r.provider,
    decidedAt: r.decided_at.toISOString(),
    expectedFrom: r.expected_from.toISOString(),
    dueBy: r.due_by.toISOString(),
    providerRef: r.provider_ref,
    arn: r.arn,
    failureReason: r.failure_reason,
    submittedAt: r.submitted_at?.toISOString() ?? null,
    settledAt: r.settled_at?.toISOString() ?? null,
    overdue: isOverdue(dates, now),
    ageing: ageingBucket(dates, now),
    allowedEvents: allowedRefundEvents(r.status),
  };
}

/** Selects one refund as finance sees it (also the answer of an event). */
export async function getRefundItem(
  deps: { prisma: Db | Tx; clock: Clock },
  id: string,
): Promise<RefundItem> {
  const rows = await deps.prisma.$queryRaw<RefundRow[]>`${SELECT} WHERE r.id = ${id}::uuid`;
  if (!rows[0]) throw new AppError('REFUND.NOT_FOUND', 'No such refund.');
  return toItem(rows[0], deps.clock.now());
}

/** A local date is the whole day in the business zone; `to` as a date includes that day. */
function bound(value: string, zone: string, end: boolean): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const d = DateTime.fromISO(value, { zone }).startOf('day');
    return (end ? d.plus({ days: 1 }) : d).toJSDate();
  }
  return new Date(value);
}

function overdueSql(now: Date): Prisma.Sql {
  return Prisma.sql`(r.status <> 'SETTLED' AND r.due_by < ${now})`;
}

function whereSql(f: TRefundListFilters, now: Date, zone: string): Prisma.Sql[] {
  const conds: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (f.status) conds.push(Prisma.sql`r.status = ${f.status}::"RefundStatus"`);
  if (f.currency) conds.push(Prisma.sql`r.currency = ${f.currency}`);
  if (f.overdue === 'true') conds.push(overdueSql(now));
  if (f.overdue === 'false') conds.push(Prisma.sql`NOT ${overdueSql(now)}`);
  if (f.from) conds.push(Prisma.sql`r.decided_at >= ${bound(f.from, zone, false)}`);
  if (f.to) conds.push(Prisma.sql`r.decided_at < ${bound(f.to, zone, true)}`);
  return conds;
}

interface Cursor {
  o: 0 | 1;
  d: string;
  i: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;
    if ((c.o === 0 || c.o === 1) && !Number.isNaN(Date.parse(c.d)) && isUuid(c.i)) return c;
  } catch {
    // fall through
  }
  throw new AppError('REQUEST.INVALID', 'The cursor is not valid.', [
    { path: 'cursor', message: 'not a cursor from this list' },
  ]);
}

/** One page in the finance order: overdue first, then by dueBy (earliest first), then id. */
async function page(
  deps: FinanceDeps,
  f: TRefundListFilters,
  now: Date,
  limit: number,
  cursor: Cursor | null,
): Promise<{ rows: RefundRow[]; next: Cursor | null }> {
  const ov = Prisma.sql`(CASE WHEN ${overdueSql(now)} THEN 1 ELSE 0 END)`;
  const conds = whereSql(f, now, deps.config.BUSINESS_TIMEZONE);
  if (cursor) {
    conds.push(
      Prisma.sql`(${ov} < ${cursor.o} OR (${ov} = ${cursor.o} AND (r.due_by, r.id) > (${new Date(cursor.d)}, ${cursor.i}::uuid)))`,
    );
  }
  const rows = await deps.prisma.$queryRaw<RefundRow[]>`
    ${SELECT} WHERE ${Prisma.join(conds, ' AND ')}
    ORDER BY ${ov} DESC, r.due_by ASC, r.id ASC
    LIMIT ${limit + 1}`;
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return {
    rows: items,
    next:
      more && last
        ? {
            o: isOverdue({ status: last.status, dueBy: last.due_by }, now) ? 1 : 0,
            d: last.due_by.toISOString(),
            i: last.id,
          }
        : null,
  };
}

async function totals(deps: FinanceDeps, conds: Prisma.Sql[]): Promise<Total[]> {
  const rows = await deps.prisma.$queryRaw<{ currency: string; value: string; count: number }[]>`
    SELECT r.currency, sum(r.amount_minor)::text AS value, count(*)::int AS count
    FROM refunds r WHERE ${Prisma.join(conds, ' AND ')}
    GROUP BY r.currency ORDER BY r.currency`;
  return rows.map((r) => ({ currency: r.currency, value: Number(r.value), count: r.count }));
}

export async function listRefunds(
  deps: FinanceDeps,
  q: TRefundListFilters & { limit: number; cursor?: string },
): Promise<{ items: RefundItem[]; nextCursor: string | null; totals: Total[] }> {
  const now = deps.clock.now();
  const cursor = q.cursor ? decodeCursor(q.cursor) : null;
  const { rows, next } = await page(deps, q, now, q.limit, cursor);
  return {
    items: rows.map((r) => toItem(r, now)),
    nextCursor: next ? encodeCursor(next) : null,
    totals: await totals(deps, whereSql(q, now, deps.config.BUSINESS_TIMEZONE)),
  };
}

/** Totals per currency and per status, ageing of the refunds not yet settled, and what is overdue. */
export async function refundSummary(deps: FinanceDeps) {
  const now = deps.clock.now();
  const byStatus = await deps.prisma.$queryRaw<
    { status: RefundStatus; currency: string; value: string; count: number }[]
  >`SELECT r.status::text AS status, r.currency, sum(r.amount_minor)::text AS value, count(*)::int AS count
    FROM refunds r GROUP BY r.status, r.currency ORDER BY r.status, r.currency`;
  // the same comparisons as ageingBucket, done by the database over the open refunds
  const [ageing] = await deps.prisma.$queryRaw<{ within: number; window: number; past: number }[]>`
    SELECT count(*) FILTER (WHERE ${now} < r.expected_from)::int AS within,
           count(*) FILTER (WHERE ${now} >= r.expected_from AND ${now} <= r.due_by)::int AS window,
           count(*) FILTER (WHERE ${now} > r.due_by)::int AS past
    FROM refunds r WHERE r.status <> 'SETTLED'`;
  const overdueTotals = await totals(deps, [overdueSql(now)]);
  return {
    asOf: now.toISOString(),
    totals: await totals(deps, [Prisma.sql`TRUE`]),
    byStatus: byStatus.map((r) => ({ ...r, value: Number(r.value) })),
    ageing: {
      WITHIN_WINDOW: ageing?.within ?? 0,
      IN_WINDOW_7_10: ageing?.window ?? 0,
      PAST_DUE: ageing?.past ?? 0,
    },
    overdue: { count: overdueTotals.reduce((n, t) => n + t.count, 0), totals: overdueTotals },
  };
}

export const CSV_COLUMNS = [
  'refund_id',
  'order_id',
  'appeal_id',
  'status',
  'cause',
  'amount',
  'currency',
  'card_brand',
  'card_last4',
  'decided_at',
  'expected_from',
  'due_by',
  'provider',
  'provider_ref',
  'arn',
  'failure_reason',
  'submitted_at',
  'settled_at',
  'overdue',
  'ageing',
] as const;

/**
 * The export's rows in list order, `batch` at a time: memory holds one batch whatever the table size.
 * Amounts are major units with the currency's own ISO 4217 decimals (JPY 0, EUR 2, KWD 3).
 */
export async function* refundCsvRows(
  deps: FinanceDeps,
  f: TRefundListFilters,
  batch = 500,
): AsyncGenerator<Record<(typeof CSV_COLUMNS)[number], string>> {
  const now = deps.clock.now();
  let cursor: Cursor | null = null;
  do {
    const { rows, next } = await page(deps, f, now, batch, cursor);
    for (const r of rows) {
      const it = toItem(r, now);
      yield {
        refund_id: it.id,
        order_id: it.orderId,
        appeal_id: it.appealId,
        status: it.status,
        cause: it.cause,
        amount: minorToMajorString(r.amount_minor, r.currency),
        currency: r.currency,
        card_brand: it.card.brand,
        card_last4: it.card.last4,
        decided_at: it.decidedAt,
        expected_from: it.expectedFrom,
        due_by: it.dueBy,
        provider: it.provider,
        provider_ref: it.providerRef ?? '',
        arn: it.arn ?? '',
        failure_reason: it.failureReason ?? '',
        submitted_at: it.submittedAt ?? '',
        settled_at: it.settledAt ?? '',
        overdue: String(it.overdue),
        ageing: it.ageing,
      };
    }
    cursor = next;
  } while (cursor);
}
