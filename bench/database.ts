// Benchmark 6: the reviewer queue query and the claim/assign transaction through Prisma (the application's
// own code paths) against the same SQL on raw `pg`, with 1,000,000 appeals in the table (a dedicated bench
// database filled with INSERT ... SELECT generate_series, dropped afterwards). Pairs alternate (Prisma,
// pg, Prisma, pg...) so load on the machine hits both alike. Targets: Prisma >= 0.5x pg (median
// latency ratio), queue query p99 < 50 ms.
import type pg from 'pg';
import { lockAppeal, openCaseCount } from '../src/modules/review/review.routing.ts';
import { listCases } from '../src/modules/review/review.cases.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import { insertAppeals, insertStaff } from './data.ts';
import { createBenchEnv, isMain, median, percentile, printResult, round, row, runBench } from './lib.ts';

const OPEN = `ARRAY['SUBMITTED','IN_REVIEW']::"AppealStatus"[]`;

/** The queue a REVIEWER sees (review.cases.ts listCases), written by hand: one statement with the joins. */
const QUEUE_SQL = `
  SELECT a.*, o.order_id AS "o_orderId", o.amount_minor, o.currency, o.card_brand, o.card_last4,
         s.id AS s_id, s.name AS s_name, s.email AS s_email
  FROM appeals a
  JOIN blocked_orders o ON o.id = a.order_id
  LEFT JOIN staff_users s ON s.id = a.assignee_id
  WHERE a.status = ANY(${OPEN})
    AND (a.assignee_id = $1::uuid
         OR (a.assignee_id IS NULL AND a.status = ANY(${OPEN}))
         OR a.last_reviewer_id = $1::uuid
         OR EXISTS (SELECT 1 FROM case_assignments c WHERE c.appeal_id = a.id AND c.reviewer_id = $1::uuid))
  ORDER BY a.target_at ASC NULLS LAST, a.id ASC
  LIMIT 51`;

/** review.routing.ts's candidate query, verbatim. */
const CANDIDATES_SQL = `
  SELECT s.id::text FROM staff_users s
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS open FROM appeals a WHERE a.assignee_id = s.id AND a.status = 'IN_REVIEW'
  ) c
  WHERE 'REVIEWER' = ANY(s.roles) AND s.active
    AND (s.on_leave_until IS NULL OR s.on_leave_until <= $1)
    AND c.open < s.max_open_cases
  ORDER BY c.open, s.last_assigned_at NULLS FIRST, s.id
  LIMIT 25`;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

/** The claim through Prisma: routeCase's statements (lock the case, choose, lock the reviewer, count, assign). */
async function claimPrisma(prisma: PrismaClient, appealId: string): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const now = new Date();
    const a = await lockAppeal(tx, appealId);
    if (a?.status !== 'SUBMITTED') throw new Error('claim: case not SUBMITTED');
    const list = await tx.$queryRawUnsafe<{ id: string }[]>(CANDIDATES_SQL, now);
    let reviewer: string | null = null;
    for (const { id } of list) {
      const r = await tx.$queryRaw<{ id: string; max: number }[]>`
        SELECT id::text, max_open_cases AS max FROM staff_users WHERE id = ${id}::uuid FOR UPDATE SKIP LOCKED`;
      if (r[0] && (await openCaseCount(tx, id)) < r[0].max) {
        reviewer = id;
        break;
      }
    }
    if (!reviewer) throw new Error('claim: nobody has room');
    await tx.appeal.update({
      where: { id: appealId },
      data: { status: 'IN_REVIEW', assigneeId: reviewer, assignedAt: now },
    });
    await tx.caseAssignment.create({
      data: { appealId, reviewerId: reviewer, reason: 'ROUTED', assignedAt: now },
    });
    await tx.staffUser.update({ where: { id: reviewer }, data: { lastAssignedAt: now } });
  });
}

/** The same statements on a raw pg connection. */
async function claimPg(pool: pg.Pool, appealId: string): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const now = new Date();
    const a = await c.query(
      `SELECT id::text, status::text, assignee_id::text AS "assigneeId", last_reviewer_id::text AS "lastReviewerId",
              round, needs_lead AS "needsLead" FROM appeals WHERE id = $1::uuid FOR UPDATE`,
      [appealId],
    );
    if (a.rows[0]?.status !== 'SUBMITTED') throw new Error('claim: case not SUBMITTED');
    const list = await c.query<{ id: string }>(CANDIDATES_SQL, [now]);
    let reviewer: string | null = null;
    for (const { id } of list.rows) {
      const r = await c.query<{ max: number }>(
        'SELECT id::text, max_open_cases AS max FROM staff_users WHERE id = $1::uuid FOR UPDATE SKIP LOCKED',
        [id],
      );
      const open = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM appeals WHERE assignee_id = $1::uuid AND status = 'IN_REVIEW'`,
        [id],
      );
      if (r.rows[0] && open.rows[0]!.n < r.rows[0].max) {
        reviewer = id;
        break;
      }
    }
    if (!reviewer) throw new Error('claim: nobody has room');
    await c.query(
      `UPDATE appeals SET status = 'IN_REVIEW', assignee_id = $2::uuid, assigned_at = $3, updated_at = now() WHERE id = $1::uuid`,
      [appealId, reviewer, now],
    );
    await c.query(
      `INSERT INTO case_assignments (id, appeal_id, reviewer_id, reason, assigned_at) VALUES (gen_random_uuid(), $1, $2, 'ROUTED', $3)`,
      [appealId, reviewer, now],
    );
    await c.query('UPDATE staff_users SET last_assigned_at = $2, updated_at = now() WHERE id = $1::uuid', [
      reviewer,
      now,
    ]);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK');
    throw e;
  } finally {
    c.release();
  }
}

export async function run() {
  return runBench('database', '6. Database', async () => {
    const total = Number(process.env.BENCH_DB_APPEALS ?? 1_000_000);
    const iterations = Number(process.env.BENCH_DB_ITERATIONS ?? 200);
    const env = await createBenchEnv();
    const { pool, deps } = env;
    try {
      const t0 = performance.now();
      const reviewers = await insertStaff(pool, 50, {
        roles: ['REVIEWER'],
        maxOpenCases: 1_000_000,
        tag: 'rev',
      });
      // 98% closed history, 1% assigned to reviewers, 0.8% in the pool, 0.2% waiting to be claimed
      const open = Math.round(total * 0.02);
      const closed = total - open;
      const chunk = 250_000;
      for (let done = 0, i = 0; done < closed; done += chunk, i++) {
        const n = Math.min(chunk, closed - done);
        await insertAppeals(
          pool,
          {
            n,
            tag: `C${i}`,
            status: `CASE WHEN g % 3 = 0 THEN 'REJECTED' ELSE 'APPROVED' END`,
            submittedAt: `now() - make_interval(days => 10 + g % 700)`,
            targetAt: `now() - make_interval(days => 7 + g % 700)`,
            assigneeId: `($2::uuid[])[1 + g % 50]`,
          },
          reviewers,
        );
      }
      await insertAppeals(
        pool,
        {
          n: Math.round(total * 0.01),
          tag: 'A',
          status: `'IN_REVIEW'`,
          submittedAt: `now() - make_interval(hours => g % 120)`,
          targetAt: `now() + make_interval(mins => g % 10000)`,
          assigneeId: `($2::uuid[])[1 + g % 50]`,
        },
        reviewers,
      );
      await insertAppeals(pool, {
        n: Math.round(total * 0.008),
        tag: 'P',
        status: `'IN_REVIEW'`,
        submittedAt: `now() - make_interval(hours => g % 120)`,
        targetAt: `now() + make_interval(mins => g % 10000)`,
      });
      const claimable = open - Math.round(total * 0.018);
      await insertAppeals(pool, {
        n: claimable,
        tag: 'S',
        status: `'SUBMITTED'`,
        submittedAt: 'now()',
        targetAt: `now() + interval '3 days'`,
      });
      // a case_assignments row per assigned appeal, as routing would have left
      await pool.query(`INSERT INTO case_assignments (id, appeal_id, reviewer_id, reason, assigned_at)
                        SELECT gen_random_uuid(), id, assignee_id, 'ROUTED', coalesce(assigned_at, now())
                        FROM appeals WHERE assignee_id IS NOT NULL`);
      await pool.query('ANALYZE');
      const fillMs = performance.now() - t0;
      const count = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM appeals')).rows[0]!.n;
      const claimIds = (
        await pool.query<{ id: string }>(
          `SELECT id::text FROM appeals WHERE status = 'SUBMITTED' ORDER BY id`,
        )
      ).rows.map((r) => r.id);

      const viewer = { id: reviewers[7]!, roles: ['REVIEWER'] as const };
      const prismaQueue = () => listCases(deps, viewer as never, { limit: 50 });
      const pgQueue = async () => {
        const r = await pool.query(QUEUE_SQL, [viewer.id]);
        if (r.rowCount === 0) throw new Error('empty queue');
      };
      // the two must list the same cases
      const a = (await prismaQueue()).items.map((x) => x.id);
      const b = (await pool.query<{ id: string }>(QUEUE_SQL, [viewer.id])).rows.slice(0, 50).map((x) => x.id);
      const sameQueue = a.length === 50 && a.every((id, i) => id === b[i]);

      const qPrisma: number[] = [];
      const qPg: number[] = [];
      for (let i = 0; i < 20; i++) {
        await prismaQueue();
        await pgQueue();
      }
      for (let i = 0; i < iterations; i++) {
        qPrisma.push(await timed(prismaQueue));
        qPg.push(await timed(pgQueue));
      }

      const cPrisma: number[] = [];
      const cPg: number[] = [];
      const prisma = deps.prisma as unknown as PrismaClient;
      let next = 0;
      const claims = Math.min(iterations, Math.floor((claimIds.length - 20) / 2));
      for (let i = 0; i < 10; i++) {
        await claimPrisma(prisma, claimIds[next++]!);
        await claimPg(pool, claimIds[next++]!);
      }
      for (let i = 0; i < claims; i++) {
        cPrisma.push(await timed(() => claimPrisma(prisma, claimIds[next++]!)));
        cPg.push(await timed(() => claimPg(pool, claimIds[next++]!)));
      }
      const assignedOnce = (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (SELECT appeal_id FROM case_assignments GROUP BY 1 HAVING count(*) > 1) d`,
        )
      ).rows[0]!.n;

      const qRatio = median(qPg) / median(qPrisma);
      const cRatio = median(cPg) / median(cPrisma);
      const qP99 = percentile(qPrisma, 99);
      return {
        rows: [
          row(
            'queue query: Prisma / pg (median latency)',
            '>= 0.5x',
            `${round(qRatio)}x (${round(median(qPrisma), 1)} vs ${round(median(qPg), 1)} ms)`,
            qRatio,
            qRatio >= 0.5,
          ),
          row(
            'queue query p99 (Prisma, 1M appeals)',
            '< 50 ms',
            `${round(qP99, 1)} ms (pg ${round(percentile(qPg, 99), 1)} ms)${sameQueue ? '' : ', lists differ!'}`,
            qP99,
            qP99 < 50 && sameQueue,
          ),
          row(
            'claim/assign: Prisma / pg (median latency)',
            '>= 0.5x',
            `${round(cRatio)}x (${round(median(cPrisma), 1)} vs ${round(median(cPg), 1)} ms)`,
            cRatio,
            cRatio >= 0.5 && assignedOnce === 0,
          ),
        ],
        details: {
          appeals: count,
          fillSeconds: round(fillMs / 1000, 1),
          iterations,
          claims,
          queue: {
            prisma: { p50: median(qPrisma), p99: qP99 },
            pg: { p50: median(qPg), p99: percentile(qPg, 99) },
            sameQueue,
          },
          claim: {
            prisma: { p50: median(cPrisma), p99: percentile(cPrisma, 99) },
            pg: { p50: median(cPg), p99: percentile(cPg, 99) },
          },
          doubleAssigned: assignedOnce,
        },
        notes: [
          'queue = listCases (review.cases.ts) for a REVIEWER (own cases, the pool, cases worked before), first page of 50; pg = one hand-written statement returning the same rows',
          "claim = one transaction of routeCase's statements: lock the case, choose a reviewer (the routing candidate query), lock them, count their open cases, assign, record the assignment",
        ],
      };
    } finally {
      await env.close();
    }
  });
}

if (isMain(import.meta.url)) {
  printResult(await run());
  process.exit(0);
}
