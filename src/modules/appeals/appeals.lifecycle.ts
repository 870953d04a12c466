// Ends of an appeal that are not a reviewer's decision: the buyer withdraws it, or it expires after
// APPEAL_EXPIRY_DAYS without buyer action while waiting for the buyer. Both close the case and schedule the
// refund of a captured payment in the same transaction as the status change (SPEC sections 3 and 5).
import { DateTime } from 'luxon';
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import type { Actor } from './appeals.history.ts';
import { type AppealStatus, nextStatus } from './appeals.rules.ts';
import { transitionAppeal } from './appeals.transition.ts';
import { isUuid } from '../../platform/ids.ts';

type LifecycleDeps = Pick<Deps, 'prisma' | 'config' | 'clock'>;

/** The refund of the appeal's order (one per order), or null when nothing was captured. */
async function refundIdOf(tx: Tx, appealId: string): Promise<string | null> {
  const { orderId } = await tx.appeal.findUniqueOrThrow({
    where: { id: appealId },
    select: { orderId: true },
  });
  const refund = await tx.refund.findUnique({ where: { orderId }, select: { id: true } });
  return refund?.id ?? null;
}

async function lockAppeal(tx: Tx, id: string) {
  const rows = await tx.$queryRaw<
    { id: string }[]
  >`SELECT id::text FROM appeals WHERE id = ${id}::uuid FOR UPDATE`;
  if (rows.length === 0) return null;
  return tx.appeal.findUniqueOrThrow({ where: { id }, include: { order: true } });
}

/**
 * Closes a locked appeal as WITHDRAWN or EXPIRED: status, closedAt, the reviewer's assignment ended (the
 * case_assignments row keeps who had it; assigneeId is cleared so the case leaves their open work), the
 * history row; the refunds and webhooks subscribers of the event schedule the refund and tell the shop.
 * Returns the refund id or null when nothing was captured.
 */
async function closeInTx(
  tx: Tx,
  appeal: { id: string; status: AppealStatus; orderId: string },
  to: 'WITHDRAWN' | 'EXPIRED',
  actor: Actor,
  now: Date,
  reason?: string,
): Promise<string | null> {
  await transitionAppeal(tx, appeal.id, to === 'WITHDRAWN' ? 'WITHDRAW' : 'EXPIRE', actor, {
    now,
    action: to === 'WITHDRAWN' ? 'APPEAL_WITHDRAWN' : 'APPEAL_EXPIRED',
    patch: {
      closedAt: now,
      assigneeId: null,
      assignedAt: null,
      ...(to === 'WITHDRAWN' ? { lastBuyerActivityAt: now } : {}),
    },
    ...(reason ? { reason } : {}),
  });
  await tx.caseAssignment.updateMany({
    where: { appealId: appeal.id, endedAt: null },
    data: { endedAt: now },
  });
  // the refunds subscriber of appeal.withdrawn / appeal.expired scheduled it in this transaction
  const refundId = await refundIdOf(tx, appeal.id);
  return refundId;
}

/**
 * The buyer withdraws the appeal, in any state before a decision (nextStatus(status, 'WITHDRAW')); after a
 * decision: APPEAL.INVALID_TRANSITION. The row lock makes a withdrawal and a concurrent decision (which
 * locks the same row) happen one after the other, and the loser sees the winner's status.
 */
export async function withdrawAppeal(
  deps: LifecycleDeps,
  appealId: string,
  input: { reason?: string } = {},
): Promise<{ refundId: string | null }> {
  if (!isUuid(appealId)) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
  return deps.prisma.$transaction(
    async (tx) => {
      const now = deps.clock.now();
      const appeal = await lockAppeal(tx, appealId);
      if (!appeal) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
      const from = appeal.status as AppealStatus;
      if (!nextStatus(from, 'WITHDRAW')) {
        throw new AppError(
          'APPEAL.INVALID_TRANSITION',
          `The appeal can no longer be withdrawn: it is ${from}.`,
          { status: from },
        );
      }
      const refundId = await closeInTx(
        tx,
        { id: appeal.id, status: from, orderId: appeal.order.orderId },
        'WITHDRAWN',
        { type: 'BUYER' },
        now,
        input.reason,
      );
      return { refundId };
    },
    { timeout: 15_000, maxWait: 10_000 },
  );
}

/** The last instant of buyer activity that makes an appeal expire now: APPEAL_EXPIRY_DAYS calendar days. */
export function expiryCutoff(now: Date, days: number, timezone: string): Date {
  // calendar days in the business zone: 14 days across a DST change is 14 local days, not 14 x 24 h
  return DateTime.fromJSDate(now, { zone: timezone }).minus({ days }).toJSDate();
}

const EXPIRABLE: AppealStatus[] = ['AWAITING_DOCUMENTS', 'MORE_INFO_REQUESTED'];

/**
 * Expires one appeal if it is still due under the row lock (the buyer may have acted since it was
 * found). Returns whether it expired; calling it again is a no-op.
 */
export async function expireAppeal(deps: LifecycleDeps, appealId: string): Promise<boolean> {
  return deps.prisma.$transaction(
    async (tx) => {
      const now = deps.clock.now();
      const appeal = await lockAppeal(tx, appealId);
      if (!appeal) return false;
      const from = appeal.status as AppealStatus;
      const cutoff = expiryCutoff(now, deps.config.APPEAL_EXPIRY_DAYS, deps.config.BUSINESS_TIMEZONE);
      if (!nextStatus(from, 'EXPIRE') || appeal.lastBuyerActivityAt > cutoff) return false;
      await closeInTx(
        tx,
        { id: appeal.id, status: from, orderId: appeal.order.orderId },
        'EXPIRED',
        { type: 'SYSTEM', id: 'appeals.expire' },
        now,
        `no buyer action for ${deps.config.APPEAL_EXPIRY_DAYS} days`,
      );
      return true;
    },
    { timeout: 15_000, maxWait: 10_000 },
  );
}

/**
 * The 'appeals.expire' job: finds appeals waiting for the buyer whose last activity is at or before the
 * cutoff and expires each in its own transaction, so one bad row cannot hold back the others and a crash
 * leaves the done ones done. Idempotent: expired appeals no longer match. Returns how many expired.
 */
export async function expireDueAppeals(deps: LifecycleDeps, batch = 100): Promise<number> {
  let expired = 0;
  let afterId: string | undefined;
  for (;;) {
    const cutoff = expiryCutoff(
      deps.clock.now(),
      deps.config.APPEAL_EXPIRY_DAYS,
      deps.config.BUSINESS_TIMEZONE,
    );
    const due = await deps.prisma.appeal.findMany({
      where: {
        status: { in: EXPIRABLE },
        lastBuyerActivityAt: { lte: cutoff },
        ...(afterId ? { id: { gt: afterId } } : {}),
      },
      select: { id: true },
      orderBy: { id: 'asc' },
      take: batch,
    });
    for (const a of due) if (await expireAppeal(deps, a.id)) expired++;
    if (due.length < batch) return expired;
    afterId = due.at(-1)?.id;
  }
}
