// The webhook consumer: POSTs one event to one subscription, signed. 2xx = delivered; anything else
// (another status, a network error, the 10 s timeout) throws so BullMQ retries with backoff. The body is
// the same on every attempt (the receiver de-duplicates on its `id`); the timestamp and signature are
// made fresh per attempt so a receiver's replay window does not expire during a long outage.
import type { OutboxHandler } from '../../platform/jobs.ts';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhooks.signature.ts';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export const deliverWebhookHandler: OutboxHandler<'webhook.deliver'> = webhookDeliverer();

/** The handler with its timeout as a parameter (tests use a short one; production WEBHOOK_TIMEOUT_MS). */
export function webhookDeliverer(opts: { timeoutMs?: number } = {}): OutboxHandler<'webhook.deliver'> {
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  return async (payload, ctx) => {
    const { prisma, clock } = ctx.deps;
    const sub = await prisma.webhookSubscription.findUnique({ where: { id: payload.subscriptionId } });
    // a subscription deleted after the event was queued no longer wants it
    if (!sub?.active) return { result: { skipped: 'subscription removed' } };
    const body = JSON.stringify({
      id: payload.eventId,
      type: payload.type,
      createdAt: payload.createdAt,
      data: payload.data,
    });
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    let res: Response;
    try {
      res = await fetch(sub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'appeal-desk-webhooks/1',
          [EVENT_ID_HEADER]: payload.eventId,
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhook(sub.secret, timestamp, body),
        },
        body,
        // a redirect would re-send the signed event somewhere the subscriber did not register
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const why =
        e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e.cause?.code ?? e.message);
      throw new Error(`webhook ${new URL(sub.url).host}: ${why}`);
    }
    // the answer's body is not ours to keep
    await res.body?.cancel().catch(() => {});
    if (res.status < 200 || res.status > 299)
      throw new Error(`webhook ${new URL(sub.url).host}: HTTP ${res.status}`);
    return { result: { status: res.status, attempt: ctx.attempt, timestamp } };
  };
}
