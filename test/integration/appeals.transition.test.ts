// transitionAppeal (src/modules/appeals/appeals.transition.ts) is the one writer of the appeal's status.
// Every (status, event) pair of the state machine is tried; the expectation comes from the rules table
// (nextStatus), not from a copy of it: a legal move writes the row, the history entry and the domain
// event in one transaction; an illegal one throws APPEAL.INVALID_TRANSITION and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPEAL_EVENTS,
  APPEAL_STATUSES,
  type AppealEvent,
  type AppealStatus,
  nextStatus,
} from '../../src/modules/appeals/appeals.rules.ts';
import { DOMAIN_EVENT, transitionAppeal } from '../../src/modules/appeals/appeals.transition.ts';
import { AppError } from '../../src/platform/errors.ts';
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
afterAll(() => stopApiEnv(env, server));

/** An appeal put straight into `status` (test setup only: the product never writes status like this). */
async function appealIn(status: AppealStatus): Promise<string> {
  const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
  expect(r.status).toBe(201);
  const appealId = r.body.appealId as string;
  await env.deps.prisma.appeal.update({ where: { id: appealId }, data: { status } });
  return appealId;
}

async function footprint(appealId: string) {
  const p = env.deps.prisma;
  const [appeal, history, events] = await Promise.all([
    p.appeal.findUniqueOrThrow({ where: { id: appealId }, select: { status: true, closedAt: true } }),
    p.caseHistory.count({ where: { appealId } }),
    p.domainEvent.count({ where: { appealId } }),
  ]);
  return { ...appeal, history, events };
}

const pairs = APPEAL_STATUSES.flatMap((s) => APPEAL_EVENTS.map((e) => [s, e] as [AppealStatus, AppealEvent]));
const legal = pairs.filter(([s, e]) => nextStatus(s, e) !== null);
const illegal = pairs.filter(([s, e]) => nextStatus(s, e) === null);

describe('transitionAppeal', () => {
  it('the rules table has legal and illegal moves for every event (the walk below is not empty)', () => {
    expect(legal.length).toBeGreaterThan(APPEAL_EVENTS.length - 1);
    for (const e of APPEAL_EVENTS) expect(legal.some(([, ev]) => ev === e)).toBe(true);
    expect(illegal.length).toBeGreaterThan(0);
  });

  it.each(legal)(
    '%s --%s--> the next status: row, history entry and domain event together',
    async (from, event) => {
      const appealId = await appealIn(from);
      const to = nextStatus(from, event)!;
      const now = env.clock.now();
      const before = await footprint(appealId);
      const result = await env.deps.prisma.$transaction((tx) =>
        transitionAppeal(
          tx,
          appealId,
          event,
          { type: 'SYSTEM', id: 'test' },
          {
            now,
            action: `TEST_${event}`,
            patch: { closedAt: now },
            reason: 'walk',
            eventData: { probe: 1 },
          },
        ),
      );
      expect(result).toMatchObject({ from, to });
      const after = await footprint(appealId);
      expect(after).toEqual({
        status: to,
        closedAt: now,
        history: before.history + 1,
        events: before.events + 1,
      });
      const h = await env.deps.prisma.caseHistory.findFirstOrThrow({
        where: { appealId, action: `TEST_${event}` },
      });
      expect([h.fromStatus, h.toStatus, h.actorType, h.actorId, h.reason]).toEqual([
        from,
        to,
        'SYSTEM',
        'test',
        'walk',
      ]);
      const ev = await env.deps.prisma.domainEvent.findUniqueOrThrow({ where: { id: result.eventId } });
      expect(ev).toMatchObject({
        type: DOMAIN_EVENT[event],
        appealId,
        fromStatus: from,
        toStatus: to,
        dispatchedAt: expect.any(Date), // dispatched to its subscribers in the same transaction
      });
      expect(ev.data).toMatchObject({ probe: 1 });
      if (ev.type === 'appeal.decided') expect(ev.data).toMatchObject({ outcome: to });
    },
  );

  it.each(illegal)(
    '%s --%s--> refused with APPEAL.INVALID_TRANSITION, nothing written',
    async (from, event) => {
      const appealId = await appealIn(from);
      const before = await footprint(appealId);
      const now = env.clock.now();
      const err = await env.deps.prisma
        .$transaction((tx) =>
          transitionAppeal(
            tx,
            appealId,
            event,
            { type: 'SYSTEM' },
            { now, action: 'X', patch: { closedAt: now } },
          ),
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('APPEAL.INVALID_TRANSITION');
      expect((err as AppError).details).toEqual({ status: from, event });
      expect(await footprint(appealId)).toEqual(before);
    },
  );

  it('an unknown appeal is APPEAL.NOT_FOUND', async () => {
    const err = await env.deps.prisma
      .$transaction((tx) =>
        transitionAppeal(
          tx,
          '00000000-0000-4000-8000-000000000000',
          'SUBMIT',
          { type: 'BUYER' },
          {
            now: env.clock.now(),
            action: 'X',
          },
        ),
      )
      .catch((e: unknown) => e);
    expect((err as AppError).code).toBe('APPEAL.NOT_FOUND');
  });

  it('held: the caller locked the row and read its status; the move is made from that status', async () => {
    const appealId = await appealIn('SUBMITTED');
    const before = await footprint(appealId);
    const r = await env.deps.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM appeals WHERE id = ${appealId}::uuid FOR UPDATE`;
      return transitionAppeal(
        tx,
        appealId,
        'ROUTE',
        { type: 'SYSTEM', id: 'router' },
        { held: { status: 'SUBMITTED' }, now: env.clock.now(), action: 'ASSIGNED' },
      );
    });
    expect([r.from, r.to]).toEqual(['SUBMITTED', 'IN_REVIEW']);
    const after = await footprint(appealId);
    expect(after.status).toBe('IN_REVIEW');
    expect([after.history, after.events]).toEqual([before.history + 1, before.events + 1]);
  });

  it('held with a status the appeal is not in throws and writes nothing (the write checks the claim)', async () => {
    const appealId = await appealIn('IN_REVIEW');
    const before = await footprint(appealId);
    const err = await env.deps.prisma
      .$transaction((tx) =>
        transitionAppeal(
          tx,
          appealId,
          'ROUTE',
          { type: 'SYSTEM', id: 'router' },
          { held: { status: 'SUBMITTED' }, now: env.clock.now(), action: 'ASSIGNED' },
        ),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/is not SUBMITTED under the caller's lock/);
    expect(await footprint(appealId)).toEqual(before);
  });

  it('opening an appeal records appeal.opened', async () => {
    const appealId = await appealIn('AWAITING_DOCUMENTS');
    const evs = await env.deps.prisma.domainEvent.findMany({ where: { appealId } });
    expect(evs.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['appeal.opened', null, 'AWAITING_DOCUMENTS'],
    ]);
  });
});
