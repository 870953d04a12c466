// Domain-event dispatch (issue 14): the appeal's events reach the modules that react to them through
// subscribers, not through calls in the producer. transitionAppeal / openAppeal record the event
// (recordDomainEvent) and hand it to dispatchDomainEvent in the SAME transaction, so each reaction is
// exactly once and atomic with the status change: a subscriber writes its effect as an outbox row (the
// transactional outbox), and a subscriber that throws rolls the whole transition back.
//
// The registry is installed once per process at the composition root (src/subscribers.ts, called by
// createApp, startWorkers and the test environment). Dispatching before it was installed throws: a
// forgotten installation fails loudly instead of silently dropping every e-mail and webhook.
import type { Tx } from './db.ts';
import { type DomainEventInput, recordDomainEvent } from './outbox.ts';

/** A recorded domain event, as subscribers see it. */
export interface DomainEvent {
  /** the domain_events row id: with the subscriber's name, the idempotency key of a reaction */
  id: string;
  type: string;
  appealId: string;
  from: string | null;
  to: string | null;
  actor: { type: string; id: string | null };
  /** ids and small facts only (outcome, decisionId, reasonCodes, ...) */
  data: Record<string, unknown>;
  occurredAt: Date;
}

export interface Subscriber {
  /** unique in the registry; names the reaction in logs and errors */
  name: string;
  /** the event types it handles, e.g. ['appeal.decided', 'appeal.expired'] */
  events: readonly string[];
  /** runs inside the transition's transaction; throwing rolls the transition back */
  handle(tx: Tx, event: DomainEvent): Promise<void>;
}

let installed: readonly Subscriber[] | null = null;

/**
 * Installs the process's subscribers (they run in this order). Returns the previous registry so a test can
 * put it back. Throws on a duplicate name or a subscriber without events.
 */
export function installSubscribers(subscribers: readonly Subscriber[]): readonly Subscriber[] | null {
  const names = new Set<string>();
  for (const s of subscribers) {
    if (names.has(s.name)) throw new Error(`duplicate event subscriber ${s.name}`);
    if (s.events.length === 0) throw new Error(`event subscriber ${s.name} handles no event`);
    names.add(s.name);
  }
  const previous = installed;
  installed = [...subscribers];
  return previous;
}

/** The installed subscribers; throws when none were installed (a composition root forgot to). */
export function installedSubscribers(): readonly Subscriber[] {
  if (!installed) {
    throw new Error(
      'no domain-event subscribers installed: call installAppSubscribers (src/subscribers.ts) at startup',
    );
  }
  return installed;
}

/** Runs every subscriber of `event.type`, in registry order, then marks the event dispatched. */
export async function dispatchDomainEvent(tx: Tx, event: DomainEvent): Promise<void> {
  for (const s of installedSubscribers()) {
    if (!s.events.includes(event.type)) continue;
    await s.handle(tx, event); // an error propagates as thrown (an AppError keeps its code)
  }
  await tx.$executeRaw`UPDATE domain_events SET dispatched_at = now() WHERE id = ${event.id}::uuid`;
}

/** Records the event (recordDomainEvent) and dispatches it, in the caller's transaction; returns its id. */
export async function publishDomainEvent(tx: Tx, e: DomainEventInput): Promise<string> {
  installedSubscribers(); // fail before writing anything when nothing is installed
  const id = await recordDomainEvent(tx, e);
  await dispatchDomainEvent(tx, {
    id,
    type: e.type,
    appealId: e.appealId,
    from: e.from ?? null,
    to: e.to ?? null,
    actor: { type: e.actor.type, id: e.actor.id ?? null },
    data: (e.data ?? {}) as Record<string, unknown>,
    occurredAt: e.occurredAt,
  });
  return id;
}
