// The transactional outbox: a crash between "enqueued" and "marked published" must not yield two effects.
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../src/platform/jobs.ts';
import type { HandlerMap } from '../../src/platform/jobs.ts';
import { reconcileOutbox, relayOutbox, writeOutbox } from '../../src/platform/outbox.ts';
import { workerConnection } from '../../src/platform/redis.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

function email(to: string) {
  return {
    to,
    locale: 'en',
    message: { template: 'APPROVED', buyerName: 'B', orderId: 'O-1', appealUrl: 'http://x/a/1' },
  };
}

describe('outbox relay', () => {
  it('a relay that crashes after enqueueing and before marking re-publishes, and the effect happens once', async () => {
    const { prisma } = env.deps;
    const ids = await prisma.$transaction(async (tx) => [
      await writeOutbox(tx, 'email.send', email('one@example.com')),
      await writeOutbox(tx, 'email.send', email('two@example.com')),
    ]);
    // first pass: jobs reach Redis, then the process "dies" before the rows are marked
    await expect(
      relayOutbox(env.deps, 100, {
        afterEnqueue: () => {
          throw new Error('crash injected');
        },
      }),
    ).rejects.toThrow('crash injected');
    const afterCrash = await prisma.outboxMessage.findMany({ where: { id: { in: ids } } });
    expect(afterCrash.map((r) => r.status)).toEqual(['PENDING', 'PENDING']);
    expect(await env.deps.queues.email.getJobCounts('waiting')).toEqual({ waiting: 2 });

    // second pass publishes the same job ids again: BullMQ keeps one job per id
    expect(await relayOutbox(env.deps)).toBe(2);
    expect(await env.deps.queues.email.getJobCounts('waiting')).toEqual({ waiting: 2 });
    const rows = await prisma.outboxMessage.findMany({ where: { id: { in: ids } } });
    expect(rows.every((r) => r.status === 'PUBLISHED')).toBe(true);

    // consume: each row's effect runs once, and a re-delivered job for a DONE row does nothing
    const sent: string[] = [];
    const handlers = {
      'email.send': async () => async (payload: { to: string }) => {
        sent.push(payload.to);
      },
    } as unknown as HandlerMap;
    const connection = workerConnection(env.config.REDIS_URL!);
    const worker = new Worker('email', (job) => runJob(handlers, job, env.deps), {
      connection,
      prefix: env.config.QUEUE_PREFIX,
    });
    await new Promise<void>((resolve) => {
      let done = 0;
      worker.on('completed', () => {
        if (++done === 2) resolve();
      });
    });
    expect(sent.sort()).toEqual(['one@example.com', 'two@example.com']);
    // a duplicate delivery (e.g. a job re-added after it was removed) is skipped by the row status
    await env.deps.queues.email.add('email.send', { outboxId: ids[0] }, { jobId: `${ids[0]}-again` });
    await new Promise<void>((resolve) => worker.once('completed', () => resolve()));
    expect(sent).toHaveLength(2);
    const done = await prisma.outboxMessage.findMany({ where: { id: { in: ids } } });
    expect(done.map((r) => r.status)).toEqual(['DONE', 'DONE']);
    await worker.close();
    connection.disconnect();
  });

  it('rows written in a rolled-back transaction never reach the queue', async () => {
    await expect(
      env.deps.prisma.$transaction(async (tx) => {
        await writeOutbox(tx, 'email.send', email('ghost@example.com'));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(
      await env.deps.prisma.outboxMessage.count({
        where: { payload: { path: ['to'], equals: 'ghost@example.com' } },
      }),
    ).toBe(0);
    expect(await relayOutbox(env.deps)).toBe(0);
  });
});

describe('outbox reconciler', () => {
  it('hands back published rows whose jobs were lost from Redis, and leaves rows with live jobs alone', async () => {
    const { prisma } = env.deps;
    const [lost, kept] = await prisma.$transaction(async (tx) => [
      await writeOutbox(tx, 'email.send', email('lost@example.com')),
      await writeOutbox(tx, 'email.send', email('kept@example.com')),
    ]);
    await relayOutbox(env.deps);
    // Redis loses one job (as a restart without persistence would)
    await (await env.deps.queues.email.getJob(lost))!.remove();
    await prisma.outboxMessage.updateMany({
      where: { id: { in: [lost, kept] } },
      data: { publishedAt: new Date(Date.now() - 60_000) },
    });
    expect(await reconcileOutbox(env.deps)).toBe(1);
    const rows = await prisma.outboxMessage.findMany({
      where: { id: { in: [lost, kept] } },
      orderBy: { createdAt: 'asc' },
    });
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
      [lost]: 'PENDING',
      [kept]: 'PUBLISHED',
    });
    // the next relay pass publishes it again under the same job id
    expect(await relayOutbox(env.deps)).toBe(1);
    expect(await env.deps.queues.email.getJob(lost)).toBeTruthy();
    expect(await reconcileOutbox(env.deps)).toBe(0);
  });
});
