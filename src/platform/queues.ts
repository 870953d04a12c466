// Every queue and job name, with its payload schema, in one place. Payloads carry ids only: never PII,
// tokens, document bytes or card digits. Jobs relayed from the outbox carry just the outbox row id
// (the row holds the payload, in the database, validated by the schema of its topic).
import { type JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import type { Redis } from './redis.ts';

export const QUEUE_NAMES = ['routing', 'email', 'webhooks', 'sla', 'maintenance', 'inbound'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

const Uuid = z.uuid();
const OutboxJob = z.object({ outboxId: Uuid });

/** Topics written to the outbox; each becomes a job of the same name with data {outboxId}. */
export const OUTBOX_TOPICS = {
  /** route a SUBMITTED case to a reviewer (review module) */
  'case.route': { queue: 'routing', payload: z.object({ appealId: Uuid }) },
  /** (re)add the delayed jobs of one appeal's SLA deadlines (sla.subscriber.ts: submitted, resubmitted, assigned) */
  'sla.schedule': { queue: 'sla', payload: z.object({ appealId: Uuid }) },
  'email.send': {
    queue: 'email',
    payload: z.object({
      to: z.string().min(3),
      locale: z.string(),
      /** an EmailMessage (src/modules/notifications/notifications.templates.ts), validated when rendered */
      message: z.object({ template: z.string() }).passthrough(),
      appealId: Uuid.optional(),
      /** answers of the e-mail channel: threading and RFC 3834 (src/modules/inbound) */
      reply: z
        .object({ inReplyTo: z.string().max(998), references: z.array(z.string().max(998)).max(20) })
        .optional(),
    }),
    // a relay outage should be outlived: 10 attempts 5 s apart doubling (~43 min), then DEAD
    jobOptions: { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } },
  },
  /** check, match and file one received e-mail (src/modules/inbound/inbound.process.ts) */
  'inbound.process': {
    queue: 'inbound',
    payload: z.object({ inboundMailId: Uuid }),
    jobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 2_000 } },
  },
  /** POST one event to one webhook subscription (src/modules/webhooks) */
  'webhook.deliver': {
    queue: 'webhooks',
    payload: z.object({
      subscriptionId: Uuid,
      eventId: Uuid,
      type: z.string().min(1).max(64),
      createdAt: z.iso.datetime({ offset: true }),
      /** ids and small facts only */
      data: z.record(z.string(), z.json()),
    }),
    // receivers restart and deploy: 12 attempts 2 s apart doubling (~68 min), then DEAD
    jobOptions: { attempts: 12, backoff: { type: 'exponential', delay: 2_000 } },
  },
} as const satisfies Record<string, { queue: QueueName; payload: z.ZodType; jobOptions?: JobsOptions }>;

/** Per-topic BullMQ options (attempts, backoff) layered over DEFAULT_JOB_OPTIONS when the relay enqueues. */
export function outboxJobOptions(topic: OutboxTopic): JobsOptions {
  const def = OUTBOX_TOPICS[topic] as { jobOptions?: JobsOptions };
  return def.jobOptions ?? {};
}

export type OutboxTopic = keyof typeof OUTBOX_TOPICS;
export type OutboxPayload<T extends OutboxTopic> = z.infer<(typeof OUTBOX_TOPICS)[T]['payload']>;

/** Jobs that are not relayed from the outbox (timers and periodic work). */
export const DIRECT_JOBS = {
  /** remove stored blobs no document row points at (see documents.orphans.ts) */
  'storage.sweep-orphans': { queue: 'maintenance', payload: z.object({}).passthrough() },
  /** expire appeals with no buyer action for APPEAL_EXPIRY_DAYS (every 15 minutes) */
  'appeals.expire': { queue: 'maintenance', payload: z.object({}) },
  /** the daily FINANCE_OVERDUE_DIGEST of refunds not settled by dueBy */
  'refunds.overdue-digest': { queue: 'maintenance', payload: z.object({}) },
  /** delete idempotency records past their expiry (kept at least 24 h) */
  'idempotency.prune': { queue: 'maintenance', payload: z.object({}) },
  /** an SLA deadline (delayed job, id sla-<appealId>-<kind>-<deadline ms>); a no-op if the deadline moved */
  'sla.fire': {
    queue: 'sla',
    payload: z.object({
      appealId: Uuid,
      kind: z.enum(['REMINDER', 'WARNING', 'BREACH']),
      deadlineAt: z.iso.datetime({ offset: true }),
    }),
  },
  /** every minute: fire missed SLA deadlines, restore lost timers */
  'sla.sweep': { queue: 'sla', payload: z.object({}) },
  /** every minute: route pool cases to reviewers who have room again (review.routing.ts#drainPool) */
  'review.drain-pool': { queue: 'routing', payload: z.object({}) },
  /** every 15 minutes: write the signed head of the audit chain to AUDIT_HEAD_DIR (audit.head.ts) */
  'audit.export-head': { queue: 'maintenance', payload: z.object({}) },
  /** daily: delete document blobs of cases closed more than RETENTION_DAYS ago (no legal hold) */
  'retention.purge': { queue: 'maintenance', payload: z.object({}) },
} as const satisfies Record<string, { queue: QueueName; payload: z.ZodType }>;

export type DirectJob = keyof typeof DIRECT_JOBS;
export type JobName = OutboxTopic | DirectJob;

export const JOB_QUEUE: Record<JobName, QueueName> = Object.fromEntries([
  ...Object.entries(OUTBOX_TOPICS).map(([k, v]) => [k, v.queue]),
  ...Object.entries(DIRECT_JOBS as Record<string, { queue: QueueName }>).map(([k, v]) => [k, v.queue]),
]) as Record<JobName, QueueName>;

export const ALL_JOB_NAMES = Object.keys(JOB_QUEUE) as JobName[];

export function jobDataSchema(name: JobName): z.ZodType {
  return name in OUTBOX_TOPICS
    ? OutboxJob
    : (DIRECT_JOBS as Record<string, { payload: z.ZodType }>)[name]!.payload;
}

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

export type Queues = Record<QueueName, Queue> & { close(): Promise<void> };

/** Producer-side queues on a fail-fast connection. */
export function createQueues(connection: Redis, prefix: string): Queues {
  const qs = Object.fromEntries(
    QUEUE_NAMES.map((n) => [n, new Queue(n, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS })]),
  ) as Record<QueueName, Queue>;
  return Object.assign(qs, {
    close: async () => {
      await Promise.all(QUEUE_NAMES.map((n) => qs[n].close()));
    },
  });
}
