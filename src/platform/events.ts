// Domain-event dispatch (issue 14): the appeal's events reach the modules that react to them through
// subscribers, not through calls in the producer. transitionAppeal / openAppeal record the event
// (recordDomainEvent) and hand it to dispatchDomainEvent in the SAME transaction, so a reaction that
// succeeds is atomic with the status change and written once: a subscriber writes its effect as an outbox
// row (the transactional outbox) together with its delivery record (domain_event_deliveries: event id +
// subscriber, the idempotency key).
//
// A subscriber's failure never undoes the transition: the due subscribers run inside one savepoint (their
// delivery records and the dispatched mark written in one statement when all succeed); when one throws,
// everything since that savepoint is rolled back, the subscribers before it run again one savepoint each
// and are recorded delivered, the failing one's writes stay undone, the event keeps `dispatched_at` null
// with the error and an attempt count, and the subscribers after it wait too (they may need its effect:
// the webhook carries the refund id). The transition commits. The workers' sweep (startEventRedispatch) later runs the event again
// in its own transaction: subscribers with a delivery record are skipped, the rest run in order.
//
// The registry is installed once per process at the composition root (src/subscribers.ts, called by
// createApp, startWorkers and the test environment). Dispatching before it was installed throws: a
// forgotten installation fails loudly instead of silently dropping every e-mail and webhook.
import type { Db, Tx } from './db.ts';
import type { Logger } from './logger.ts';
import { type DomainEventInput, recordDomainEvent, recordDomainEvents } from './outbox.ts';

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
  /**
   * Runs inside the transition's transaction, in a savepoint: throwing undoes only its own writes. It may
   * run twice in one dispatch (its writes rolled back in between: a later subscriber threw), so it writes
   * only through `tx`.
   */
  handle(tx: Tx, event: DomainEvent): Promise<void>;
  /**
   * Optional: the same effect as `handle` on each of several events of one transaction, in fewer
   * statements (dispatchDomainEvents). Throwing undoes the whole batch's reactions, which then run again
   * one event at a time through `handle`.
   */
  handleMany?(tx: Tx, events: readonly DomainEvent[]): Promise<void>;
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

/** What one dispatch did: every due subscriber delivered, or the first that failed (the rest wait). */
export interface DispatchResult {
  delivered: string[];
  failed: { subscriber: string; error: string } | null;
}

/**
 * Runs every subscriber of `event.type` that has no delivery record yet, in registry order, as if each
 * ran in a savepoint with its delivery record; stops at the first that throws (its writes rolled back, the
 * error kept on the event, the ones before it delivered). Marks the event dispatched when nothing is left. Never throws for a
 * subscriber's error: the caller's transaction (the transition) stands. `opts.fresh`: the event was
 * recorded in this very transaction (publishDomainEvent), so it has no delivery records to read.
 */
export async function dispatchDomainEvent(
  tx: Tx,
  event: DomainEvent,
  opts: { fresh?: boolean } = {},
): Promise<DispatchResult> {
  const due = installedSubscribers().filter((s) => s.events.includes(event.type));
  const done = new Set(
    opts.fresh || due.length === 0
      ? []
      : (
          await tx.$queryRaw<{ subscriber: string }[]>`
            SELECT subscriber FROM domain_event_deliveries WHERE event_id = ${event.id}::uuid`
        ).map((r) => r.subscriber),
  );
  const todo = due.filter((s) => !done.has(s.name));
  if (todo.length === 0) {
    await tx.$executeRaw`UPDATE domain_events SET dispatched_at = now() WHERE id = ${event.id}::uuid`;
    return { delivered: [], failed: null };
  }
  // The common path, everyone succeeds: one savepoint around all of them, their delivery records and the
  // dispatched mark in one statement. When one throws, everything since the savepoint is rolled back and
  // the subscribers before it run again one savepoint each (oneByOne), so the outcome is the per-subscriber
  // one: they are delivered, the failing one's writes are gone, its error is kept, the rest wait.
  await tx.$executeRawUnsafe('SAVEPOINT domain_event_subscribers');
  let failing = 0;
  try {
    for (; failing < todo.length; failing++) await todo[failing]!.handle(tx, event);
    const names = todo.map((s) => s.name);
    await tx.$executeRaw`
      WITH d AS (
        INSERT INTO domain_event_deliveries (event_id, subscriber)
        SELECT ${event.id}::uuid, unnest(${names}::text[])
      )
      UPDATE domain_events SET dispatched_at = now() WHERE id = ${event.id}::uuid`;
    await tx.$executeRawUnsafe('RELEASE SAVEPOINT domain_event_subscribers');
    return { delivered: names, failed: null };
  } catch (err) {
    await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT domain_event_subscribers');
    if (failing === todo.length) {
      // every handler ran but the delivery write failed: the per-subscriber path decides
      const out = await oneByOne(tx, event, todo);
      if (!out.failed) {
        await tx.$executeRaw`UPDATE domain_events SET dispatched_at = now() WHERE id = ${event.id}::uuid`;
      }
      return out;
    }
    const before = await oneByOne(tx, event, todo.slice(0, failing));
    if (before.failed) return before;
    const s = todo[failing]!;
    return { delivered: before.delivered, failed: await recordFailure(tx, event, s, err) };
  }
}

/** The per-subscriber path: each subscriber in its own savepoint with its delivery record. */
async function oneByOne(
  tx: Tx,
  event: DomainEvent,
  subscribers: readonly Subscriber[],
): Promise<DispatchResult> {
  const delivered: string[] = [];
  for (const s of subscribers) {
    await tx.$executeRawUnsafe('SAVEPOINT domain_event_subscriber');
    try {
      await s.handle(tx, event);
      await tx.$executeRaw`
        INSERT INTO domain_event_deliveries (event_id, subscriber) VALUES (${event.id}::uuid, ${s.name})`;
      await tx.$executeRawUnsafe('RELEASE SAVEPOINT domain_event_subscriber');
      delivered.push(s.name);
    } catch (err) {
      await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT domain_event_subscriber');
      return { delivered, failed: await recordFailure(tx, event, s, err) };
    }
  }
  return { delivered, failed: null };
}

/** Keeps a subscriber's error on the event (one attempt more); its writes were rolled back already. */
async function recordFailure(
  tx: Tx,
  event: DomainEvent,
  s: Subscriber,
  err: unknown,
): Promise<{ subscriber: string; error: string }> {
  const error = `${s.name}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
  await tx.$executeRaw`
    UPDATE domain_events SET attempts = attempts + 1, last_error = ${error} WHERE id = ${event.id}::uuid`;
  return { subscriber: s.name, error };
}

interface EventRow {
  id: string;
  type: string;
  appeal_id: string;
  from_status: string | null;
  to_status: string | null;
  actor_type: string;
  actor_id: string | null;
  data: Record<string, unknown>;
  occurred_at: Date;
}

/**
 * Runs again the events a subscriber failed on (dispatched_at null, recorded at least `minAgeMs` ago, fewer
 * than `maxAttempts` tries), each in its own transaction with the event row locked (SKIP LOCKED: several
 * workers share the work). Returns how many were looked at and how many are now fully dispatched.
 */
export async function redispatchPendingEvents(
  prisma: Db,
  opts: { limit?: number; minAgeMs?: number; maxAttempts?: number } = {},
): Promise<{ tried: number; dispatched: number }> {
  const { limit = 50, minAgeMs = 1000, maxAttempts = 100 } = opts;
  const ids = await prisma.$queryRaw<{ id: string }[]>`
    SELECT id FROM domain_events
    WHERE dispatched_at IS NULL AND attempts < ${maxAttempts}
      AND created_at < now() - make_interval(secs => ${minAgeMs / 1000})
    ORDER BY created_at LIMIT ${limit}`;
  let dispatched = 0;
  for (const { id } of ids) {
    const ok = await prisma.$transaction(async (tx) => {
      const [r] = await tx.$queryRaw<EventRow[]>`
        SELECT id, type, appeal_id, from_status::text, to_status::text, actor_type, actor_id, data, occurred_at
        FROM domain_events WHERE id = ${id}::uuid AND dispatched_at IS NULL FOR UPDATE SKIP LOCKED`;
      if (!r) return false;
      const out = await dispatchDomainEvent(tx, {
        id: r.id,
        type: r.type,
        appealId: r.appeal_id,
        from: r.from_status,
        to: r.to_status,
        actor: { type: r.actor_type, id: r.actor_id },
        data: r.data ?? {},
        occurredAt: r.occurred_at,
      });
      return out.failed === null;
    });
    if (ok) dispatched += 1;
  }
  return { tried: ids.length, dispatched };
}

/** The workers' loop over redispatchPendingEvents (every `intervalMs`) until stopped. */
export function startEventRedispatch(
  deps: { prisma: Db; logger: Logger },
  intervalMs = 5000,
): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        const r = await redispatchPendingEvents(deps.prisma);
        if (r.tried) deps.logger.info(r, 'domain events dispatched again');
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message }, 'domain-event redispatch pass failed; will retry');
      }
    });
  }, intervalMs);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** Records the event (recordDomainEvent) and dispatches it, in the caller's transaction; returns its id. */
export async function publishDomainEvent(tx: Tx, e: DomainEventInput): Promise<string> {
  installedSubscribers(); // fail before writing anything when nothing is installed
  const id = await recordDomainEvent(tx, e);
  // fresh: recorded just above, in this transaction, so no delivery record can exist yet
  await dispatchDomainEvent(tx, asDomainEvent(id, e), { fresh: true });
  return id;
}

/** The event as subscribers see it, from what was recorded under `id`. */
function asDomainEvent(id: string, e: DomainEventInput): DomainEvent {
  return {
    id,
    type: e.type,
    appealId: e.appealId,
    from: e.from ?? null,
    to: e.to ?? null,
    actor: { type: e.actor.type, id: e.actor.id ?? null },
    data: (e.data ?? {}) as Record<string, unknown>,
    occurredAt: e.occurredAt,
  };
}

/**
 * publishDomainEvent for several events of one transaction (the router's batch): recorded in one
 * statement and dispatched together (dispatchDomainEvents); returns their ids in order.
 */
export async function publishDomainEvents(tx: Tx, es: readonly DomainEventInput[]): Promise<string[]> {
  installedSubscribers();
  const ids = await recordDomainEvents(tx, es);
  await dispatchDomainEvents(
    tx,
    es.map((e, i) => asDomainEvent(ids[i]!, e)),
  );
  return ids;
}

/**
 * Dispatches events recorded in this very transaction (fresh: no delivery records yet) together: one
 * savepoint; each subscriber in registry order handles its events (handleMany when it has one, else
 * handle on each), so for every event its subscribers still run in registry order; then one statement
 * writes every delivery record and dispatched mark. When anything throws, everything since the savepoint
 * is rolled back and each event is dispatched alone (dispatchDomainEvent), so the outcome is the per-event
 * one: a failing subscriber leaves only its own event undispatched, with the error kept on it.
 */
export async function dispatchDomainEvents(tx: Tx, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (events.length === 1) {
    await dispatchDomainEvent(tx, events[0]!, { fresh: true });
    return;
  }
  await tx.$executeRawUnsafe('SAVEPOINT domain_event_batch');
  try {
    const pairs: { eventId: string; subscriber: string }[] = [];
    for (const s of installedSubscribers()) {
      const mine = events.filter((e) => s.events.includes(e.type));
      if (mine.length === 0) continue;
      if (s.handleMany) await s.handleMany(tx, mine);
      else for (const e of mine) await s.handle(tx, e);
      for (const e of mine) pairs.push({ eventId: e.id, subscriber: s.name });
    }
    await tx.$executeRaw`
      WITH d AS (
        INSERT INTO domain_event_deliveries (event_id, subscriber)
        SELECT unnest(${pairs.map((p) => p.eventId)}::uuid[]), unnest(${pairs.map((p) => p.subscriber)}::text[])
      )
      UPDATE domain_events SET dispatched_at = now() WHERE id = ANY(${events.map((e) => e.id)}::uuid[])`;
    await tx.$executeRawUnsafe('RELEASE SAVEPOINT domain_event_batch');
  } catch {
    await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT domain_event_batch');
    for (const e of events) await dispatchDomainEvent(tx, e, { fresh: true });
  }
}
