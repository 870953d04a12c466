// Decision webhooks, producer side: called inside the transaction of the change (a decision, an expiry, a
// withdrawal, a refund settlement), it writes one 'webhook.deliver' outbox row per active subscription.
// All rows of one event share its eventId, which is what receivers de-duplicate on: a retried delivery
// carries the same id, a different event never does.
import { randomUUID } from 'node:crypto';
import type { Tx } from './db.ts';
import { writeOutbox } from './outbox.ts';

export const WEBHOOK_EVENT_TYPES = [
  'appeal.decided',
  'appeal.expired',
  'appeal.withdrawn',
  'refund.settled',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export interface WebhookEvent {
  type: WebhookEventType;
  /** ids and small facts only (appealId, orderId, decision, ARN...): never PII, tokens or card digits */
  data: Record<string, Json>;
  /** when the change happened (deps.clock.now()); defaults to the transaction's start in the database */
  occurredAt?: Date;
}

const MAX_DATA_BYTES = 4096;

export async function queueWebhookEvent(
  tx: Tx,
  event: WebhookEvent,
): Promise<{ eventId: string; outboxIds: string[] }> {
  if (!WEBHOOK_EVENT_TYPES.includes(event.type)) throw new Error(`unknown webhook event type ${event.type}`);
  if (Buffer.byteLength(JSON.stringify(event.data)) > MAX_DATA_BYTES)
    throw new Error(`webhook event data over ${MAX_DATA_BYTES} bytes: send ids, not documents`);
  const eventId = randomUUID();
  const subs = await tx.webhookSubscription.findMany({
    where: { active: true },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
  });
  if (subs.length === 0) return { eventId, outboxIds: [] };
  const createdAt = (event.occurredAt ?? (await transactionNow(tx))).toISOString();
  const outboxIds: string[] = [];
  for (const s of subs) {
    outboxIds.push(
      await writeOutbox(tx, 'webhook.deliver', {
        subscriptionId: s.id,
        eventId,
        type: event.type,
        createdAt,
        data: event.data,
      }),
    );
  }
  return { eventId, outboxIds };
}

async function transactionNow(tx: Tx): Promise<Date> {
  const [row] = await tx.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
  return row!.now;
}
