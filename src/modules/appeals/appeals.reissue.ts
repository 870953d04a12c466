// A new appeal link by e-mail, for a buyer whose link expired (or was lost). The caller proves which appeal
// with the old link's token, or names the order and the buyer's e-mail address. The answer is the same
// 202 whatever happened, so the endpoint cannot be used to learn whether an order or an appeal exists;
// the new link only ever goes to the buyer e-mail address stored with the order.
//
// Final appeals (APPROVED, REJECTED, EXPIRED, WITHDRAWN) get a new link too: the buyer page is read-only
// for them (every change is refused by status) and a buyer whose appeal was rejected or expired still
// needs to follow the refund. Reissuing does NOT revoke the buyer's current link (anyone knowing an order
// id and e-mail address could otherwise cut a buyer off): the new link is kept as the appeal's pending
// link, and opening it makes it the current one, which ends the old one (http/auth.ts appealByToken).
// A second reissue replaces a pending link that was never opened. The answer takes the same time whatever
// happened: it is held until REISSUE_MIN_MS after the request arrived.
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { sha256 } from '../../platform/crypto.ts';
import { localDate } from '../../platform/calendar.ts';
import type { Deps } from '../../platform/deps.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { queueEmail } from '../../platform/email-outbox.ts';
import { loadCalendar } from '../../platform/calendar.store.ts';
import { appealToken, appealUrl, newTokenNonce, tokenHash } from '../../platform/appeal-token.ts';

export const ZReissueRequest = z.union([
  z.strictObject({ token: z.string().min(1).max(256) }),
  z.strictObject({
    orderId: z.string().trim().min(1).max(64),
    email: z
      .string()
      .trim()
      .min(3)
      .max(254)
      .transform((s) => s.toLowerCase()),
  }),
]);
export type TReissueRequest = z.infer<typeof ZReissueRequest>;

export const REISSUE_ANSWER = {
  status: 'accepted',
  message:
    'If this matches an appeal, we have sent a new link to the e-mail address of the order. ' +
    'Your earlier link keeps working until you open the new one.',
} as const;

/** Links e-mailed per appeal per hour: a guessed order and e-mail pair cannot flood the buyer's inbox. */
export const MAX_REISSUES_PER_APPEAL_PER_HOUR = 3;
/** The floor of every answer's time, so a match cannot be told from no match by the clock. */
export const REISSUE_MIN_MS = 400;
/** Requests per IP (whatever their outcome). */
export const REISSUE_LIMIT = { max: 10, windowMs: 60 * 60_000 } as const;

export type ReissueOutcome = 'REISSUED' | 'NO_MATCH' | 'CAPPED';

type ReissueDeps = Pick<Deps, 'prisma' | 'clock' | 'config' | 'calendar'>;

async function findAppealId(deps: ReissueDeps, input: TReissueRequest): Promise<string | null> {
  if ('token' in input) {
    const hash = tokenHash(input.token);
    const a = await deps.prisma.appeal.findFirst({
      where: { OR: [{ tokenHash: hash }, { pendingTokenHash: hash }] },
      select: { id: true },
    });
    return a?.id ?? null;
  }
  const order = await deps.prisma.blockedOrder.findUnique({
    where: { orderId: input.orderId },
    select: { buyerEmail: true, appeal: { select: { id: true } } },
  });
  // compared as hashes in constant time whether or not the order exists
  const stored = Buffer.from(sha256((order?.buyerEmail ?? '').trim().toLowerCase()));
  const sent = Buffer.from(sha256(input.email));
  const same = timingSafeEqual(stored, sent);
  return order && same ? (order.appeal?.id ?? null) : null;
}

/**
 * Issues a new link for the appeal the input points at and queues NEW_APPEAL_LINK to the order's buyer,
 * in one transaction with the audit record. Returns what happened (for tests and logs; never for the
 * HTTP answer).
 */
export async function reissueAppealLink(
  deps: ReissueDeps,
  input: TReissueRequest,
  source?: AuditSource,
): Promise<ReissueOutcome> {
  const appealId = await findAppealId(deps, input);
  if (!appealId) return 'NO_MATCH';
  const cal = await loadCalendar(deps);
  return deps.prisma.$transaction(async (tx) => {
    // the row lock serialises two reissues of one appeal: each sees the other's audit record
    await tx.$queryRaw`SELECT id FROM appeals WHERE id = ${appealId}::uuid FOR UPDATE`;
    const now = deps.clock.now();
    const recent = await tx.auditLog.count({
      where: {
        appealId,
        action: 'APPEAL_LINK_REISSUED',
        at: { gt: new Date(now.getTime() - 60 * 60_000) },
      },
    });
    if (recent >= MAX_REISSUES_PER_APPEAL_PER_HOUR) return 'CAPPED';
    const a = await tx.appeal.findUniqueOrThrow({
      where: { id: appealId },
      select: {
        id: true,
        status: true,
        order: { select: { orderId: true, buyerEmail: true, buyerName: true, buyerLocale: true } },
      },
    });
    const nonce = newTokenNonce();
    const token = appealToken(nonce, deps.config.APPEAL_TOKEN_SECRET);
    const expiresAt = new Date(now.getTime() + deps.config.APPEAL_TOKEN_TTL_DAYS * 86_400_000);
    await tx.appeal.update({
      where: { id: a.id },
      data: {
        pendingTokenNonce: nonce,
        pendingTokenHash: tokenHash(token),
        pendingTokenExpiresAt: expiresAt,
      },
    });
    await queueEmail(tx, {
      to: a.order.buyerEmail,
      locale: a.order.buyerLocale,
      appealId: a.id,
      message: {
        template: 'NEW_APPEAL_LINK',
        buyerName: a.order.buyerName,
        orderId: a.order.orderId,
        appealUrl: appealUrl(deps.config.PUBLIC_BASE_URL, token),
        expiresOn: localDate(expiresAt, cal),
      },
    });
    await appendAudit(tx, {
      ...(source ?? { actor: { type: 'SYSTEM', id: null, label: 'anonymous' } }),
      at: now,
      action: 'APPEAL_LINK_REISSUED',
      appealId: a.id,
      data: { via: 'token' in input ? 'expired-link' : 'order-and-email', status: a.status },
    });
    return 'REISSUED';
  });
}
