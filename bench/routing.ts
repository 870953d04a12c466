// Benchmark 4: cases routed per second through the real routing job ('case.route' relayed from the
// outbox, consumed by workers/main.ts's worker with its production concurrency, running routeCase: row
// locks, reviewer choice, assignment, history, SLA timers) against a BullMQ worker with a no-op processor
// on the same Redis, same concurrency, same number of jobs. Target: >= 0.5x.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { relayOutbox } from '../src/platform/outbox.ts';
import { workerConnection } from '../src/platform/redis.ts';
import { startWorkers } from '../workers/main.ts';
import { insertAppeals, insertRouteRows, insertStaff } from './data.ts';
import { createBenchEnv, dropPrefix, isMain, printResult, round, row, runBench } from './lib.ts';

const CONCURRENCY = 4; // workers/main.ts CONCURRENCY.routing
const noMailer = { send: async () => ({ messageId: 'x', response: '250' }), close: () => {} };

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
      const baselineMs = await drainTimed(n, noop);
      await noop.close();
      await noopQueue.close();
      qConn.disconnect();
      wConn.disconnect();

      // the real job
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
      await set.close();

      const assigned = (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM appeals WHERE status = 'IN_REVIEW' AND assignee_id IS NOT NULL`,
        )
      ).rows[0]!.n;
      const assignments = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM case_assignments'))
        .rows[0]!.n;
      const baselineRate = (n / baselineMs) * 1000;
      const realRate = (n / realMs) * 1000;
      const ratio = realRate / baselineRate;
      return {
        rows: [
          row(
            'routed cases/s / no-op jobs/s',
            '>= 0.5x',
            `${round(ratio, 3)}x (${round(realRate, 1)} vs ${round(baselineRate, 1)} /s)`,
            ratio,
            ratio >= 0.5,
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
        },
        notes: [
          'real = the worker of workers/main.ts on the routing queue (startWorkers), timed from its start (it includes worker start-up) until every job completed',
        ],
      };
    } finally {
      await env.close();
      await dropPrefix(config.REDIS_URL!, config.QUEUE_PREFIX);
    }
  });
}

if (isMain(import.meta.url)) printResult(await run());
