// The one writer of the appeal's status (issue 14). transitionAppeal takes the row lock (or is told, typed,
// that the caller holds it: `held`), checks the move against the state machine of appeals.rules.ts, writes
// the row and the case-history entry, and records the domain event, all in the caller's transaction, and
// dispatches the event to its subscribers (src/platform/events.ts, installed by src/subscribers.ts) in that
// transaction too: a transition and its reactions are either whole or absent.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Tx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { publishDomainEvent, publishDomainEvents } from '../../platform/events.ts';
import { type Actor, actorIdOf, recordHistory, recordHistoryMany } from './appeals.history.ts';
import { type AppealEvent, type AppealStatus, nextStatus } from './appeals.rules.ts';

/** The domain event each state-machine event records (the outcome of a decision goes in its data). */
export const DOMAIN_EVENT: Record<AppealEvent, string> = {
  SUBMIT: 'appeal.submitted',
  RESUBMIT: 'appeal.resubmitted',
  ROUTE: 'appeal.assigned',
  ASSIGN: 'appeal.assigned',
  APPROVE: 'appeal.decided',
  REJECT: 'appeal.decided',
  REQUEST_MORE_INFO: 'appeal.decided',
  EXPIRE: 'appeal.expired',
  WITHDRAW: 'appeal.withdrawn',
};

/** Events that have an outcome: the status they lead to, as the event's `outcome`. */
const OUTCOME_EVENTS: ReadonlySet<AppealEvent> = new Set(['APPROVE', 'REJECT', 'REQUEST_MORE_INFO']);

export type AppealPatch = Omit<Prisma.AppealUncheckedUpdateInput, 'status' | 'id'>;

export interface TransitionInput {
  now: Date;
  /** history action, e.g. 'APPROVED', 'APPEAL_WITHDRAWN' (kept as the flows wrote them before) */
  action: string;
  /** columns written with the status (decidedAt, assigneeId, deadlines, ...) */
  patch?: AppealPatch;
  reason?: string;
  /** the history entry's data */
  historyData?: Prisma.InputJsonValue;
  /** facts the domain event carries (ids and small facts only) */
  eventData?: Record<string, Prisma.InputJsonValue | null>;
  /**
   * The caller already holds the appeal's row lock (its own SELECT ... FOR UPDATE in this transaction) and
   * read this status under it: transitionAppeal then takes no second lock. The write is still guarded by
   * the status (UPDATE ... WHERE status = held.status), so a wrong claim throws and
   * changes nothing instead of moving the appeal from a status it is not in.
   */
  held?: { status: AppealStatus };
}

export interface TransitionResult {
  from: AppealStatus;
  to: AppealStatus;
  /** the domain event's id: the idempotency key of its subscribers */
  eventId: string;
}

/** Locks the appeal row (FOR UPDATE) and returns its status, or null when there is no such appeal. */
export async function lockAppealRow(tx: Tx, appealId: string): Promise<AppealStatus | null> {
  const rows = await tx.$queryRaw<{ status: AppealStatus }[]>`
    SELECT status::text AS status FROM appeals WHERE id = ${appealId}::uuid FOR UPDATE`;
  return rows[0]?.status ?? null;
}

/**
 * Moves the appeal by `event`. Throws APPEAL.NOT_FOUND when there is no such appeal and
 * APPEAL.INVALID_TRANSITION (details.status, details.event) when the state machine forbids the move; the
 * caller's transaction then rolls back, so nothing is half-written.
 */
export async function transitionAppeal(
  tx: Tx,
  appealId: string,
  event: AppealEvent,
  actor: Actor,
  input: TransitionInput,
): Promise<TransitionResult> {
  const from = input.held ? input.held.status : await lockAppealRow(tx, appealId);
  if (!from) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
  const to = nextStatus(from, event);
  if (!to) {
    throw new AppError('APPEAL.INVALID_TRANSITION', `The appeal cannot ${event} while it is ${from}.`, {
      status: from,
      event,
    });
  }
  // guarded by the status read under the lock: with `held` that is the caller's claim, checked here
  await tx.appeal
    .update({ where: { id: appealId, status: from }, data: { ...input.patch, status: to } })
    .catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 'P2025') throw err;
      throw new Error(`appeal ${appealId} is not ${from} under the caller's lock (transitionAppeal)`);
    });
  await recordHistory(tx, {
    appealId,
    at: input.now,
    actor,
    action: input.action,
    from,
    to,
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.historyData !== undefined ? { data: input.historyData } : {}),
  });
  const eventId = await publishDomainEvent(tx, {
    type: DOMAIN_EVENT[event],
    appealId,
    from,
    to,
    actor: { type: actor.type, id: actorIdOf(actor) },
    data: { ...(OUTCOME_EVENTS.has(event) ? { outcome: to } : {}), ...input.eventData },
    occurredAt: input.now,
  });
  return { from, to, eventId };
}

/** One appeal of assignHeldAppeals: locked by the caller, in status `from` under that lock. */
export interface HeldAssignment {
  appealId: string;
  from: AppealStatus;
  assigneeId: string;
  reason: string;
  historyData: Prisma.InputJsonValue;
  eventData: Record<string, Prisma.InputJsonValue | null>;
}

/**
 * Assigns several appeals the caller has locked (the router's batch, review.routing.batch.ts), each as
 * transitionAppeal(ROUTE from SUBMITTED, ASSIGN from IN_REVIEW; `held`, patch assigneeId and assignedAt)
 * would, in one statement per table: the rows (each guarded by its held status: a wrong claim throws and
 * the caller's transaction rolls back), the history entries, the domain events and their dispatch
 * (publishDomainEvents). Returns the results in the given order.
 */
export async function assignHeldAppeals(
  tx: Tx,
  items: readonly HeldAssignment[],
  actor: Actor,
  input: { now: Date; action: string },
): Promise<TransitionResult[]> {
  if (items.length === 0) return [];
  const moves = items.map((it) => {
    const event: AppealEvent = it.from === 'SUBMITTED' ? 'ROUTE' : 'ASSIGN';
    const to = nextStatus(it.from, event);
    if (!to) {
      throw new AppError('APPEAL.INVALID_TRANSITION', `The appeal cannot ${event} while it is ${it.from}.`, {
        status: it.from,
        event,
      });
    }
    return { ...it, event, to };
  });
  const updated = await tx.$executeRaw`
    UPDATE appeals a SET status = v.to_status, assignee_id = v.assignee_id, assigned_at = ${input.now},
                         updated_at = now()
    FROM unnest(${moves.map((m) => m.appealId)}::uuid[], ${moves.map((m) => m.from)}::text[]::"AppealStatus"[],
                ${moves.map((m) => m.to)}::text[]::"AppealStatus"[], ${moves.map((m) => m.assigneeId)}::uuid[])
         AS v(id, from_status, to_status, assignee_id)
    WHERE a.id = v.id AND a.status = v.from_status`;
  if (updated !== moves.length) {
    throw new Error(`${moves.length - updated} appeal(s) not in their held status under the caller's lock`);
  }
  const actorRef = { type: actor.type, id: actorIdOf(actor) };
  await recordHistoryMany(
    tx,
    moves.map((m) => ({
      appealId: m.appealId,
      at: input.now,
      actor,
      action: input.action,
      from: m.from,
      to: m.to,
      reason: m.reason,
      data: m.historyData,
    })),
  );
  const eventIds = await publishDomainEvents(
    tx,
    moves.map((m) => ({
      type: DOMAIN_EVENT[m.event],
      appealId: m.appealId,
      from: m.from,
      to: m.to,
      actor: actorRef,
      data: { ...m.eventData },
      occurredAt: input.now,
    })),
  );
  return moves.map((m, i) => ({ from: m.from, to: m.to, eventId: eventIds[i]! }));
}

/**
 * Opens the appeal of a blocked order: the row (AWAITING_DOCUMENTS), the APPEAL_OPENED history entry and
 * the `appeal.opened` event. Creation is not a transition of the state machine, but it has the same owner.
 */
export async function openAppeal(
  tx: Tx,
  input: {
    orderId: string;
    tokenHash: string;
    tokenNonce: string;
    tokenExpiresAt: Date;
    now: Date;
    actor: Actor;
    reason?: string;
  },
): Promise<{ id: string; eventId: string }> {
  const appeal = await tx.appeal.create({
    data: {
      orderId: input.orderId,
      tokenHash: input.tokenHash,
      tokenNonce: input.tokenNonce,
      tokenExpiresAt: input.tokenExpiresAt,
      lastBuyerActivityAt: input.now,
    },
    select: { id: true },
  });
  await recordHistory(tx, {
    appealId: appeal.id,
    at: input.now,
    actor: input.actor,
    action: 'APPEAL_OPENED',
    to: 'AWAITING_DOCUMENTS',
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
  });
  const eventId = await publishDomainEvent(tx, {
    type: 'appeal.opened',
    appealId: appeal.id,
    to: 'AWAITING_DOCUMENTS',
    actor: { type: input.actor.type, id: actorIdOf(input.actor) },
    data: { orderId: input.orderId, ...(input.reason !== undefined ? { reason: input.reason } : {}) },
    occurredAt: input.now,
  });
  return { id: appeal.id, eventId };
}
