// The domain-event dispatcher (src/platform/events.ts): transitionAppeal records the event and runs every
// subscriber of its type inside the transition's transaction, in registry order, once; a subscriber that
// throws rolls back the status, the history entry, the event and what earlier subscribers wrote; an event
// nobody subscribes to is still recorded. The app's own registry (src/subscribers.ts) is put back after.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { transitionAppeal } from '../../src/modules/appeals/appeals.transition.ts';
import { type DomainEvent, installSubscribers, type Subscriber } from '../../src/platform/events.ts';
import { writeOutbox } from '../../src/platform/outbox.ts';
import { appSubscribers, installAppSubscribers } from '../../src/subscribers.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterEach(() => installAppSubscribers(env.config));
afterAll(async () => {
  await server.close();
  await env.close();
});

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
    const subs = appSubscribers(env.config);
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

  it('a subscriber that throws rolls back the status, the history, the event and the earlier subscribers', async () => {
    const appealId = await openedAppeal();
    installSubscribers([
      {
        name: 'writes',
        events: ['appeal.withdrawn'],
        handle: async (tx, event) => {
          await writeOutbox(tx, 'case.route', { appealId: event.appealId });
        },
      },
      {
        name: 'fails',
        events: ['appeal.withdrawn'],
        handle: async () => {
          throw new Error('subscriber down');
        },
      },
    ]);
    const before = await footprint(appealId);
    await expect(withdraw(appealId)).rejects.toThrow('subscriber down');
    const after = await footprint(appealId);
    expect(after).toEqual(before);
    expect(after.status).toBe('AWAITING_DOCUMENTS');
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
