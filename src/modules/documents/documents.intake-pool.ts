// The intake pool: the checker, the sanitised copy, its SHA-256 and its encryption run on
// INTAKE_WORKERS worker threads (documents.intake-task.ts), so the API's event loop only parses, routes
// and writes. One per process in deps.pools (documents.pools.ts), created at first use (or warmed at
// API start) and closed by runtime.close(); a test passes its own by replacing deps.pools.intake.
// Admission: at most INTAKE_MAX_QUEUE uploads wait for a thread; the next is answered 503 SERVICE.BUSY
// with Retry-After at once (platform/task-pool.ts).
import { availableParallelism } from 'node:os';
import type { Config } from '../../config.ts';
import type { ProcessPools } from '../../platform/pools.ts';
import { createTaskPool, type TaskPool } from '../../platform/task-pool.ts';
import { inspectHeader } from './checks.header.ts';
import { type CheckedUpload, type IntakeTask, reviveCheckedUpload } from './documents.intake-task.ts';
import type { DocumentStorage } from '../../platform/document-storage.ts';

export type IntakePool = TaskPool<IntakeTask, CheckedUpload>;

export const INTAKE_BUSY_MESSAGE =
  'Many documents are being checked right now, so this one was not taken (nothing was stored). ' +
  'Please send it again in a few seconds.';

const WORKER = new URL('./documents.intake-worker.mjs', import.meta.url);

type PoolConfig = Pick<Config, 'INTAKE_WORKERS' | 'INTAKE_MAX_QUEUE' | 'INTAKE_RETRY_AFTER_SECONDS'>;

/** Threads: INTAKE_WORKERS, 0 = one per core. Queue: INTAKE_MAX_QUEUE, 0 = as many as threads. */
export function intakeSizing(config: PoolConfig): { workers: number; maxQueue: number } {
  const workers = config.INTAKE_WORKERS > 0 ? config.INTAKE_WORKERS : Math.max(1, availableParallelism());
  return { workers, maxQueue: config.INTAKE_MAX_QUEUE > 0 ? config.INTAKE_MAX_QUEUE : workers };
}

/** `execute` runs tasks on this thread, `filename` is another worker file (tests: slow or counted tasks). */
export function createIntakePool(
  config: PoolConfig,
  opts: { execute?: (task: IntakeTask) => Promise<CheckedUpload>; filename?: URL } = {},
): IntakePool {
  return createTaskPool<IntakeTask, CheckedUpload>({
    name: 'intake',
    ...intakeSizing(config),
    retryAfterSeconds: config.INTAKE_RETRY_AFTER_SECONDS,
    busyMessage: INTAKE_BUSY_MESSAGE,
    ...(opts.execute ? { execute: opts.execute } : { filename: opts.filename ?? WORKER }),
  });
}

/** The pool of this process (deps.pools, or the one a test put there). */
export function intakePoolOf(deps: { pools: Pick<ProcessPools, 'intake'> }): IntakePool {
  return deps.pools.intake() as IntakePool;
}

/** Starts the threads (each loads sharp and the checker, ~0.5 s) so the first upload finds them warm. */
export async function warmIntakePool(deps: { pools: Pick<ProcessPools, 'intake'> }): Promise<void> {
  intakePoolOf(deps);
}

/**
 * Checks an upload: the header on this thread (size, format, a declared pixel bomb: refused without a
 * queue slot), the rest on the pool. `admit: false` for work no client waits on (the e-mail channel):
 * it queues instead of being refused.
 */
export async function checkOnPool(
  deps: { pools: Pick<ProcessPools, 'intake'>; storage: DocumentStorage },
  task: Omit<IntakeTask, 'activeKey'>,
  opts: { admit: boolean },
): Promise<CheckedUpload> {
  const early = await inspectHeader(task.path, task.slot, task.thresholds);
  if (early) return { inspection: early };
  const ring = deps.storage.keyring;
  const key = ring.keys.get(ring.activeKeyId);
  if (!key) throw new Error('the keyring has no active key');
  const r = await intakePoolOf(deps).run({ ...task, activeKey: { id: ring.activeKeyId, key } }, opts);
  return reviveCheckedUpload(r);
}
