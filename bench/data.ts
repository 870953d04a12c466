// Bulk data for the benchmarks, written with INSERT ... SELECT generate_series (seconds for a million rows,
// where the API would take hours). Rows are what the application itself would have written: a blocked
// order per appeal, staff with bcrypt-free placeholder hashes (nobody logs in), outbox rows by topic.
import type pg from 'pg';

/** A payment-error code from the seeded catalogue (prisma/seed/payment-errors.json). */
export const ERROR_CODE = 'ISC_RS_5100102051';

export async function insertStaff(
  pool: pg.Pool,
  n: number,
  opts: { roles: string[]; maxOpenCases?: number; tag: string },
): Promise<string[]> {
  const r = await pool.query<{ id: string }>(
    `INSERT INTO staff_users (id, email, name, password_hash, roles, max_open_cases, updated_at)
     SELECT gen_random_uuid(), $1 || '-' || g || '@staff.bench', $1 || '-' || g, 'x', $2::"StaffRole"[], $3, now()
     FROM generate_series(1, $4::int) g
     RETURNING id::text`,
    [opts.tag, opts.roles, opts.maxOpenCases ?? 10, n],
  );
  return r.rows.map((x) => x.id);
}

export interface AppealRows {
  n: number;
  /** distinguishes the order ids of one call from another's */
  tag: string;
  /**
   * SQL expressions over `g` (1..n) and the reviewer array `$2` (uuid[]) for each column; defaults make
   * an AWAITING_DOCUMENTS appeal.
   */
  status?: string;
  targetAt?: string;
  warnAt?: string;
  breachAt?: string;
  assigneeId?: string;
  submittedAt?: string;
}

/** Inserts `n` blocked orders and their appeals in one statement; returns the number of appeals. */
export async function insertAppeals(
  pool: pg.Pool | pg.Client,
  a: AppealRows,
  reviewers: string[] = [],
): Promise<number> {
  const sql = `
    WITH o AS (
      INSERT INTO blocked_orders (id, order_id, buyer_id, buyer_email, buyer_name, buyer_locale, amount_minor,
        currency, card_brand, card_last4, card_issuer_country, error_code, payment_captured, blocked_at,
        request_hash, updated_at)
      SELECT gen_random_uuid(), $1 || '-' || g, 'buyer-' || (g % 100000), 'b' || g || '@example.com',
        'Buyer ' || g, 'en-GB', 1000 + g % 90000, 'EUR', 'VISA', lpad((g % 10000)::text, 4, '0'), 'GB',
        '${ERROR_CODE}', true, now() - interval '1 day', md5(g::text), now()
      FROM generate_series(1, ${Math.trunc(a.n)}) g
      RETURNING id, order_id
    ), og AS (
      SELECT id, split_part(order_id, '-', 2)::int AS g FROM o
    )
    INSERT INTO appeals (id, order_id, status, token_hash, token_nonce, token_expires_at, id_type,
      submitted_at, first_submitted_at, sla_start_at, target_at, warn_at, breach_at, assignee_id, assigned_at,
      updated_at)
    SELECT gen_random_uuid(), og.id, (${a.status ?? `'AWAITING_DOCUMENTS'`})::"AppealStatus",
      md5($1 || og.g::text || random()::text), md5(og.g::text), now() + interval '30 days', 'PASSPORT',
      ${a.submittedAt ?? 'NULL'}, ${a.submittedAt ?? 'NULL'}, ${a.submittedAt ?? 'NULL'},
      ${a.targetAt ?? 'NULL'}, ${a.warnAt ?? 'NULL'}, ${a.breachAt ?? 'NULL'},
      ${a.assigneeId ?? 'NULL'}, CASE WHEN (${a.assigneeId ?? 'NULL'}) IS NULL THEN NULL ELSE now() END, now()
    FROM og`;
  // $2 is only referenced when an expression uses the reviewer array
  const usesReviewers = sql.includes('$2');
  const r = await pool.query(sql, usesReviewers ? [a.tag, reviewers] : [a.tag]);
  return r.rowCount ?? 0;
}

/** One 'case.route' outbox row per appeal in `status`. */
export async function insertRouteRows(pool: pg.Pool, status = 'SUBMITTED'): Promise<number> {
  const r = await pool.query(
    `INSERT INTO outbox (id, topic, payload)
     SELECT gen_random_uuid(), 'case.route', jsonb_build_object('appealId', id::text)
     FROM appeals WHERE status = $1::"AppealStatus"`,
    [status],
  );
  return r.rowCount ?? 0;
}
