// The worker process: consumes every queue (or those named in WORKER_QUEUES), relays the outbox and
// upserts the periodic job schedulers. It never serves HTTP. SIGTERM/SIGINT close workers gracefully:
// running jobs finish, nothing new is taken.
import { Worker } from 'bullmq';
import { loadConfigOrExit } from '../src/config.ts';
import { createDocumentPools } from '../src/modules/documents/documents.pools.ts';
import { type InboundListener, startInboundListener } from '../src/modules/inbound/inbound.listener.ts';
import { buildRuntime, type Runtime } from '../src/platform/bootstrap.ts';
import { runJob } from '../src/platform/jobs.ts';
import { createMailer, type Mailer } from '../src/platform/mailer.ts';
import { startOutboxRelay } from '../src/platform/outbox.ts';
import { ALL_JOB_NAMES, JOB_QUEUE, QUEUE_NAMES, type QueueName } from '../src/platform/queues.ts';
import { workerConnection } from '../src/platform/redis.ts';
import { installAppSubscribers } from '../src/subscribers.ts';
import { handlers, SCHEDULES } from './handlers.ts';
import { startEventRedispatch } from '../src/platform/events.ts';

export interface WorkerSet {
  close(): Promise<void>;
  workers: Worker[];
  /** the inbound mail listener (INBOUND_SMTP_PORT set, or `inboundPort` given), else null */
  inbound: InboundListener | null;
}

const CONCURRENCY: Record<QueueName, number> = {
  routing: 4,
  email: 4,
  webhooks: 4,
  sla: 8,
  maintenance: 1,
  inbound: 2,
};

export async function startWorkers(
  runtime: Runtime,
  opts: {
    queues?: readonly QueueName[];
    mailer?: Mailer;
    relay?: boolean;
    schedules?: boolean;
    /** BullMQ's stalled-job check period and job lock lifetime (defaults 30 s each); see workerTimingsFromEnv */
    stalledIntervalMs?: number;
    lockDurationMs?: number;
    /** how many times a job may be found stalled before it fails (BullMQ's default 1) */
    maxStalledCount?: number;
    /** listen for inbound mail on this port (0 = a free one) even when INBOUND_SMTP_PORT is unset */
    inboundPort?: number;
  } = {},
): Promise<WorkerSet> {
  const { deps } = runtime;
  installAppSubscribers(deps);
  const mailer = opts.mailer ?? createMailer(deps.config, deps.logger);
  const map = handlers({ deps, mailer });
  const missing = ALL_JOB_NAMES.filter((n) => typeof (map as Record<string, unknown>)[n] !== 'function');
  if (missing.length) throw new Error(`refusing to start: no handler for ${missing.join(', ')}`);

  const url = deps.config.REDIS_URL!;
  const names = opts.queues ?? QUEUE_NAMES.filter((q) => ALL_JOB_NAMES.some((n) => JOB_QUEUE[n] === q));
  const connections: ReturnType<typeof workerConnection>[] = [];
  const workers = names.map((queue) => {
    const connection = workerConnection(url);
    // BullMQ reconnects by itself; without a listener ioredis prints every lost connection to stderr
    connection.on('error', (err) => deps.logger.warn({ queue, err: err.message }, 'redis connection error'));
    connections.push(connection);
    const w = new Worker(
      queue,
      async (job) => {
        const log = deps.logger.child({ queue, jobId: job.id, job: job.name, attempt: job.attemptsMade + 1 });
        log.debug('job started');
        await runJob(map, job, { ...deps, logger: log });
      },
      {
        connection,
        prefix: deps.config.QUEUE_PREFIX,
        concurrency: CONCURRENCY[queue],
        autorun: true,
        ...(opts.stalledIntervalMs ? { stalledInterval: opts.stalledIntervalMs } : {}),
        ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs } : {}),
        ...(opts.maxStalledCount !== undefined ? { maxStalledCount: opts.maxStalledCount } : {}),
      },
    );
    w.on('failed', (job, err) =>
      deps.logger.warn({ queue, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
    );
    w.on('error', (err) => deps.logger.warn({ queue, err: err.message }, 'worker error'));
    return w;
  });

  if (opts.schedules !== false) {
    for (const s of SCHEDULES) {
      const queue = JOB_QUEUE[s.name as keyof typeof JOB_QUEUE];
      await deps.queues[queue].upsertJobScheduler(s.id, { every: s.everyMs }, { name: s.name, data: {} });
    }
  }
  const relay = opts.relay === false ? null : startOutboxRelay(deps);
  // events a subscriber failed on (the transition stood) are dispatched again until every subscriber ran
  const redispatch = opts.relay === false ? null : startEventRedispatch(deps);
  const inboundPort = opts.inboundPort ?? deps.config.INBOUND_SMTP_PORT;
  const inbound = inboundPort === undefined ? null : await startInboundListener(deps, { port: inboundPort });

  return {
    workers,
    inbound,
    close: async () => {
      await inbound?.close();
      await relay?.stop();
      await redispatch?.stop();
      await Promise.all(workers.map((w) => w.close()));
      for (const c of connections) c.disconnect();
      if (!opts.mailer) mailer.close();
    },
  };
}

/**
 * A job whose worker died (SIGKILL, OOM, lost host) keeps its lock until the lock expires and is put back
 * by the next stalled check: with BullMQ's defaults that is 30-60 s. WORKER_STALLED_INTERVAL_MS and
 * WORKER_LOCK_DURATION_MS shorten both (the worker-kill fault test uses ~1 s and ~2 s so it needs no
 * minutes). Unset: BullMQ's defaults. A lock shorter than a job's event-loop stalls would let a live job
 * be taken twice, so production keeps the defaults. WORKER_MAX_STALLED_COUNT is how often a job may be
 * taken over before BullMQ fails it (default 1): every job is idempotent in the database, so a run with
 * short locks on a loaded machine (or a worker killed twice while holding the same job) raises it rather
 * than lose the job.
 */
export function workerTimingsFromEnv(env: NodeJS.ProcessEnv): {
  stalledIntervalMs?: number;
  lockDurationMs?: number;
  maxStalledCount?: number;
} {
  const ms = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 100) throw new Error(`${name} must be an integer >= 100 (ms), got ${v}`);
    return n;
  };
  const count = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw new Error(`${name} must be an integer 1-1000, got ${v}`);
    return n;
  };
  return {
    stalledIntervalMs: ms('WORKER_STALLED_INTERVAL_MS'),
    lockDurationMs: ms('WORKER_LOCK_DURATION_MS'),
    maxStalledCount: count('WORKER_MAX_STALLED_COUNT'),
  };
}

async function main() {
  const config = loadConfigOrExit();
  const runtime = await buildRuntime(config, { pools: createDocumentPools });
  const only = process.env.WORKER_QUEUES?.split(',').filter(Boolean) as QueueName[] | undefined;
  const set = await startWorkers(runtime, { queues: only, ...workerTimingsFromEnv(process.env) });
  runtime.deps.logger.info({ queues: set.workers.map((w) => w.name) }, 'workers started');
  const stop = async (signal: string) => {
    runtime.deps.logger.info({ signal }, 'workers shutting down');
    await set.close();
    // closes the OCR pools first: reads still waiting settle as OCR unavailable while logs still flow
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
