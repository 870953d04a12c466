// Refund status events from finance users and provider callbacks (SPEC section 5), with payment-API
// idempotency: the same key with the same body answers the first answer, the same key with another body
// answers 409, and keys are kept at least 24 hours.
//
// Race safety: the key row is inserted FIRST in the event's transaction (primary key (scope, key)). A
// concurrent request with the same key blocks on that insert until the first transaction ends; then it
// either finds the committed answer (replay) or, if the first failed and rolled back, goes ahead itself.
// Only successful answers are kept: an error (out-of-order event, mismatch) rolls the key back with
// everything else, so a provider that retries the same key once the refund has caught up is not stuck
// with a stale refusal.
import { DateTime } from 'luxon';
import type { Prisma } from '../../generated/prisma/client.ts';
import { sha256 } from '../../platform/crypto.ts';
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { canonicalJson } from '../../platform/json.ts';
import { money } from '../../platform/money.ts';
import { type Actor, recordHistory } from '../appeals/appeals.history.ts';
import { appealToken, appealUrl } from '../../platform/appeal-token.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { queueEmail } from '../../platform/email-outbox.ts';
import { queueWebhookEvent } from '../../platform/webhook-outbox.ts';
import { getRefundItem, type RefundItem } from './refunds.finance.ts';
import { refundProvider } from './refunds.provider.ts';
import { checkEventAmount, type RefundStatus, refundTransition } from './refunds.rules.ts';
import type { TRefundEventRequest } from './refunds.schemas.ts';
import { isUuid } from '../../platform/ids.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export type RefundEventActor = { type: 'STAFF'; id: string } | { type: 'PROVIDER'; id: string };

export interface RefundEventResult {
  status: number;
  body: RefundItem;
  /** true when the answer is the stored answer of an earlier request with the same key */
  replayed: boolean;
}

/** Keys are scoped per refund: a provider's event id only has to be unique for the refund it is about. */
export function refundEventScope(refundId: string): string {
  return `refund-event:${refundId}`;
}

/**
 * Applies one event. `headerKey` is the `Idempotency-Key` header; the body's idempotencyKey is the same
 * thing for callers that cannot set headers (both given and different: 400).
 */
export async function recordRefundEvent(
  deps: Pick<Deps, 'prisma' | 'config' | 'clock'>,
  refundId: string,
  input: TRefundEventRequest,
  actor: RefundEventActor,
  headerKey?: string,
): Promise<RefundEventResult> {
  if (!isUuid(refundId)) throw new AppError('REFUND.NOT_FOUND', 'No such refund.');
  const { idempotencyKey: bodyKey, ...event } = input;
  if (bodyKey && headerKey && bodyKey !== headerKey) {
    throw new AppError('REQUEST.INVALID', 'The Idempotency-Key header and body.idempotencyKey differ.', [
      { path: 'idempotencyKey', message: 'must equal the Idempotency-Key header when both are sent' },
    ]);
  }
  const key = bodyKey ?? headerKey;
  const requestHash = sha256(canonicalJson({ refundId, event }));
  const now = deps.clock.now();

  return deps.prisma.$transaction(
    async (tx) => {
      if (key) {
        const scope = refundEventScope(refundId);
        const inserted = await tx.$queryRaw<{ key: string }[]>`
          INSERT INTO idempotency_records (scope, key, request_hash, response_status, response_body, created_at, expires_at)
          VALUES (${scope}, ${key}, ${requestHash}, 0, 'null'::jsonb, ${now}, ${new Date(now.getTime() + IDEMPOTENCY_TTL_MS)})
          ON CONFLICT (scope, key) DO NOTHING
          RETURNING key`;
        if (inserted.length === 0) {
          const first = await tx.idempotencyRecord.findUniqueOrThrow({
            where: { scope_key: { scope, key } },
          });
          if (first.requestHash !== requestHash) {
            throw new AppError(
              'IDEMPOTENCY.CONFLICT',
              'This idempotency key was already used with a different request body.',
              { idempotencyKey: key },
            );
          }
          return {
            status: first.responseStatus,
            body: first.responseBody as unknown as RefundItem,
            replayed: true,
          };
        }
      }
      await applyEventInTx(tx, deps, refundId, input, actor, key, now);
      await appendAudit(tx, {
        at: now,
        actor: { type: actor.type, id: actor.id },
        action: 'REFUND_EVENT',
        target: { type: 'refund', id: refundId },
        data: { type: input.type },
      });
      const body = await getRefundItem({ prisma: tx, clock: deps.clock }, refundId);
      if (!key) return { status: 200, body, replayed: false };
      // answer what was stored (jsonb orders keys its own way), so a replay is byte-for-byte the same
      const stored = await tx.idempotencyRecord.update({
        where: { scope_key: { scope: refundEventScope(refundId), key } },
        data: { responseStatus: 200, responseBody: body as unknown as Prisma.InputJsonValue },
      });
      return { status: 200, body: stored.responseBody as unknown as RefundItem, replayed: false };
    },
    { timeout: 15_000, maxWait: 10_000 },
  );
}

async function applyEventInTx(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  refundId: string,
  event: TRefundEventRequest,
  actor: RefundEventActor,
  key: string | undefined,
  now: Date,
): Promise<void> {
  // the row lock serialises events for one refund: two different events cannot both pass the check
  const locked = await tx.$queryRaw<
    { id: string }[]
  >`SELECT id::text FROM refunds WHERE id = ${refundId}::uuid FOR UPDATE`;
  if (locked.length === 0) throw new AppError('REFUND.NOT_FOUND', 'No such refund.');
  const refund = await tx.refund.findUniqueOrThrow({ where: { id: refundId } });
  checkEventAmount(refund, event.amount);
  const from = refund.status as RefundStatus;
  refundTransition(from, event.type);

  let data: Prisma.RefundUpdateInput;
  let detail: { providerRef?: string; arn?: string; reason?: string };
  if (event.type === 'SUBMITTED') {
    // a provider callback reports a submission the provider already made; finance asks the provider
    const providerRef =
      actor.type === 'PROVIDER'
        ? event.providerRef
        : (
            await refundProvider(refund.provider).submit(refund, {
              providerRef: event.providerRef,
              ...(key ? { idempotencyKey: key } : {}),
            })
          ).providerRef;
    data = { status: 'SUBMITTED', providerRef, submittedAt: now, failureReason: null };
    detail = { providerRef };
  } else if (event.type === 'SETTLED') {
    data = { status: 'SETTLED', arn: event.arn, settledAt: now };
    detail = { arn: event.arn };
  } else {
    data = { status: 'FAILED', failureReason: event.reason };
    detail = { reason: event.reason };
  }
  await tx.refund.update({ where: { id: refundId }, data });
  await tx.refundEvent.create({
    data: {
      refundId,
      type: event.type,
      fromStatus: from,
      providerRef: detail.providerRef ?? null,
      arn: detail.arn ?? null,
      reason: detail.reason ?? null,
      actorType: actor.type,
      actorId: actor.id,
      idempotencyKey: key ?? null,
      createdAt: now,
    },
  });
  await recordHistory(tx, {
    appealId: refund.appealId,
    at: now,
    actor: actor as Actor,
    action: `REFUND_${event.type}`,
    ...(detail.reason ? { reason: detail.reason } : {}),
    data: { refundId, from, to: event.type },
  });
  if (event.type === 'SETTLED') await refundSettledEffectsInTx(tx, deps, refundId, now);
}

/**
 * What a settlement causes, in the settling transaction: the buyer's REFUND_SETTLED e-mail and the
 * 'refund.settled' webhook event (one outbox row per active subscription).
 */
export async function refundSettledEffectsInTx(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  refundId: string,
  now: Date,
): Promise<void> {
  const r = await tx.refund.findUniqueOrThrow({
    where: { id: refundId },
    include: { order: true, appeal: { select: { tokenNonce: true } } },
  });
  await queueEmail(tx, {
    to: r.order.buyerEmail,
    locale: r.order.buyerLocale,
    appealId: r.appealId,
    message: {
      template: 'REFUND_SETTLED',
      buyerName: r.order.buyerName,
      orderId: r.order.orderId,
      appealUrl: appealUrl(
        deps.config.PUBLIC_BASE_URL,
        appealToken(r.appeal.tokenNonce, deps.config.APPEAL_TOKEN_SECRET),
      ),
      amount: money(r.amountMinor, r.currency),
      arn: r.arn ?? '',
      settledOn: DateTime.fromJSDate(now, { zone: deps.config.BUSINESS_TIMEZONE }).toISODate() ?? '',
    },
  });
  await queueWebhookEvent(tx, {
    type: 'refund.settled',
    data: {
      refundId,
      appealId: r.appealId,
      orderId: r.order.orderId,
      arn: r.arn,
      settledAt: now.toISOString(),
    },
    occurredAt: now,
  });
}
