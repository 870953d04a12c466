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
    'appeals.expire': async () =>
      (await import('../src/modules/appeals/appeals.worker.ts')).expireAppealsHandler,
    'refunds.overdue-digest': async () =>
      (await import('../src/modules/refunds/refunds.worker.ts')).overdueDigestHandler,
    'idempotency.prune': async () =>
      (await import('../src/modules/refunds/refunds.worker.ts')).pruneIdempotencyHandler,
    'sla.fire': async () => (await import('../src/modules/sla/sla.worker.ts')).slaFireHandler,
    'sla.sweep': async () => (await import('../src/modules/sla/sla.worker.ts')).slaSweepHandler,
    'sla.schedule': async () => (await import('../src/modules/sla/sla.worker.ts')).slaScheduleHandler,
    'review.drain-pool': async () =>
      (await import('../src/modules/review/review.worker.ts')).drainPoolHandler,
    'storage.sweep-orphans': async () => async () => {
      const { sweepOrphanBlobs } = await import('../src/modules/documents/documents.orphans.ts');
      await sweepOrphanBlobs(res.deps);
    },
    'audit.export-head': async () => async () => {
      const { exportAuditHead } = await import('../src/modules/audit/audit.head.ts');
      await exportAuditHead(res.deps.prisma, res.deps.config.AUDIT_HEAD_DIR, res.deps.clock.now());
    },
    'retention.purge': async () =>
      (await import('../src/modules/security/retention.worker.ts')).retentionPurgeHandler,
    'inbound.process': async () =>
      (await import('../src/modules/inbound/inbound.worker.ts')).inboundProcessHandler,
    'webhook.deliver': async () =>
      (await import('../src/modules/webhooks/webhooks.worker.ts')).deliverWebhookHandler,
  };
}

/** Periodic jobs: job-scheduler id -> (job name, every ms). Upserted at worker start. */
export const SCHEDULES: { id: string; name: string; everyMs: number }[] = [
  { id: 'appeals-expire', name: 'appeals.expire', everyMs: 15 * 60_000 },
  { id: 'refunds-overdue-digest', name: 'refunds.overdue-digest', everyMs: 24 * 3600_000 },
  { id: 'idempotency-prune', name: 'idempotency.prune', everyMs: 24 * 3600_000 },
  { id: 'sla-sweep', name: 'sla.sweep', everyMs: 60_000 },
  { id: 'review-drain-pool', name: 'review.drain-pool', everyMs: 60_000 },
  { id: 'retention-purge', name: 'retention.purge', everyMs: 24 * 3600_000 },
  { id: 'storage-sweep-orphans', name: 'storage.sweep-orphans', everyMs: 3600_000 },
  { id: 'audit-export-head', name: 'audit.export-head', everyMs: 15 * 60_000 },
];
