// Every job name mapped to its handler, imported lazily. The type makes a missing handler a compile
// error; workers/main.ts also refuses to start if one is missing at run time.
import type { Deps } from '../src/platform/deps.ts';
import type { HandlerMap } from '../src/platform/jobs.ts';
import type { Mailer } from '../src/platform/mailer.ts';

export interface WorkerResources {
  deps: Deps;
  mailer: Mailer;
}

export function handlers(res: WorkerResources): HandlerMap {
  return {
    'case.route': async () => (await import('../src/modules/review/review.worker.ts')).routeCaseHandler,
    'email.send': async () =>
      (await import('../src/modules/notifications/notifications.worker.ts')).emailHandler(res.mailer),
  };
}

/** Periodic jobs: job-scheduler id -> (job name, every ms). Upserted at worker start. */
export const SCHEDULES: { id: string; name: string; everyMs: number }[] = [];
