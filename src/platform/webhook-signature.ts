// The signature a webhook receiver checks: HMAC-SHA256 over `${timestamp}.${body}` with the
// subscription's secret, sent as `X-AppealDesk-Signature: v1=<hex>`. The timestamp is signed so a
// captured request cannot be replayed later with a fresh timestamp; the version prefix lets a second
// scheme run beside the first during a migration.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-AppealDesk-Signature';
export const TIMESTAMP_HEADER = 'X-AppealDesk-Timestamp';
export const EVENT_ID_HEADER = 'X-AppealDesk-Event-Id';

/** The body as sent: a string, or the raw bytes a receiver kept (refund provider callbacks). */
export function signWebhook(secret: string, timestamp: number, body: string | Uint8Array): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * What a receiver does (also used by our tests): recompute the HMAC over the raw body, compare in
 * constant time, and refuse timestamps further than `toleranceSec` from its own clock.
 */
export function verifyWebhookSignature(opts: {
  secret: string;
  timestamp: string | number;
  body: string | Uint8Array;
  signature: string;
  nowSec: number;
  toleranceSec?: number;
}): boolean {
  const ts = Number(opts.timestamp);
  if (!Number.isInteger(ts)) return false;
  if (Math.abs(opts.nowSec - ts) > (opts.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signWebhook(opts.secret, ts, opts.body));
  // a header may carry several schemes separated by commas ("v1=...,v2=..."): any valid v1 will do
  return opts.signature
    .split(',')
    .map((s) => Buffer.from(s.trim()))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}
