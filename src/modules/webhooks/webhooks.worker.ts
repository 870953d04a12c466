// The webhook consumer: POSTs one event to one subscription, signed. 2xx = delivered; anything else
// (another status, a network error, the 10 s timeout) throws so BullMQ retries with backoff. The body is
// the same on every attempt (the receiver de-duplicates on its `id`); the timestamp and signature are
// made fresh per attempt so a receiver's replay window does not expire during a long outage.
//
// Before each attempt the URL is checked again (webhooks.address.ts) and the connection is made to the
// address that check approved (the socket's DNS lookup is pinned to it). Redirects are never followed.
// What is recorded about a failure is coarse on purpose: "HTTP 5xx" or "not delivered", never a
// connection error code or a timing, so the error column cannot serve as a port scanner.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isSealedSecret, keyringOf, openSecret } from '../../platform/crypto.ts';
import { isAppError } from '../../platform/errors.ts';
import type { OutboxHandler } from '../../platform/jobs.ts';
import { checkWebhookTarget, type ResolvedAddress } from './webhooks.address.ts';
import {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
} from '../../platform/webhook-signature.ts';

export const WEBHOOK_TIMEOUT_MS = 10_000;
export const WEBHOOK_SECRET_PURPOSE = 'webhook-secret';

export const deliverWebhookHandler: OutboxHandler<'webhook.deliver'> = webhookDeliverer();

function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return (_host, options, cb) => {
    if ((options as { all?: boolean }).all)
      (cb as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
    else cb(null, pinned.address, pinned.family);
  };
}

/** One POST to `url` connected to `pinned`; resolves with the status, the answer's body is discarded. */
function post(
  url: URL,
  pinned: ResolvedAddress,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(pinned),
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error('timeout')), timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The handler with its timeout as a parameter (tests use a short one; production WEBHOOK_TIMEOUT_MS). */
export function webhookDeliverer(opts: { timeoutMs?: number } = {}): OutboxHandler<'webhook.deliver'> {
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  return async (payload, ctx) => {
    const { prisma, clock, config } = ctx.deps;
    const sub = await prisma.webhookSubscription.findUnique({ where: { id: payload.subscriptionId } });
    // a subscription deleted after the event was queued no longer wants it
    if (!sub?.active) return { result: { skipped: 'subscription removed' } };
    const url = new URL(sub.url);
    let pinned: ResolvedAddress;
    try {
      pinned = await checkWebhookTarget(sub.url, config);
    } catch (err) {
      if (isAppError(err))
        throw new Error(`webhook ${url.host}: refused (${(err.details as { reason: string }).reason})`);
      throw err;
    }
    const secret = isSealedSecret(sub.secret)
      ? openSecret(sub.secret, keyringOf(config.DOCUMENT_MASTER_KEY), WEBHOOK_SECRET_PURPOSE)
      : sub.secret; // a row written before secrets were sealed
    const body = JSON.stringify({
      id: payload.eventId,
      type: payload.type,
      createdAt: payload.createdAt,
      data: payload.data,
    });
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    let status: number;
    try {
      status = await post(
        url,
        pinned,
        {
          'content-type': 'application/json',
          'user-agent': 'appeal-desk-webhooks/1',
          [EVENT_ID_HEADER]: payload.eventId,
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
        },
        body,
        timeoutMs,
      );
    } catch {
      // refused, reset, unreachable or timed out: all the same to whoever reads the row
      throw new Error(`webhook ${url.host}: not delivered`);
    }
    if (status < 200 || status > 299)
      throw new Error(`webhook ${url.host}: HTTP ${Math.floor(status / 100)}xx`);
    return { result: { status, attempt: ctx.attempt, timestamp } };
  };
}
