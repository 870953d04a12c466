// A bounded pool of worker threads for CPU work the event loop must not do (the upload checker:
// documents.intake-pool.ts). Threads come from piscina; admission and the FIFO are ours, so a task's
// wait is measured here and a full queue is answered at once with SERVICE.BUSY (503, Retry-After)
// instead of a wait the client cannot see the end of. Piscina itself never queues: at most `workers`
// tasks are handed to it at a time.
import { Piscina } from 'piscina';
import { AppError } from './errors.ts';

export interface TaskPoolStats {
  workers: number;
  /** tasks waiting for a thread (admission refuses beyond maxQueue) */
  queued: number;
  /** requests holding a place (admit()), from before their body is read until they are answered */
  admitted: number;
  running: number;
  maxQueue: number;
  refused: number;
  completed: number;
  /** queue wait of started tasks: sum, count, and counts at or below each WAIT_BUCKETS_S bound */
  waitSecondsSum: number;
  waitCount: number;
  waitBuckets: number[];
}

export interface RunOptions {
  /** false: queue even when full (work that has no client to answer, e.g. the e-mail channel) */
  admit?: boolean;
}

export interface TaskPool<In = unknown, Out = unknown> {
  readonly name: string;
  /**
   * Takes one of workers + maxQueue places for a request before its body is read, or throws SERVICE.BUSY
   * (counted) at once. The place is held until release(): a request admitted here is never refused later
   * by run() (unless work without a place, `admit: false`, filled the queue meanwhile).
   */
  admit(): { release(): void };
  /**
   * Throws SERVICE.BUSY (counted) when admit() would refuse now, taking no place: a cheap early answer
   * before the work that comes ahead of admit() (authentication reads the database).
   */
  refuseIfFull(): void;
  /** throws AppError SERVICE.BUSY at once when the queue is full */
  run(input: In, opts?: RunOptions): Promise<Out>;
  /** the Retry-After a refusal carries */
  readonly retryAfterSeconds: number;
  stats(): TaskPoolStats;
  close(): Promise<void>;
}

export interface TaskPoolOptions<In, Out> {
  name: string;
  workers: number;
  maxQueue: number;
  retryAfterSeconds: number;
  /** the refusal's message (the page shows it; messages.ts has the zh text by details.reason) */
  busyMessage: string;
  /** the worker file: its default export runs one task */
  filename?: URL;
  /** runs a task in this thread instead (tests: a slow or counted task) */
  execute?: (input: In) => Promise<Out>;
  /** resource limits of each thread */
  maxOldGenerationSizeMb?: number;
}

export const WAIT_BUCKETS_S = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const pools = new Set<TaskPool>();

export function createTaskPool<In, Out>(o: TaskPoolOptions<In, Out>): TaskPool<In, Out> {
  if (!o.filename && !o.execute) throw new Error('createTaskPool: filename or execute');
  const piscina = o.execute
    ? null
    : new Piscina({
        filename: o.filename!.href,
        minThreads: o.workers,
        maxThreads: o.workers,
        idleTimeout: 2 ** 31 - 1,
        ...(o.maxOldGenerationSizeMb
          ? { resourceLimits: { maxOldGenerationSizeMb: o.maxOldGenerationSizeMb } }
          : {}),
      });
  const execute = o.execute ?? ((input: In) => piscina!.run(input) as Promise<Out>);
  const waiting: (() => void)[] = [];
  let running = 0;
  /** places taken by admit() and not yet released */
  let places = 0;
  let closed = false;
  const s = {
    refused: 0,
    completed: 0,
    waitSecondsSum: 0,
    waitCount: 0,
    waitBuckets: WAIT_BUCKETS_S.map(() => 0),
  };

  const recordWait = (seconds: number) => {
    s.waitSecondsSum += seconds;
    s.waitCount += 1;
    WAIT_BUCKETS_S.forEach((b, i) => {
      if (seconds <= b) s.waitBuckets[i]! += 1;
    });
  };
  const busy = (reason: string) =>
    new AppError('SERVICE.BUSY', o.busyMessage, { retryAfterSeconds: o.retryAfterSeconds, reason });

  const pool: TaskPool<In, Out> = {
    name: o.name,
    retryAfterSeconds: o.retryAfterSeconds,
    refuseIfFull() {
      if (closed) throw busy('closed');
      if (places >= o.workers + o.maxQueue) {
        s.refused += 1;
        throw busy(`${o.name}-queue-full`);
      }
    },
    admit() {
      pool.refuseIfFull();
      places += 1;
      let held = true;
      return {
        release() {
          if (held) places -= 1;
          held = false;
        },
      };
    },
    async run(input, opts = {}) {
      if (closed) throw busy('closed');
      const admittedAt = performance.now();
      if (running >= o.workers) {
        if (opts.admit !== false && waiting.length >= o.maxQueue) {
          s.refused += 1;
          throw busy(`${o.name}-queue-full`);
        }
        // the slot is handed over by the task that ends (running is not decremented in between)
        await new Promise<void>((resolve) => waiting.push(resolve));
        if (closed) throw busy('closed');
      } else running += 1;
      recordWait((performance.now() - admittedAt) / 1000);
      try {
        return await execute(input);
      } finally {
        s.completed += 1;
        const next = waiting.shift();
        if (next) next();
        else running -= 1;
      }
    },
    stats: () => ({
      workers: o.workers,
      maxQueue: o.maxQueue,
      queued: waiting.length,
      admitted: places,
      running,
      ...s,
      waitBuckets: [...s.waitBuckets],
    }),
    async close() {
      closed = true;
      pools.delete(pool as TaskPool);
      for (const w of waiting.splice(0)) w();
      await piscina?.destroy();
    },
  };
  pools.add(pool as TaskPool);
  return pool;
}

/** Prometheus lines of every open pool of this process (src/http/metrics.ts). */
export function taskPoolMetricLines(): string[] {
  const lines = [
    '# HELP task_pool_queue_length Tasks waiting for a worker thread.',
    '# TYPE task_pool_queue_length gauge',
  ];
  const all = [...pools].map((p) => ({ name: p.name, st: p.stats() }));
  for (const { name, st } of all) lines.push(`task_pool_queue_length{pool="${name}"} ${st.queued}`);
  lines.push('# HELP task_pool_running Tasks on a worker thread.', '# TYPE task_pool_running gauge');
  for (const { name, st } of all) lines.push(`task_pool_running{pool="${name}"} ${st.running}`);
  lines.push(
    '# HELP task_pool_refused_total Tasks refused with SERVICE.BUSY (queue full).',
    '# TYPE task_pool_refused_total counter',
  );
  for (const { name, st } of all) lines.push(`task_pool_refused_total{pool="${name}"} ${st.refused}`);
  lines.push(
    '# HELP task_pool_wait_seconds Time a task waited for a worker thread.',
    '# TYPE task_pool_wait_seconds histogram',
  );
  for (const { name, st } of all) {
    WAIT_BUCKETS_S.forEach((b, i) => {
      lines.push(`task_pool_wait_seconds_bucket{pool="${name}",le="${b}"} ${st.waitBuckets[i]}`);
    });
    lines.push(`task_pool_wait_seconds_bucket{pool="${name}",le="+Inf"} ${st.waitCount}`);
    lines.push(`task_pool_wait_seconds_sum{pool="${name}"} ${st.waitSecondsSum}`);
    lines.push(`task_pool_wait_seconds_count{pool="${name}"} ${st.waitCount}`);
  }
  return lines;
}
