// Transactional outbox. A state change writes its side effects (jobs, e-mails, webhooks) as rows in the
// same transaction; the relay hands them to BullMQ with the row id as job id and marks them PUBLISHED.
// A crash between "enqueued" and "marked" re-enqueues the same job id on the next pass, which BullMQ
// ignores while the job exists; consumers check the row status as well, so an effect happens once.
// The relay is plumbing, not business logic: it compares availability with the database's clock.
import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Clock } from './clock.ts';
import type { Db, Tx } from './db.ts';
import type { Logger } from './logger.ts';
import {
  OUTBOX_TOPICS,
  outboxJobOptions,
  type OutboxPayload,
  type OutboxTopic,
  type QueueName,
  type Queues,
} from './queues.ts';

export async function writeOutbox<T extends OutboxTopic>(
  tx: Tx,
  topic: T,
  payload: OutboxPayload<T>,
  opts: { availableAt?: Date } = {},
): Promise<string> {
  const parsed = OUTBOX_TOPICS[topic].payload.parse(payload) as Prisma.InputJsonValue;
  const row = await tx.outboxMessage.create({
    data: { topic, payload: parsed, ...(opts.availableAt ? { availableAt: opts.availableAt } : {}) },
    select: { id: true },
  });
  return row.id;
}

/** writeOutbox for several payloads of one topic, in one statement; returns their ids in order. */
export async function writeOutboxMany<T extends OutboxTopic>(
  tx: Tx,
  topic: T,
  payloads: readonly OutboxPayload<T>[],
): Promise<string[]> {
  if (payloads.length === 0) return [];
  const ids = payloads.map(() => randomUUID());
  const json = payloads.map((p) => JSON.stringify(OUTBOX_TOPICS[topic].payload.parse(p)));
  await tx.$executeRaw`
    INSERT INTO outbox (id, topic, payload)
    SELECT unnest(${ids}::uuid[]), ${topic}, unnest(${json}::jsonb[])`;
  return ids;
}

export interface RelayHooks {
  /** test seam: runs after the jobs were enqueued and before the rows are marked */
  afterEnqueue?: (ids: string[]) => Promise<void> | void;
  /** test seam: options layered over the topic's (e.g. a short backoff so a test needs no minutes) */
  jobOptions?: (topic: OutboxTopic) => JobsOptions | undefined;
}

/**
 * Publishes up to `batch` pending rows. Rows are claimed with FOR UPDATE SKIP LOCKED so several relays
 * (one per worker process) never publish the same row concurrently. Returns the number published.
 */
export async function relayOutbox(
  deps: { prisma: Db; queues: Queues; clock: Clock; logger?: Logger },
  batch = 100,
  hooks: RelayHooks = {},
): Promise<number> {
  return deps.prisma.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ id: string; topic: string }[]>`
        SELECT id::text, topic FROM outbox
        WHERE status = 'PENDING' AND available_at <= now()
        ORDER BY created_at
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED`;
      if (rows.length === 0) return 0;
      const byQueue = new Map<
        QueueName,
        { name: string; data: { outboxId: string }; opts: JobsOptions & { jobId: string } }[]
      >();
      for (const r of rows) {
        const def = OUTBOX_TOPICS[r.topic as OutboxTopic];
        if (!def) {
          deps.logger?.error(
            { outboxId: r.id, topic: r.topic },
            'outbox row with unknown topic left pending',
          );
          continue;
        }
        const list = byQueue.get(def.queue) ?? [];
        const topic = r.topic as OutboxTopic;
        const opts = { ...outboxJobOptions(topic), ...hooks.jobOptions?.(topic), jobId: r.id };
        list.push({ name: r.topic, data: { outboxId: r.id }, opts });
        byQueue.set(def.queue, list);
      }
      for (const [queue, jobs] of byQueue) {
        await deps.queues[queue].addBulk(jobs);
      }
      const ids = [...byQueue.values()].flat().map((j) => j.opts.jobId);
      await hooks.afterEnqueue?.(ids);
      await tx.outboxMessage.updateMany({
        where: { id: { in: ids } },
        data: { status: 'PUBLISHED', publishedAt: new Date() },
      });
      return ids.length;
    },
    { timeout: 15_000 },
  );
}

/**
 * Hands back to the relay every PUBLISHED row whose job no longer exists in Redis (Redis restarted
 * without persistence, a FLUSHALL, a lost AOF tail) or was failed by BullMQ without running to its end. A published row normally keeps its job until the
 * consumer marks the row DONE/FAILED/DEAD (completed jobs are only removed after that), so a missing job
 * means the work was lost; setting the row PENDING re-publishes it under the same job id. Consumers are
 * idempotent, so a row reset just after its job completed does no harm. Returns the rows reset.
 */
export async function reconcileOutbox(
  deps: { prisma: Db; queues: Queues; logger?: Logger },
  opts: { staleMs?: number; batch?: number } = {},
): Promise<number> {
  const staleBefore = new Date(Date.now() - (opts.staleMs ?? 15_000));
  const rows = await deps.prisma.outboxMessage.findMany({
    where: { status: 'PUBLISHED', publishedAt: { lt: staleBefore } },
    select: { id: true, topic: true },
    orderBy: { publishedAt: 'asc' },
    take: opts.batch ?? 500,
  });
  const lost: string[] = [];
  for (const r of rows) {
    const def = OUTBOX_TOPICS[r.topic as OutboxTopic];
    if (!def) continue;
    const job = await deps.queues[def.queue].getJob(r.id);
    if (!job) lost.push(r.id);
    else if (await job.isFailed()) {
      // failed by BullMQ itself ("stalled more than allowable limit": its worker died twice) without the
      // handler's bookkeeping, which would have marked the row FAILED or DEAD: run it again
      await job.remove();
      lost.push(r.id);
    }
  }
  if (lost.length === 0) return 0;
  const { count } = await deps.prisma.outboxMessage.updateMany({
    where: { id: { in: lost }, status: 'PUBLISHED' },
    data: { status: 'PENDING', publishedAt: null },
  });
  deps.logger?.warn({ count }, 'outbox rows whose jobs were lost from Redis handed back to the relay');
  return count;
}

/** Runs the relay in a loop until stopped; wakes every `intervalMs`; reconciles lost jobs every 10 s. */
export function startOutboxRelay(
  deps: { prisma: Db; queues: Queues; clock: Clock; logger: Logger },
  intervalMs = 250,
  hooks: RelayHooks = {},
): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    if (stopped) return;
    try {
      while (!stopped && (await relayOutbox(deps, 100, hooks)) > 0) {
        // drain
      }
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message }, 'outbox relay pass failed; will retry');
    }
  };
  const timer = setInterval(() => {
    running = running.then(tick);
  }, intervalMs);
  const reconcileTimer = setInterval(() => {
    running = running.then(async () => {
      if (stopped) return;
      await reconcileOutbox(deps).catch((err) =>
        deps.logger.warn({ err: (err as Error).message }, 'outbox reconcile pass failed; will retry'),
      );
    });
  }, 10_000);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      clearInterval(reconcileTimer);
      await running;
    },
  };
}

/** A domain event of the appeal (issue 14): what happened, in the transaction that made it happen. */
export interface DomainEventInput {
  type: string;
  appealId: string;
  from?: Prisma.DomainEventCreateInput['fromStatus'];
  to?: Prisma.DomainEventCreateInput['toStatus'];
  actor: { type: string; id?: string | null };
  /** ids and small facts only */
  data?: Prisma.InputJsonValue;
  occurredAt: Date;
}

/**
 * Records a domain event in `domain_events`, beside the outbox rows of the same transaction; returns the
 * event id, which is the idempotency key of every subscriber. Only the appeals module calls this (through
 * transitionAppeal); the event table lives here because it is plumbing, like the outbox.
 */
export async function recordDomainEvent(tx: Tx, e: DomainEventInput): Promise<string> {
  const row = await tx.domainEvent.create({
    data: {
      type: e.type,
      appealId: e.appealId,
      fromStatus: e.from ?? null,
      toStatus: e.to ?? null,
      actorType: e.actor.type,
      actorId: e.actor.id ?? null,
      data: e.data ?? {},
      occurredAt: e.occurredAt,
    },
    select: { id: true },
  });
  return row.id;
}

/** recordDomainEvent for several events, in one statement; returns their ids in order. */
export async function recordDomainEvents(tx: Tx, es: readonly DomainEventInput[]): Promise<string[]> {
  if (es.length === 0) return [];
  const ids = es.map(() => randomUUID());
  await tx.$executeRaw`
    INSERT INTO domain_events (id, type, appeal_id, from_status, to_status, actor_type, actor_id, data, occurred_at)
    SELECT * FROM unnest(
      ${ids}::uuid[], ${es.map((e) => e.type)}::text[], ${es.map((e) => e.appealId)}::uuid[],
      ${es.map((e) => e.from ?? null)}::text[]::"AppealStatus"[], ${es.map((e) => e.to ?? null)}::text[]::"AppealStatus"[],
      ${es.map((e) => e.actor.type)}::text[], ${es.map((e) => e.actor.id ?? null)}::text[],
      ${es.map((e) => JSON.stringify(e.data ?? {}))}::jsonb[],
      ${es.map((e) => e.occurredAt.toISOString())}::timestamptz[])`;
  return ids;
}
