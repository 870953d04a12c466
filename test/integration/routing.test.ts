// Routing: who gets a case, the unassigned pool, idempotence, and the two-router concurrency proof.
import { randomBytes, randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { drainPoolHandler } from '../../src/modules/review/review.worker.ts';
import { POOL_HOLD_RULE, routeCase } from '../../src/modules/review/review.routing.ts';
import { type Database, openDatabase } from '../../src/platform/db.ts';
import type { Deps } from '../../src/platform/deps.ts';
import { type JobContext, runJob } from '../../src/platform/jobs.ts';
import type { Mailer } from '../../src/platform/mailer.ts';
import { relayOutbox } from '../../src/platform/outbox.ts';
import { workerConnection } from '../../src/platform/redis.ts';
import { handlers } from '../../workers/handlers.ts';
import { startWorkers } from '../../workers/main.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { makeStaff, markSubmitted, registerAppeal, submittedCase } from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  env = await createTestEnv({}, { poolSize: 6 });
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterAll(async () => {
  await server.close();
  await env.close();
});
beforeEach(async () => {
  await env.deps.prisma.staffUser.updateMany({ data: { active: false } });
});

async function assignee(id: string) {
  return (await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } })).assigneeId;
}

describe('who gets the case', () => {
  it('fewest open cases first, then longest idle (never assigned first)', async () => {
    const t0 = env.clock.now();
    const busy = await makeStaff(env.deps, ['REVIEWER'], {
      lastAssignedAt: new Date(t0.getTime() - 10 * 3_600_000),
    });
    const recent = await makeStaff(env.deps, ['REVIEWER'], {
      lastAssignedAt: new Date(t0.getTime() - 3_600_000),
    });
    const idle = await makeStaff(env.deps, ['REVIEWER'], {
      lastAssignedAt: new Date(t0.getTime() - 5 * 3_600_000),
    });
    const fresh = await makeStaff(env.deps, ['REVIEWER']);
    // `busy` already has a case: lead-assign one directly
    const first = await registerAppeal(call);
    await markSubmitted(env.deps, first);
    await env.deps.prisma.appeal.update({
      where: { id: first },
      data: { status: 'IN_REVIEW', assigneeId: busy.id },
    });
    await env.deps.prisma.outboxMessage.updateMany({
      where: { topic: 'case.route' },
      data: { status: 'DONE' },
    });

    const order: (string | null)[] = [];
    for (let i = 0; i < 4; i++) order.push(await assignee(await submittedCase(env.deps, call)));
    // zero open: fresh (never assigned), idle (5 h), recent (1 h); then everyone has 1 and busy idled longest
    expect(order).toEqual([fresh.id, idle.id, recent.id, busy.id]);
  });

  it('no eligible reviewer (on leave, inactive, at the cap, not a REVIEWER): the pool, IN_REVIEW without assignee', async () => {
    const now = env.clock.now();
    await makeStaff(env.deps, ['REVIEWER']).then((s) =>
      env.deps.prisma.staffUser.update({
        where: { id: s.id },
        data: { onLeaveUntil: new Date(now.getTime() + 86_400_000) },
      }),
    );
    await makeStaff(env.deps, ['REVIEWER']).then((s) =>
      env.deps.prisma.staffUser.update({ where: { id: s.id }, data: { active: false } }),
    );
    await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 0 });
    await makeStaff(env.deps, ['LEAD', 'FINANCE']);
    const back = await makeStaff(env.deps, ['REVIEWER']);
    await env.deps.prisma.staffUser.update({
      where: { id: back.id },
      data: { onLeaveUntil: new Date(now.getTime() + 3_600_000) },
    });

    const a = await submittedCase(env.deps, call);
    env.clock.advance(60_000);
    const b = await submittedCase(env.deps, call);
    for (const id of [a, b]) {
      const row = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
      expect([row.status, row.assigneeId]).toEqual(['IN_REVIEW', null]);
      const h = await env.deps.prisma.caseHistory.findFirstOrThrow({
        where: { appealId: id, action: 'ROUTED_TO_POOL' },
      });
      expect([h.fromStatus, h.toStatus, h.reason]).toEqual([
        'SUBMITTED',
        'IN_REVIEW',
        'NO_ELIGIBLE_REVIEWER',
      ]);
    }
    expect(await env.deps.prisma.caseAssignment.count({ where: { appealId: { in: [a, b] } } })).toBe(0);

    // the reviewer back from leave gets the pool cases, most urgent first, from the periodic sweep
    env.clock.advance(3_600_000);
    await drainPoolHandler({}, { deps: env.deps } as unknown as JobContext);
    expect([await assignee(a), await assignee(b)]).toEqual([back.id, back.id]);
    const asg = await env.deps.prisma.caseAssignment.findMany({ where: { appealId: a } });
    expect(asg.map((x) => x.reason)).toEqual(['POOL']);
  });

  it('routing is idempotent: a re-delivered job changes nothing', async () => {
    const r = await makeStaff(env.deps, ['REVIEWER']);
    const id = await submittedCase(env.deps, call);
    expect(await assignee(id)).toBe(r.id);
    const before = await env.deps.prisma.caseHistory.count({ where: { appealId: id } });
    await makeStaff(env.deps, ['REVIEWER']);
    expect(await routeCase(env.deps, id)).toEqual({ outcome: 'skipped', status: 'IN_REVIEW' });
    expect(await env.deps.prisma.caseHistory.count({ where: { appealId: id } })).toBe(before);
    expect(await env.deps.prisma.caseAssignment.count({ where: { appealId: id } })).toBe(1);
  });
});

describe("a lead's return to the pool", () => {
  it('holds: the sweep and a re-delivered route job leave it in the pool; once warnAt passes, it goes to another reviewer', async () => {
    const first = await makeStaff(env.deps, ['REVIEWER']);
    const lead = await makeStaff(env.deps, ['LEAD']);
    const id = await submittedCase(env.deps, call);
    expect(await assignee(id)).toBe(first.id);

    const back = await call('POST', `/api/v1/cases/${id}/assign`, {
      token: lead.token,
      body: { reviewerId: null },
    });
    expect(back.status).toBe(200);
    const second = await makeStaff(env.deps, ['REVIEWER']);
    // the sweep runs every minute; the issue saw the case routed back ~28 s after the return
    for (let i = 0; i < 3; i++) {
      env.clock.advance(30_000);
      await drainPoolHandler({}, { deps: env.deps } as unknown as JobContext);
    }
    expect(await routeCase(env.deps, id)).toEqual({ outcome: 'held' });
    expect(await assignee(id)).toBe(null);
    const returned = await env.deps.prisma.caseHistory.findFirstOrThrow({
      where: { appealId: id, action: 'UNASSIGNED' },
      orderBy: { id: 'desc' },
    });
    expect(returned.reason).toBe('LEAD_TO_POOL');
    expect(returned.data).toMatchObject({ previousAssigneeId: first.id, hold: POOL_HOLD_RULE });
    const pool = await call('GET', '/api/v1/cases?assignee=unassigned', { token: second.token });
    expect(pool.body.items.map((c: { id: string }) => c.id)).toContain(id);

    // the sweep's rule: past the SLA warning time it is routed, and never to the reviewer it was taken from
    const { warnAt } = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    await env.deps.prisma.staffUser.update({ where: { id: first.id }, data: { lastAssignedAt: null } });
    env.clock.set(new Date(warnAt!.getTime() + 1_000));
    await drainPoolHandler({}, { deps: env.deps } as unknown as JobContext);
    expect(await assignee(id)).toBe(second.id);
    const released = await env.deps.prisma.caseHistory.findFirstOrThrow({
      where: { appealId: id, action: 'ASSIGNED' },
      orderBy: { id: 'desc' },
    });
    expect(released.reason).toBe('POOL_HOLD_RELEASED');
    expect(released.data).toMatchObject({
      reviewerId: second.id,
      rule: 'WARN_AT_PASSED',
      returnedFrom: first.id,
    });
  });

  it('a lead assigning it ends the hold; the only reviewer left is the one it was taken from: it stays in the pool', async () => {
    const only = await makeStaff(env.deps, ['REVIEWER']);
    const lead = await makeStaff(env.deps, ['LEAD']);
    const id = await submittedCase(env.deps, call);
    expect(await assignee(id)).toBe(only.id);
    await call('POST', `/api/v1/cases/${id}/assign`, { token: lead.token, body: { reviewerId: null } });
    const { warnAt } = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    env.clock.set(new Date(warnAt!.getTime() + 1_000));
    expect(await routeCase(env.deps, id)).toEqual({ outcome: 'pool', needsLead: false });
    expect(await assignee(id)).toBe(null);
    const again = await call('POST', `/api/v1/cases/${id}/assign`, {
      token: lead.token,
      body: { reviewerId: only.id },
    });
    expect(again.status).toBe(200);
    expect(await assignee(id)).toBe(only.id);
  });
});

describe('through the worker process', () => {
  it('startWorkers relays the outbox and routes a submission; the minute SLA sweep is scheduled', async () => {
    const r = await makeStaff(env.deps, ['REVIEWER']);
    const mailer = { send: async () => ({}), close: () => {} } as unknown as Mailer;
    const set = await startWorkers(env.runtime, { mailer, queues: ['routing'], relay: true });
    try {
      const id = await registerAppeal(call);
      await markSubmitted(env.deps, id);
      for (let i = 0; (await assignee(id)) === null; i++) {
        if (i > 400) throw new Error('not routed');
        await new Promise((res) => setTimeout(res, 25));
      }
      expect(await assignee(id)).toBe(r.id);
      const schedulers = await env.deps.queues.sla.getJobSchedulers();
      const sweep = schedulers.find((s) => s.key === 'sla-sweep' || s.id === 'sla-sweep');
      expect(sweep?.name).toBe('sla.sweep');
      expect(Number(sweep?.every)).toBe(60_000);
    } finally {
      await set.close();
    }
  });
});

/** 50 blocked orders with SUBMITTED appeals and their 'case.route' rows, written at once. */
async function fiftySubmissions(deps: Deps): Promise<string[]> {
  const now = deps.clock.now();
  const orderIds = Array.from({ length: 50 }, () => randomUUID());
  const ids = Array.from({ length: 50 }, () => randomUUID());
  await deps.prisma.$transaction([
    deps.prisma.blockedOrder.createMany({
      data: orderIds.map((id) => ({
        id,
        orderId: `ORD-${randomBytes(6).toString('hex')}`,
        buyerId: 'b',
        buyerEmail: 'b@example.com',
        buyerName: 'B',
        buyerLocale: 'en',
        amountMinor: 1000n,
        currency: 'EUR',
        cardBrand: 'VISA',
        cardLast4: '4242',
        cardIssuerCountry: 'GB',
        errorCode: 'ISC_RS_5100102051',
        paymentCaptured: true,
        blockedAt: now,
        requestHash: 'x',
      })),
    }),
    deps.prisma.appeal.createMany({
      data: ids.map((id, i) => ({
        id,
        orderId: orderIds[i]!,
        status: 'SUBMITTED' as const,
        idType: 'PASSPORT' as const,
        tokenHash: randomBytes(16).toString('hex'),
        tokenNonce: 'n',
        tokenExpiresAt: new Date(now.getTime() + 86_400_000),
        submittedAt: now,
        firstSubmittedAt: now,
      })),
    }),
    deps.prisma.outboxMessage.createMany({
      data: ids.map((appealId) => ({ topic: 'case.route', payload: { appealId } })),
    }),
  ]);
  return ids;
}

describe('two routers, 50 simultaneous submissions, 3 reviewers with a cap of 10', () => {
  let db2: Database;
  const workers: Worker[] = [];
  const connections: ReturnType<typeof workerConnection>[] = [];
  const processed = [0, 0];
  /** a deadlock or lock timeout would show up here as a failed attempt (BullMQ would retry it) */
  const failures: string[] = [];

  beforeAll(async () => {
    // the second router has its own database pool and its own Redis connection, like a second process
    db2 = await openDatabase({ databaseUrl: env.dbUrl, dataDir: env.dataDir, poolSize: 6 });
    const routers: Deps[] = [env.deps, { ...env.deps, prisma: db2.prisma }];
    const mailer = { send: async () => ({}), close: () => {} } as unknown as Mailer;
    routers.forEach((deps, i) => {
      const connection = workerConnection(env.config.REDIS_URL!);
      connections.push(connection);
      const map = handlers({ deps, mailer });
      const w = new Worker(
        'routing',
        async (job) => {
          await runJob(map, job, deps);
          processed[i]!++;
        },
        { connection, prefix: env.config.QUEUE_PREFIX, concurrency: 4 },
      );
      w.on('failed', (_job, err) => failures.push(err.message));
      workers.push(w);
    });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    for (const c of connections) c.disconnect();
    await db2.close();
  });

  it('never exceeds a cap and never assigns a case twice, 20 runs in a row', async () => {
    const { prisma } = env.deps;
    for (let run = 0; run < 20; run++) {
      await prisma.staffUser.updateMany({ data: { active: false } });
      const team = await Promise.all(
        [0, 1, 2].map(() => makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 10 })),
      );
      const doneBefore = await prisma.outboxMessage.count({ where: { topic: 'case.route', status: 'DONE' } });
      const ids = await fiftySubmissions(env.deps);
      const before = [...processed];
      while ((await relayOutbox(env.deps)) > 0) {}
      for (let i = 0; ; i++) {
        const done = await prisma.outboxMessage.count({ where: { topic: 'case.route', status: 'DONE' } });
        if (done === doneBefore + 50) break;
        if (i > 600) throw new Error(`run ${run}: only ${done} routed`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const open = await prisma.appeal.groupBy({
        by: ['assigneeId'],
        where: { id: { in: ids }, status: 'IN_REVIEW' },
        _count: { _all: true },
      });
      const perReviewer = new Map(open.map((o) => [o.assigneeId, o._count._all]));
      expect(team.map((t) => perReviewer.get(t.id))).toEqual([10, 10, 10]);
      expect(perReviewer.get(null)).toBe(20);
      const rows = await prisma.appeal.findMany({
        where: { id: { in: ids } },
        include: { assignments: true },
      });
      expect(rows.every((r) => r.status === 'IN_REVIEW')).toBe(true);
      for (const r of rows) {
        expect(r.assignments.length).toBeLessThanOrEqual(1);
        expect(r.assignments[0]?.reviewerId ?? null).toBe(r.assigneeId);
      }
      expect(failures).toEqual([]);
      // both routers took part in this run
      expect(processed[0]! - before[0]!).toBeGreaterThan(0);
      expect(processed[1]! - before[1]!).toBeGreaterThan(0);
    }
  }, 180_000);
});
