// The router's set-based batch (review.routing.batch.ts, assignBatchFast, appeals.transition.ts
// assignHeldAppeals, events.ts dispatchDomainEvents; issue 18 point 3): one transaction routes several
// cases with one statement per table, and every case ends as transitionAppeal would have left it: status,
// assignee, one assignment row, one ASSIGNED history entry, one dispatched appeal.assigned event with its
// sla delivery and sla.schedule row, one audit record, its outbox row DONE. The cases go out in
// candidates()' order (fewest open cases first, then longest idle), never over a cap; a subscriber that
// fails on one event leaves only that event undispatched.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { BATCH_REVIEWER_SHARE, routeBatch } from '../../src/modules/review/review.routing.batch.ts';
import { installSubscribers, type Subscriber } from '../../src/platform/events.ts';
import { appSubscribers, installAppSubscribers } from '../../src/subscribers.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import {
  makeStaff,
  markSubmitted,
  processRouting,
  registerAppeal,
  type TestStaff,
} from '../support/review.ts';

let env: TestEnv;
let server: TestServer;

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
});
afterAll(async () => {
  await server.close();
  await env.close();
});
beforeEach(async () => {
  const { prisma } = env.deps;
  await prisma.staffUser.updateMany({ data: { active: false } });
  await prisma.outboxMessage.updateMany({
    where: { topic: 'case.route', status: { in: ['PENDING', 'PUBLISHED'] } },
    data: { status: 'DONE' },
  });
});
afterEach(() => installAppSubscribers(env.deps));

/** Statements this process sends while `fn` runs (every pg client query: Prisma's adapter-pg too). */
async function counted<T>(fn: () => Promise<T>): Promise<{ value: T; statements: number }> {
  const original = pg.Client.prototype.query;
  let statements = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
  try {
    return { value: await fn(), statements };
  } finally {
    pg.Client.prototype.query = original;
  }
}

async function submitted(n: number): Promise<{ appealId: string; outboxId: string }[]> {
  const out: { appealId: string; outboxId: string }[] = [];
  for (let i = 0; i < n; i++) {
    const appealId = await registerAppeal(client(server.url));
    await markSubmitted(env.deps, appealId);
    const row = await env.deps.prisma.outboxMessage.findFirstOrThrow({
      where: { topic: 'case.route', payload: { path: ['appealId'], equals: appealId } },
    });
    out.push({ appealId, outboxId: row.id });
  }
  return out;
}

it('routes a batch with one statement per table and leaves each case as a single transition would', async () => {
  const { prisma } = env.deps;
  const day = 86_400_000;
  const now = env.deps.clock.now().getTime();
  // A has an open case; B was never assigned, C long ago, D yesterday: best first B, C, D, then A
  const [a, b, c, d] = [
    await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 2, lastAssignedAt: new Date(now - 9 * day) }),
    await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 2 }),
    await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 2, lastAssignedAt: new Date(now - 5 * day) }),
    await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 2, lastAssignedAt: new Date(now - day) }),
  ] as [TestStaff, TestStaff, TestStaff, TestStaff];
  const [busy] = await submitted(1);
  await prisma.appeal.update({
    where: { id: busy!.appealId },
    data: { status: 'IN_REVIEW', assigneeId: a.id },
  });
  await prisma.outboxMessage.update({ where: { id: busy!.outboxId }, data: { status: 'DONE' } });
  // a batch of 2 x BATCH_REVIEWER_SHARE cases locks the two best reviewers, B and C
  const cases = await submitted(2 * BATCH_REVIEWER_SHARE);

  const { value: result, statements } = await counted(() => routeBatch(env.deps, cases[0]!));
  // B and C have room for 2 each: 4 routed here, the rest stay pending for their own jobs
  expect(result).toEqual({ own: { kind: 'settled' }, routed: 4 });
  // set-based: a fixed number of statements for the batch, not about 10 per routed case as before
  expect(statements).toBeLessThanOrEqual(24);

  const ids = cases.map((x) => x.appealId);
  const appeals = await prisma.appeal.findMany({ where: { id: { in: ids } } });
  const assigned = appeals.filter((x) => x.status === 'IN_REVIEW');
  expect(assigned).toHaveLength(4);
  // never over cap; the first case to the never-assigned B, the second to C (now the one with fewer open)
  const per = new Map<string, number>();
  for (const x of assigned) per.set(x.assigneeId!, (per.get(x.assigneeId!) ?? 0) + 1);
  expect(Object.fromEntries(per)).toEqual({ [b.id]: 2, [c.id]: 2 });
  const byId = new Map(appeals.map((x) => [x.id, x]));
  expect([byId.get(ids[0]!)!.assigneeId, byId.get(ids[1]!)!.assigneeId]).toEqual([b.id, c.id]);

  const assignedIds = assigned.map((a) => a.id);
  for (const a of assigned) {
    expect(a.assignedAt).not.toBeNull();
    const rows = await prisma.caseAssignment.findMany({ where: { appealId: a.id } });
    expect(rows.map((r) => [r.reviewerId, r.reason])).toEqual([[a.assigneeId, 'ROUTED']]);
    const history = await prisma.caseHistory.findMany({ where: { appealId: a.id, action: 'ASSIGNED' } });
    expect(history.map((h) => [h.fromStatus, h.toStatus, h.actorType, h.actorId, h.reason])).toEqual([
      ['SUBMITTED', 'IN_REVIEW', 'SYSTEM', 'router', 'ROUTED'],
    ]);
    expect(history[0]!.data).toEqual({ reviewerId: a.assigneeId });
    const events = await prisma.domainEvent.findMany({
      where: { appealId: a.id, type: 'appeal.assigned' },
      include: { deliveries: true },
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      fromStatus: 'SUBMITTED',
      toStatus: 'IN_REVIEW',
      actorType: 'SYSTEM',
      actorId: 'router',
      data: { assigneeId: a.assigneeId, reason: 'ROUTED' },
    });
    expect(events[0]!.dispatchedAt).not.toBeNull();
    expect(events[0]!.deliveries.map((d) => d.subscriber)).toEqual(['sla']);
  }
  const sla = await prisma.outboxMessage.findMany({ where: { topic: 'sla.schedule' } });
  const scheduled = sla.map((r) => (r.payload as { appealId: string }).appealId);
  for (const id of assignedIds) expect(scheduled.filter((x) => x === id)).toHaveLength(1);
  const audits = await prisma.auditLog.findMany({
    where: { action: 'CASE_ASSIGNED', appealId: { in: ids } },
  });
  expect(audits.map((r) => r.appealId).sort()).toEqual([...assignedIds].sort());
  // routed rows DONE with their outcome, the rest still pending
  const routeRows = await prisma.outboxMessage.findMany({
    where: { id: { in: cases.map((x) => x.outboxId) } },
  });
  expect(routeRows.filter((r) => r.status === 'DONE')).toHaveLength(4);
  expect(routeRows.filter((r) => r.status === 'PENDING')).toHaveLength(cases.length - 4);
  for (const r of routeRows.filter((x) => x.status === 'DONE')) {
    const a = appeals.find((x) => x.id === (r.payload as { appealId: string }).appealId)!;
    expect(r.result).toEqual({ outcome: 'assigned', reviewerId: a.assigneeId });
  }
  // the staff rows' last_assigned_at moved for B and C only
  const staff = await prisma.staffUser.findMany({ where: { id: { in: [a.id, b.id, c.id, d.id] } } });
  const moved = staff
    .filter((x) => x.lastAssignedAt && x.lastAssignedAt.getTime() >= now - 1000)
    .map((x) => x.id);
  expect(moved.sort()).toEqual([b.id, c.id].sort());

  // the cases left over are routed by their own jobs (the full algorithm): A's and D's room, then the pool
  await processRouting(env.deps);
  const after = await prisma.appeal.findMany({ where: { id: { in: ids } } });
  const counts = new Map<string | null, number>();
  for (const x of after) counts.set(x.assigneeId, (counts.get(x.assigneeId) ?? 0) + 1);
  expect(Object.fromEntries(counts)).toEqual({
    [a.id]: 1,
    [b.id]: 2,
    [c.id]: 2,
    [d.id]: 2,
    null: cases.length - 7,
  });
});

it('a subscriber failing on one event of the batch leaves only that event undispatched', async () => {
  const { prisma } = env.deps;
  await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 10 });
  const cases = await submitted(3);
  const failOn = cases[1]!.appealId;
  const flaky: Subscriber = {
    name: 'flaky',
    events: ['appeal.assigned'],
    async handle(_tx, event) {
      if (event.appealId === failOn) throw new Error('flaky subscriber');
    },
  };
  installSubscribers([...appSubscribers(env.deps), flaky]);

  const result = await routeBatch(env.deps, cases[0]!);
  expect(result.routed).toBe(3);
  const events = await prisma.domainEvent.findMany({
    where: { appealId: { in: cases.map((c) => c.appealId) }, type: 'appeal.assigned' },
    include: { deliveries: true },
  });
  expect(events).toHaveLength(3);
  for (const e of events) {
    const names = e.deliveries.map((d) => d.subscriber).sort();
    if (e.appealId === failOn) {
      // the transition stands; sla delivered, flaky's error kept for the sweep
      expect(e.dispatchedAt).toBeNull();
      expect(e.lastError).toMatch(/flaky: flaky subscriber/);
      expect(names).toEqual(['sla']);
    } else {
      expect(e.dispatchedAt).not.toBeNull();
      expect(names).toEqual(['flaky', 'sla']);
    }
  }
  const appeals = await prisma.appeal.findMany({ where: { id: { in: cases.map((c) => c.appealId) } } });
  expect(appeals.every((a) => a.status === 'IN_REVIEW')).toBe(true);
  // one sla.schedule row per case, none doubled by the fallback
  const sla = await prisma.outboxMessage.findMany({ where: { topic: 'sla.schedule' } });
  for (const c of cases) {
    expect(sla.filter((r) => (r.payload as { appealId: string }).appealId === c.appealId)).toHaveLength(1);
  }
});
