// Admin view of the outbox: the rows that need a person (FAILED: permanently refused; DEAD: out of
// attempts), and a retry that puts one back through the relay as if it were new.
import { decodeTimeIdCursor, encodeTimeIdCursor } from '../../platform/cursor.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { OUTBOX_TOPICS, type OutboxTopic } from '../../platform/queues.ts';
import { type AuditActor, appendAudit } from '../audit/audit.service.ts';
import type { OUTBOX_STATUSES } from './notifications.schemas.ts';

type Status = (typeof OUTBOX_STATUSES)[number];

interface Row {
  id: string;
  topic: string;
  status: Status;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  processedAt: Date | null;
  payload: unknown;
}

function summary(row: Row) {
  const p = (row.payload ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const message = (p.message ?? {}) as Record<string, unknown>;
  const to = str(p.to);
  return {
    template: row.topic === 'email.send' ? str(message.template) : null,
    recipientDomain: row.topic === 'email.send' && to ? (to.split('@').at(-1)?.toLowerCase() ?? null) : null,
    eventType: row.topic === 'webhook.deliver' ? str(p.type) : null,
    eventId: row.topic === 'webhook.deliver' ? str(p.eventId) : null,
  };
}

export function toOutboxItem(row: Row) {
  return {
    id: row.id,
    topic: row.topic,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    processedAt: row.processedAt?.toISOString() ?? null,
    ...summary(row),
  };
}

export async function listOutbox(
  deps: Pick<Deps, 'prisma'>,
  q: { status: Status[]; limit: number; cursor?: string },
) {
  const before = q.cursor ? decodeTimeIdCursor(q.cursor) : null;
  const rows = await deps.prisma.outboxMessage.findMany({
    where: {
      status: { in: q.status },
      ...(before
        ? {
            OR: [
              { createdAt: { lt: before.createdAt } },
              { createdAt: before.createdAt, id: { lt: before.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => toOutboxItem(r as Row)),
    nextCursor: rows.length > q.limit && last ? encodeTimeIdCursor(last) : null,
  };
}

/**
 * Puts a FAILED or DEAD row back to PENDING with a fresh attempt budget. The finished BullMQ job that
 * carries the row id is removed first: the relay enqueues with the row id as job id, and BullMQ ignores
 * an add for an id it still holds, so the old job must be gone before the row is pending again.
 */
export async function retryOutbox(
  deps: Pick<Deps, 'prisma' | 'queues' | 'clock'>,
  id: string,
  audit: { actor: AuditActor; ip: string | null; userAgent: string | null },
) {
  const row = await deps.prisma.outboxMessage.findUnique({ where: { id } });
  if (!row) throw new AppError('OUTBOX.NOT_FOUND', 'No such outbox message.');
  if (row.status !== 'FAILED' && row.status !== 'DEAD')
    throw new AppError(
      'OUTBOX.NOT_RETRYABLE',
      `Only FAILED or DEAD messages can be retried (this one is ${row.status}).`,
    );
  const def = OUTBOX_TOPICS[row.topic as OutboxTopic];
  if (!def) throw new AppError('OUTBOX.NOT_RETRYABLE', `Unknown topic ${row.topic}.`);
  // a job BullMQ is still finishing (locked) cannot be removed yet; the admin can try again in a moment
  await deps.queues[def.queue].remove(id).catch(() => {
    throw new AppError('OUTBOX.NOT_RETRYABLE', 'The message is still being processed; try again shortly.');
  });
  const now = deps.clock.now();
  const updated = await deps.prisma.$transaction(async (tx) => {
    const r = await tx.outboxMessage.updateMany({
      where: { id, status: { in: ['FAILED', 'DEAD'] } },
      data: {
        status: 'PENDING',
        attempts: 0,
        lastError: null,
        processedAt: null,
        publishedAt: null,
        result: undefined,
      },
    });
    if (r.count === 0) throw new AppError('OUTBOX.NOT_RETRYABLE', 'The message was retried already.');
    await appendAudit(tx, {
      ...audit,
      at: now,
      action: 'OUTBOX_RETRIED',
      target: { type: 'outbox', id },
      data: { topic: row.topic, previousStatus: row.status, attempts: row.attempts },
    });
    return tx.outboxMessage.findUniqueOrThrow({ where: { id } });
  });
  return toOutboxItem(updated as Row);
}
