// Blocked-order registration (the risk system's entry point) and the payment-error catalogue.
import type { PaymentErrorCode } from '../../generated/prisma/client.ts';
import { Prisma } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { canonicalJson } from '../../platform/json.ts';
import { sha256 } from '../../platform/crypto.ts';
import { appealToken, appealUrl, newTokenNonce, tokenHash } from '../../platform/appeal-token.ts';
import { openAppeal } from '../appeals/appeals.transition.ts';
import type { TCreateBlockedOrderRequest } from './orders.schemas.ts';

export function toPaymentErrorView(e: PaymentErrorCode) {
  return {
    code: e.code,
    title: e.title,
    titleZh: e.titleZh,
    action: e.action,
    actionZh: e.actionZh,
    appealable: e.appealable,
  };
}

export async function listPaymentErrors(deps: Pick<Deps, 'prisma'>) {
  const rows = await deps.prisma.paymentErrorCode.findMany({ orderBy: { sortOrder: 'asc' } });
  return rows.map(toPaymentErrorView);
}

export async function getPaymentError(deps: Pick<Deps, 'prisma'>, code: string) {
  const row = await deps.prisma.paymentErrorCode.findUnique({ where: { code } });
  if (!row) throw new AppError('PAYMENT_ERROR.NOT_FOUND', `No payment error with code ${code}.`);
  return toPaymentErrorView(row);
}

export interface RegistrationResult {
  created: boolean;
  body: {
    orderId: string;
    appealable: boolean;
    appealId?: string;
    appealUrl?: string;
    paymentError: ReturnType<typeof toPaymentErrorView>;
  };
}

/**
 * Registers a blocked order. Idempotent on orderId: the same body again answers the first result
 * (created=false); a different body for a known orderId is a conflict. Concurrent identical requests
 * race on the unique orderId and all but one fall back to the replay path.
 */
export async function registerBlockedOrder(
  deps: Deps,
  input: TCreateBlockedOrderRequest,
): Promise<RegistrationResult> {
  const requestHash = sha256(canonicalJson(input));
  const entry = await deps.prisma.paymentErrorCode.findUnique({ where: { code: input.errorCode } });
  if (!entry)
    throw new AppError('REQUEST.INVALID', `Unknown errorCode ${input.errorCode}.`, [
      { path: 'errorCode', message: 'not in the payment-error catalogue (GET /api/v1/payment-errors)' },
    ]);

  const existing = await replay(deps, input.orderId, requestHash);
  if (existing) return existing;

  const now = deps.clock.now();
  const nonce = newTokenNonce();
  const token = appealToken(nonce, deps.config.APPEAL_TOKEN_SECRET);
  try {
    return await deps.prisma.$transaction(async (tx) => {
      const order = await tx.blockedOrder.create({
        data: {
          orderId: input.orderId,
          buyerId: input.buyer.id,
          buyerEmail: input.buyer.email,
          buyerName: input.buyer.name,
          buyerLocale: input.buyer.locale,
          amountMinor: BigInt(input.amount.value),
          currency: input.amount.currency,
          cardBrand: input.card.brand,
          cardLast4: input.card.last4,
          cardIssuerCountry: input.card.issuerCountry,
          errorCode: input.errorCode,
          paymentCaptured: input.paymentCaptured,
          blockedAt: new Date(input.blockedAt),
          requestHash,
          purchaseIp: input.purchaseIp ?? null,
          deviceId: input.deviceId ?? null,
          accountId: input.accountId ?? null,
          ...(input.shippingAddress ? { shippingAddress: input.shippingAddress } : {}),
        },
      });
      if (!entry.appealable) {
        return {
          created: true,
          body: { orderId: order.orderId, appealable: false, paymentError: toPaymentErrorView(entry) },
        };
      }
      const appeal = await openAppeal(tx, {
        orderId: order.id,
        tokenHash: tokenHash(token),
        tokenNonce: nonce,
        tokenExpiresAt: new Date(now.getTime() + deps.config.APPEAL_TOKEN_TTL_DAYS * 86_400_000),
        now,
        actor: { type: 'SERVICE' },
        reason: input.errorCode,
      });
      const url = appealUrl(deps.config.PUBLIC_BASE_URL, token);
      // the APPEAL_OPENED e-mail is the notifications subscriber's reaction to appeal.opened
      return {
        created: true,
        body: {
          orderId: order.orderId,
          appealable: true,
          appealId: appeal.id,
          appealUrl: url,
          paymentError: toPaymentErrorView(entry),
        },
      };
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      const again = await replay(deps, input.orderId, requestHash);
      if (again) return again;
    }
    throw err;
  }
}

async function replay(deps: Deps, orderId: string, requestHash: string): Promise<RegistrationResult | null> {
  const order = await deps.prisma.blockedOrder.findUnique({ where: { orderId }, include: { appeal: true } });
  if (!order) return null;
  if (order.requestHash !== requestHash)
    throw new AppError('ORDER.CONFLICT', `Order ${orderId} is already registered with different details.`);
  const entry = await getPaymentError(deps, order.errorCode);
  if (!order.appeal) return { created: false, body: { orderId, appealable: false, paymentError: entry } };
  const token = appealToken(order.appeal.tokenNonce, deps.config.APPEAL_TOKEN_SECRET);
  return {
    created: false,
    body: {
      orderId,
      appealable: true,
      appealId: order.appeal.id,
      appealUrl: appealUrl(deps.config.PUBLIC_BASE_URL, token),
      paymentError: entry,
    },
  };
}
