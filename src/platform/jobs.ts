// The consumer side of the queue registry: a handler per job name, run by workers/main.ts.
// Outbox-relayed jobs are wrapped so that an outbox row already DONE/FAILED/DEAD is skipped (a
// re-delivered job does nothing) and a finished handler marks its row DONE (or, settlesOwnRow, the handler
// does so in its own transaction); a failed one leaves it for BullMQ's retry, or ends it FAILED (permanent
// error) or DEAD (attempts exhausted).
import { type Job, UnrecoverableError } from 'bullmq';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Deps } from './deps.ts';
import {
  OUTBOX_TOPICS,
  type DirectJob,
  type JobName,
  jobDataSchema,
  type OutboxPayload,
  type OutboxTopic,
} from './queues.ts';

export interface JobContext {
  deps: Deps;
  job: Job;
  attempt: number;
}

export type OutboxHandler<T extends OutboxTopic> = ((
  payload: OutboxPayload<T>,
  ctx: JobContext & { outboxId: string },
) => Promise<void | { result?: Prisma.InputJsonValue }>) & {
  /**
   * The handler counts the attempt and marks its row DONE itself, inside its own transaction (case.route:
   * the routing and its bookkeeping commit together); runJob then only records failures.
   */
  settlesOwnRow?: true;
};

export type DirectHandler = (data: unknown, ctx: JobContext) => Promise<void>;

export type HandlerMap = { [K in OutboxTopic]: () => Promise<OutboxHandler<K>> } & {
  [K in DirectJob]: () => Promise<DirectHandler>;
};

/** An error whose retry is pointless (bad payload, permanent rejection). */
export class PermanentJobError extends UnrecoverableError {}

export async function runJob(handlers: HandlerMap, job: Job, deps: Deps): Promise<void> {
  const name = job.name as JobName;
  const schema = jobDataSchema(name);
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) throw new PermanentJobError(`invalid payload for ${name}`);
  const ctx: JobContext = { deps, job, attempt: job.attemptsMade + 1 };
  if (name in OUTBOX_TOPICS) {
    const { outboxId } = parsed.data as { outboxId: string };
    // the two columns this needs, raw: every job reads its row, and a model query costs the worker several
    // times the CPU of this one (routing's jobs mostly find their row DONE by a batch)
    const [row] = await deps.prisma.$queryRaw<{ status: string; payload: unknown }[]>`
      SELECT status::text AS status, payload FROM outbox WHERE id = ${outboxId}::uuid`;
    if (!row) throw new PermanentJobError(`outbox row ${outboxId} not found`);
    if (row.status === 'DONE' || row.status === 'FAILED' || row.status === 'DEAD') return;
    const payload = OUTBOX_TOPICS[name as OutboxTopic].payload.safeParse(row.payload);
    if (!payload.success) {
      await deps.prisma.outboxMessage.update({
        where: { id: outboxId },
        data: { status: 'FAILED', lastError: 'invalid payload', processedAt: deps.clock.now() },
      });
      throw new PermanentJobError(`invalid outbox payload for ${name}`);
    }
    const handler = (await handlers[name as OutboxTopic]()) as OutboxHandler<OutboxTopic>;
    if (!handler.settlesOwnRow)
      await deps.prisma.outboxMessage.update({
        where: { id: outboxId },
        data: { attempts: { increment: 1 } },
      });
    let out: Awaited<ReturnType<OutboxHandler<OutboxTopic>>>;
    try {
      out = await handler(payload.data as never, { ...ctx, outboxId });
    } catch (err) {
      await recordFailure(deps, job, outboxId, err);
      throw err;
    }
    if (handler.settlesOwnRow) return;
    await deps.prisma.outboxMessage.updateMany({
      where: { id: outboxId, status: { in: ['PENDING', 'PUBLISHED'] } },
      data: {
        status: 'DONE',
        processedAt: deps.clock.now(),
        ...(out && out.result !== undefined ? { result: out.result } : {}),
      },
    });
    return;
  }
  const load = (handlers as unknown as Record<string, () => Promise<DirectHandler>>)[name];
  if (!load) throw new PermanentJobError(`no handler for ${name}`);
  await (await load())(parsed.data, ctx);
}

/** An error message fit for the row, the admin view and the log: one line, short, no mailbox names. */
export function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // servers quote the recipient back ("550 <ana@example.com>: unknown user"): keep the domain only
  return msg
    .replace(/[^\s<>@"',;:()]+@([A-Za-z0-9.-]+)/g, '***@$1')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 1000);
}

/**
 * A handler failed: a permanent error ends the row as FAILED (BullMQ will not retry an
 * UnrecoverableError); the last allowed attempt ends it as DEAD (dead-letter, visible to admins, retried
 * by hand); otherwise the row keeps its status and remembers the error while BullMQ backs off. Decided
 * here rather than in the worker's `failed` event so the row is updated before BullMQ learns of the
 * failure: nothing can retry the job between the two.
 */
async function recordFailure(deps: Deps, job: Job, outboxId: string, err: unknown): Promise<void> {
  const lastError = errorText(err);
  const maxAttempts = job.opts?.attempts ?? 1;
  const final =
    err instanceof UnrecoverableError ? 'FAILED' : job.attemptsMade + 1 >= maxAttempts ? 'DEAD' : null;
  await deps.prisma.outboxMessage.updateMany({
    where: { id: outboxId, status: { in: ['PENDING', 'PUBLISHED'] } },
    data: final ? { status: final, lastError, processedAt: deps.clock.now() } : { lastError },
  });
  deps.logger.warn(
    {
      outboxId,
      job: job.name,
      attempt: job.attemptsMade + 1,
      maxAttempts,
      status: final ?? 'RETRY',
      err: lastError,
    },
    final ? `outbox row ${final.toLowerCase()}` : 'outbox job failed; BullMQ will retry',
  );
}
