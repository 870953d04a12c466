// The domain-event dispatcher (src/platform/events.ts): transitionAppeal records the event and runs every
// subscriber of its type inside the transition's transaction, in registry order, once; a subscriber that
// throws is rolled back to its savepoint and never undoes the transition: it and the subscribers after it
// are run again by the sweep (redispatchPendingEvents), each once, by its delivery record; an event nobody
// subscribes to is still recorded. The app's own registry (src/subscribers.ts) is put back after.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { transitionAppeal } from '../../src/modules/appeals/appeals.transition.ts';
import {
  type DomainEvent,
  installSubscribers,
  redispatchPendingEvents,
  type Subscriber,
} from '../../src/platform/events.ts';
import { writeOutbox } from '../../src/platform/outbox.ts';
import { appSubscribers, installAppSubscribers } from '../../src/subscribers.ts';
import type { TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import type { TestServer } from '../support/http.ts';
import { type Call, startApiEnv, stopApiEnv } from '../support/api-env.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;

beforeAll(async () => {
  ({ env, server, call } = await startApiEnv());
});
afterEach(() => installAppSubscribers(env.deps));
afterAll(() => stopApiEnv(env, server));

async function openedAppeal(): Promise<string> {
  const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
  expect(r.status).toBe(201);
  return r.body.appealId as string;
}

function withdraw(appealId: string) {
  return env.deps.prisma.$transaction((tx) =>
    transitionAppeal(
      tx,
      appealId,
      'WITHDRAW',
      { type: 'BUYER' },
      { now: env.clock.now(), action: 'APPEAL_WITHDRAWN' },
    ),
  );
}

async function footprint(appealId: string) {
  const p = env.deps.prisma;
  const [appeal, history, events, routed] = await Promise.all([
    p.appeal.findUniqueOrThrow({ where: { id: appealId }, select: { status: true } }),
    p.caseHistory.count({ where: { appealId } }),
    p.domainEvent.findMany({ where: { appealId }, orderBy: { createdAt: 'asc' } }),
    p.outboxMessage.count({
      where: { topic: 'case.route', payload: { path: ['appealId'], equals: appealId } },
    }),
  ]);
  return { status: appeal.status, history, events, routed };
}

describe('domain-event dispatch', () => {
  it('the app registry names each subscriber once and every one handles at least one event', () => {
    const subs = appSubscribers(env.deps);
    expect(new Set(subs.map((s) => s.name)).size).toBe(subs.length);
    expect(() => installSubscribers(subs)).not.toThrow();
    const dup: Subscriber = { name: 'dup', events: ['appeal.opened'], handle: async () => {} };
    expect(() => installSubscribers([dup, dup])).toThrow(/duplicate/);
    expect(() => installSubscribers([{ ...dup, events: [] }])).toThrow(/no event/);
  });

  it('runs every subscriber of the event once, in registry order, in the transaction, and marks it dispatched', async () => {
    const appealId = await openedAppeal();
    const seen: { name: string; event: DomainEvent; statusInTx: string }[] = [];
    const sub = (name: string, events: string[]): Subscriber => ({
      name,
      events,
      async handle(tx, event) {
        const row = await tx.appeal.findUniqueOrThrow({
          where: { id: event.appealId },
          select: { status: true },
        });
        seen.push({ name, event, statusInTx: row.status });
        await writeOutbox(tx, 'case.route', { appealId: event.appealId });
      },
    });
    installSubscribers([
      sub('first', ['appeal.withdrawn']),
      sub('other', ['appeal.decided']),
      sub('second', ['appeal.expired', 'appeal.withdrawn']),
    ]);
    const before = await footprint(appealId);
    const r = await withdraw(appealId);

    expect(seen.map((s) => s.name)).toEqual(['first', 'second']);
    for (const s of seen) {
      expect(s.event).toMatchObject({ id: r.eventId, type: 'appeal.withdrawn', appealId, to: 'WITHDRAWN' });
      expect(s.statusInTx).toBe('WITHDRAWN'); // the subscriber sees the transition it reacts to
    }
    const after = await footprint(appealId);
    expect(after.status).toBe('WITHDRAWN');
    expect(after.history).toBe(before.history + 1);
    expect(after.routed).toBe(before.routed + 2);
    const event = after.events.find((e) => e.id === r.eventId)!;
    expect(event.type).toBe('appeal.withdrawn');
    expect(event.dispatchedAt).toBeInstanceOf(Date);
  });

  it('a subscriber that throws never undoes the transition: its writes and the ones after it wait for the sweep, which runs each once', async () => {
    const appealId = await openedAppeal();
    let down = true;
    const runs: string[] = [];
    const writes = (name: string): Subscriber => ({
      name,
      events: ['appeal.withdrawn'],
      handle: async (tx, event) => {
        runs.push(name);
        await writeOutbox(tx, 'case.route', { appealId: event.appealId });
      },
    });
    installSubscribers([
      writes('before'),
      {
        name: 'flaky',
        events: ['appeal.withdrawn'],
        handle: async (tx, event) => {
          runs.push('flaky');
          await writeOutbox(tx, 'case.route', { appealId: event.appealId }); // rolled back when it throws
          if (down) throw new Error('subscriber down');
        },
      },
      writes('after'),
    ]);
    const before = await footprint(appealId);
    const r = await withdraw(appealId);
    let now = await footprint(appealId);
    // the transition stands: status, history, event; only the first subscriber's write is in
    expect(now.status).toBe('WITHDRAWN');
    expect(now.history).toBe(before.history + 1);
    expect(now.routed).toBe(before.routed + 1);
    const event = await env.deps.prisma.domainEvent.findUniqueOrThrow({
      where: { id: r.eventId },
      include: { deliveries: true },
    });
    expect(event.dispatchedAt).toBeNull();
    expect([event.attempts, event.lastError]).toEqual([1, 'flaky: subscriber down']);
    expect(event.deliveries.map((d) => d.subscriber)).toEqual(['before']);
    // all due subscribers share one savepoint: when flaky threw, 'before' was rolled back with it and run
    // again on its own (its one case.route row above); flaky itself ran once
    expect(runs).toEqual(['before', 'flaky', 'before']);

    // the sweep while still failing: one more attempt, nothing new delivered, 'before' not run again
    expect(await redispatchPendingEvents(env.deps.prisma, { minAgeMs: 0 })).toMatchObject({ dispatched: 0 });
    expect(runs).toEqual(['before', 'flaky', 'before', 'flaky']);
    // recovered: the sweep runs flaky and after, once; the event is dispatched; a further sweep does nothing
    down = false;
    expect(await redispatchPendingEvents(env.deps.prisma, { minAgeMs: 0 })).toEqual({
      tried: 1,
      dispatched: 1,
    });
    expect(await redispatchPendingEvents(env.deps.prisma, { minAgeMs: 0 })).toEqual({
      tried: 0,
      dispatched: 0,
    });
    expect(runs).toEqual(['before', 'flaky', 'before', 'flaky', 'flaky', 'after']);
    now = await footprint(appealId);
    expect(now.routed).toBe(before.routed + 3);
    const done = await env.deps.prisma.domainEvent.findUniqueOrThrow({
      where: { id: r.eventId },
      include: { deliveries: { orderBy: { deliveredAt: 'asc' } } },
    });
    expect(done.dispatchedAt).toBeInstanceOf(Date);
    expect(done.attempts).toBe(2);
    expect(done.deliveries.map((d) => d.subscriber).sort()).toEqual(['after', 'before', 'flaky']);
  });

  it('a subscriber that throws an SQL error leaves the transaction usable (rolled back to its savepoint)', async () => {
    const appealId = await openedAppeal();
    installSubscribers([
      {
        name: 'bad-sql',
        events: ['appeal.withdrawn'],
        handle: async (tx) => {
          await tx.$executeRawUnsafe('SELECT * FROM no_such_table');
        },
      },
    ]);
    const r = await withdraw(appealId);
    const e = await env.deps.prisma.domainEvent.findUniqueOrThrow({ where: { id: r.eventId } });
    expect(e.dispatchedAt).toBeNull();
    expect(e.lastError).toMatch(/^bad-sql: /);
    expect((await footprint(appealId)).status).toBe('WITHDRAWN');
  });

  it('the last of several subscribers throws: the ones before it are delivered with their writes, its own writes are undone', async () => {
    const appealId = await openedAppeal();
    const runs: string[] = [];
    const writer = (name: string, fail = false): Subscriber => ({
      name,
      events: ['appeal.withdrawn'],
      handle: async (tx, event) => {
        runs.push(name);
        await writeOutbox(tx, 'case.route', { appealId: event.appealId });
        if (fail) throw new Error(`${name} broke`);
      },
    });
    installSubscribers([writer('one'), writer('two'), writer('three', true)]);
    const before = await footprint(appealId);
    const r = await withdraw(appealId);
    const now = await footprint(appealId);
    expect(now.status).toBe('WITHDRAWN');
    expect(now.history).toBe(before.history + 1);
    expect(now.routed).toBe(before.routed + 2); // one's and two's rows, not three's
    const event = await env.deps.prisma.domainEvent.findUniqueOrThrow({
      where: { id: r.eventId },
      include: { deliveries: true },
    });
    expect(event.dispatchedAt).toBeNull();
    expect([event.attempts, event.lastError]).toEqual([1, 'three: three broke']);
    expect(event.deliveries.map((d) => d.subscriber).sort()).toEqual(['one', 'two']);
    expect(runs.filter((n) => n === 'three')).toEqual(['three']);
  });

  it('an SQL error in the middle subscriber: the first is delivered, the last waits, the transaction stands', async () => {
    const appealId = await openedAppeal();
    const ran: string[] = [];
    installSubscribers([
      {
        name: 'first',
        events: ['appeal.withdrawn'],
        handle: async (tx, event) => {
          ran.push('first');
          await writeOutbox(tx, 'case.route', { appealId: event.appealId });
        },
      },
      {
        name: 'bad-sql',
        events: ['appeal.withdrawn'],
        handle: async (tx, event) => {
          await writeOutbox(tx, 'case.route', { appealId: event.appealId });
          await tx.$executeRawUnsafe('SELECT * FROM no_such_table');
        },
      },
      {
        name: 'last',
        events: ['appeal.withdrawn'],
        handle: async () => void ran.push('last'),
      },
    ]);
    const before = await footprint(appealId);
    const r = await withdraw(appealId);
    const now = await footprint(appealId);
    expect(now.status).toBe('WITHDRAWN');
    expect(now.routed).toBe(before.routed + 1);
    expect(ran).not.toContain('last');
    const event = await env.deps.prisma.domainEvent.findUniqueOrThrow({
      where: { id: r.eventId },
      include: { deliveries: true },
    });
    expect(event.dispatchedAt).toBeNull();
    expect(event.attempts).toBe(1);
    expect(event.lastError).toMatch(/^bad-sql: /);
    expect(event.deliveries.map((d) => d.subscriber)).toEqual(['first']);
  });

  it('when the shared delivery write fails, the per-subscriber path decides who is delivered', async () => {
    const appealId = await openedAppeal();
    installSubscribers([
      {
        // writes a delivery record for 'victim' itself: the shared insert conflicts on it
        name: 'sneaky',
        events: ['appeal.withdrawn'],
        handle: async (tx, event) => {
          await tx.$executeRaw`
            INSERT INTO domain_event_deliveries (event_id, subscriber) VALUES (${event.id}::uuid, 'victim')`;
        },
      },
      { name: 'victim', events: ['appeal.withdrawn'], handle: async () => {} },
    ]);
    const r = await withdraw(appealId);
    expect((await footprint(appealId)).status).toBe('WITHDRAWN');
    const event = await env.deps.prisma.domainEvent.findUniqueOrThrow({
      where: { id: r.eventId },
      include: { deliveries: true },
    });
    expect(event.dispatchedAt).toBeNull();
    expect(event.attempts).toBe(1);
    expect(event.lastError).toMatch(/^victim: /);
    expect(event.deliveries.map((d) => d.subscriber).sort()).toEqual(['sneaky', 'victim']);
  });

  it('an event nobody subscribes to is still recorded (and marked dispatched)', async () => {
    const appealId = await openedAppeal();
    installSubscribers([{ name: 'elsewhere', events: ['appeal.decided'], handle: async () => {} }]);
    const before = await footprint(appealId);
    const r = await withdraw(appealId);
    const after = await footprint(appealId);
    expect(after.status).toBe('WITHDRAWN');
    expect(after.history).toBe(before.history + 1);
    expect(after.events.map((e) => e.id)).toEqual([...before.events.map((e) => e.id), r.eventId]);
    expect(after.events.at(-1)!.dispatchedAt).toBeInstanceOf(Date);
  });

  it('openAppeal dispatches appeal.opened through the same registry', async () => {
    const opened: string[] = [];
    installSubscribers([
      { name: 'opened', events: ['appeal.opened'], handle: async (_tx, e) => void opened.push(e.appealId) },
    ]);
    const appealId = await openedAppeal();
    expect(opened).toEqual([appealId]);
  });
});
