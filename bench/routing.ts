// Benchmark 4: cases routed per second through the real routing job ('case.route' relayed from the
// outbox, consumed by workers/main.ts's worker with its production concurrency: batches of cases per
// transaction, each locked, routed through transitionAppeal, audited on its shard chain, the job rows
// settled in the same transaction; SLA timers after the commit) against the database's rate for the
// minimal equivalent work: a raw-pg transaction per case that locks a reviewer (FOR UPDATE SKIP LOCKED),
// inserts the assignment, updates the appeal and commits, on as many connections as the worker's
// concurrency. Target: >= 0.5x. The old baseline (a BullMQ worker with a no-op processor on the same Redis)
// stays as information. Every figure carries the load average at its start.
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import pg from 'pg';
import { relayOutbox } from '../src/platform/outbox.ts';
import { workerConnection } from '../src/platform/redis.ts';
import { startWorkers } from '../workers/main.ts';
import { insertAppeals, insertRouteRows, insertStaff } from './data.ts';
import { createBenchEnv, dropPrefix, isMain, printResult, round, row, runBench } from './lib.ts';

const CONCURRENCY = 4; // workers/main.ts CONCURRENCY.routing
const noMailer = { send: async () => ({ messageId: 'x', response: '250' }), close: () => {} };

// Statements per case, for the README's account of the gap: every statement a pg client of this process
// sends goes through Client.prototype.query (Prisma's adapter-pg too); the BullMQ no-op run sends none.
const counter = { statements: 0 };
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  counter.statements++;
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

const load = () => os.loadavg().map((x) => round(x, 2));
const loadText = (l: number[]) => `load ${l.join(' ')}`;

/**
 * The database's own rate for routing's minimal work: per case one transaction of four statements
 * (lock a reviewer SKIP LOCKED, insert the assignment, update the appeal, commit), `concurrency` clients
 * pulling cases from one list. The reviewers are inactive ones routing never picks, the appeals others.
 */
async function rawPgRate(pool: pg.Pool, appealIds: string[], concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const c = await pool.connect();
      try {
        for (;;) {
          const id = appealIds[next++];
          if (!id) break;
          await c.query('BEGIN');
          const r = await c.query<{ id: string }>(
            `SELECT id FROM staff_users WHERE email LIKE 'rawpg-%' AND NOT active
             ORDER BY last_assigned_at NULLS FIRST, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
          );
          const reviewer = r.rows[0]!.id;
          await c.query(
            `INSERT INTO case_assignments (id, appeal_id, reviewer_id, reason, assigned_at)
             VALUES (gen_random_uuid(), $1, $2, 'ROUTED', now())`,
            [id, reviewer],
          );
          await c.query(
            `UPDATE appeals SET status = 'IN_REVIEW', assignee_id = $2, assigned_at = now(), updated_at = now()
             WHERE id = $1`,
            [id, reviewer],
          );
          await c.query('COMMIT');
        }
      } finally {
        c.release();
      }
    }),
  );
  return (appealIds.length / (performance.now() - started)) * 1000;
}

async function drainTimed(n: number, worker: Worker): Promise<number> {
  let done = 0;
  let failed = 0;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    worker.on('completed', () => {
      if (++done === n) resolve();
    });
    worker.on('failed', (_j, err) => {
      failed++;
      if (failed > 0) reject(err);
    });
    worker.run().catch(reject);
  });
  return performance.now() - started;
}

export async function run() {
  return runBench('routing', '4. Routing', async () => {
    const n = Number(process.env.BENCH_ROUTING_CASES ?? 1000);
    const env = await createBenchEnv();
    const { deps, pool, config } = env;
    try {
      // enough reviewers and room that every case is assigned (none lands in the pool)
      await insertStaff(pool, 20, { roles: ['REVIEWER'], maxOpenCases: n, tag: 'rev' });
      await insertAppeals(pool, {
        n,
        tag: 'R',
        status: `'SUBMITTED'`,
        submittedAt: `now()`,
        targetAt: `now() + interval '3 days'`,
        warnAt: `now() + interval '4 days'`,
        breachAt: `now() + interval '5 days'`,
      });
      await insertRouteRows(pool);
      while ((await relayOutbox(deps, 500)) > 0) {
        // every row is now a job waiting in the routing queue
      }
      // the raw-pg baseline's cases and reviewers: no outbox rows, inactive (routing never sees them)
      await insertStaff(pool, 20, { roles: ['REVIEWER'], maxOpenCases: n, tag: 'rawpg' });
      await pool.query(`UPDATE staff_users SET active = false WHERE email LIKE 'rawpg-%'`);
      await insertAppeals(pool, {
        n,
        tag: 'P',
        status: `'SUBMITTED'`,
        submittedAt: `now()`,
        targetAt: `now() + interval '3 days'`,
        warnAt: `now() + interval '4 days'`,
        breachAt: `now() + interval '5 days'`,
      });
      const rawIds = (
        await pool.query<{ id: string }>(
          `SELECT a.id::text FROM appeals a JOIN blocked_orders o ON o.id = a.order_id
           WHERE o.order_id LIKE 'P-%' ORDER BY a.id`,
        )
      ).rows.map((r) => r.id);
      const rawLoad = load();
      const rawS0 = counter.statements;
      const rawRate = await rawPgRate(pool, rawIds, CONCURRENCY);
      const rawStatements = (counter.statements - rawS0) / rawIds.length;

      // baseline: the same number of jobs, a no-op processor
      const qConn = workerConnection(config.REDIS_URL!);
      const wConn = workerConnection(config.REDIS_URL!);
      const noopQueue = new Queue('bench-noop', { connection: qConn, prefix: config.QUEUE_PREFIX });
      await noopQueue.addBulk(
        Array.from({ length: n }, () => ({
          name: 'noop',
          data: { outboxId: randomUUID() },
          opts: { removeOnComplete: { count: 10_000 } },
        })),
      );
      const noop = new Worker('bench-noop', async () => {}, {
        connection: wConn,
        prefix: config.QUEUE_PREFIX,
        concurrency: CONCURRENCY,
        autorun: false,
      });
      const noopLoad = load();
      const baselineMs = await drainTimed(n, noop);
      await noop.close();
      await noopQueue.close();
      qConn.disconnect();
      wConn.disconnect();

      // the real job
      const realLoad = load();
      const realS0 = counter.statements;
      const started = performance.now();
      const set = await startWorkers(env.runtime, {
        queues: ['routing'],
        relay: false,
        schedules: false,
        mailer: noMailer as never,
      });
      const w = set.workers[0]!;
      let failures = 0;
      w.on('failed', () => failures++);
      for (;;) {
        const c = await deps.queues.routing.getJobCounts(
          'completed',
          'failed',
          'waiting',
          'active',
          'delayed',
        );
        if ((c.completed ?? 0) + (c.failed ?? 0) >= n) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const realMs = performance.now() - started;
      const realStatements = (counter.statements - realS0) / n;
      await set.close();

      const assigned = (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM appeals a JOIN blocked_orders o ON o.id = a.order_id
           WHERE o.order_id LIKE 'R-%' AND a.status = 'IN_REVIEW' AND a.assignee_id IS NOT NULL`,
        )
      ).rows[0]!.n;
      const assignments = (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM case_assignments c JOIN staff_users s ON s.id = c.reviewer_id
           WHERE s.email LIKE 'rev-%'`,
        )
      ).rows[0]!.n;
      const baselineRate = (n / baselineMs) * 1000;
      const realRate = (n / realMs) * 1000;
      const ratio = realRate / baselineRate;
      const rawRatio = realRate / rawRate;
      return {
        rows: [
          row(
            'routed cases/s / raw-pg lock+insert+update tx/s',
            '>= 0.5x',
            `${round(rawRatio, 3)}x (${round(realRate, 1)} /s, ${loadText(realLoad)} vs ${round(rawRate, 1)} /s, ${loadText(rawLoad)})`,
            rawRatio,
            rawRatio >= 0.5,
          ),
          row(
            'routed cases/s / no-op jobs/s (information)',
            'none',
            `${round(ratio, 3)}x (${round(realRate, 1)} vs ${round(baselineRate, 1)} /s, ${loadText(noopLoad)})`,
            ratio,
            true,
          ),
          row(
            'cases assigned once',
            `${n}`,
            `${assigned} assigned, ${assignments} assignments, ${failures} failed`,
            assigned,
            assigned === n && assignments === n && failures === 0,
          ),
        ],
        details: {
          cases: n,
          concurrency: CONCURRENCY,
          reviewers: 20,
          baselineMs: round(baselineMs, 1),
          realMs: round(realMs, 1),
          baselineRate,
          realRate,
          rawPgRate: rawRate,
          statementsPerCase: { real: round(realStatements, 1), rawPg: round(rawStatements, 1) },
          load: { rawPg: rawLoad, noop: noopLoad, real: realLoad, end: load() },
        },
        notes: [
          'real = the worker of workers/main.ts on the routing queue (startWorkers), timed from its start (it includes worker start-up) until every job completed',
          `raw-pg = ${CONCURRENCY} pg clients, one transaction per case: SELECT a reviewer FOR UPDATE SKIP LOCKED, INSERT case_assignments, UPDATE appeals, COMMIT`,
          `statements sent per case: real ${round(realStatements, 1)} (routing, outbox, audit, SLA reads; BEGIN/COMMIT included), raw-pg ${round(rawStatements, 1)}`,
        ],
      };
    } finally {
      await env.close();
      await dropPrefix(config.REDIS_URL!, config.QUEUE_PREFIX);
    }
  });
}

if (isMain(import.meta.url)) printResult(await run());
