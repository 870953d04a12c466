// Fault test 2: Redis restarts (without persistence: every queue is gone) in the middle of 100
// submissions. A private redis-server on a free port is used and killed, never the machine's shared one.
// Nothing may be lost: every 'case.route' outbox row ends DONE, every case is routed, and the SLA sweep
// puts every pending timer back into the new, empty Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { Mailer } from '../../src/platform/mailer.ts';
import { sweepSla } from '../../src/modules/sla/sla.timers.ts';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { eventually } from '../support/intake.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/procs.ts';
import { makeStaff, markSubmitted, registerAppeal } from '../support/review.ts';

const noMailer = {
  send: async () => ({ messageId: 'x', response: '250' }),
  close: () => {},
} as unknown as Mailer;

let redis: PrivateRedis;
let env: TestEnv;
let server: TestServer;
let workers: WorkerSet | null = null;

beforeAll(async () => {
  redis = await startPrivateRedis();
  env = await createTestEnv({ REDIS_URL: redis.url });
  server = await listen(createApp(env.deps));
});

afterAll(async () => {
  await workers?.close();
  await server?.close();
  await env?.close();
  await redis?.stop();
});

describe('Redis restarted during 100 submissions', () => {
  it('loses no submission and the sweep restores every timer', async () => {
    const call = client(server.url);
    for (let i = 0; i < 10; i++) await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 50 });
    await makeStaff(env.deps, ['LEAD']);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await registerAppeal(call));

    workers = await startWorkers(env.runtime, {
      queues: ['routing', 'sla'],
      schedules: false,
      mailer: noMailer,
    });
    for (const [i, id] of ids.entries()) {
      await markSubmitted(env.deps, id);
      if (i === 49) await redis.restart(); // every queue, job and delayed timer is gone
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 100));
    }

    const pending = () =>
      env.deps.prisma.outboxMessage.count({ where: { topic: 'case.route', status: { not: 'DONE' } } });
    await eventually(async () => (await pending()) === 0, 30_000);
    const notDone = await env.deps.prisma.outboxMessage.groupBy({
      by: ['status'],
      where: { topic: 'case.route', status: { not: 'DONE' } },
      _count: true,
    });
    expect(notDone).toEqual([]);
    const routed = await env.deps.prisma.appeal.count({
      where: { id: { in: ids }, status: 'IN_REVIEW', assigneeId: { not: null } },
    });
    expect(routed).toBe(100);
    const assignments = await env.deps.prisma.caseAssignment.count({ where: { appealId: { in: ids } } });
    expect(assignments).toBe(100);

    // the timers of cases routed before the restart were lost with it; one sweep puts all 300 back
    await workers.close();
    workers = null;
    await env.deps.queues.sla.obliterate({ force: true });
    const restored = await sweepSla(env.deps);
    expect(restored).toEqual({ fired: 0, rescheduled: 300 });
    const delayed = await env.deps.queues.sla.getDelayedCount();
    expect(delayed).toBe(300);
  }, 90_000);
});
