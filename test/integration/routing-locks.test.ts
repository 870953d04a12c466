// Lock order of the full routing path against a batch (review.routing.ts routeCase, review.routing.batch.ts):
// a batch takes outbox rows, then appeals, then reviewers, then audit chain heads. routeCase with its job's
// row must take that row first too. Here a transaction plays the batch: it holds the case's 'case.route'
// row (as a batch holds rows it took among its others), waits until routeCase is blocked, then takes the
// case's audit chain head (a batch's last step). Had routeCase settled its row after its audit append, it
// would hold that head while waiting for the row: PostgreSQL reports a deadlock and one side fails.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { auditChainOf } from '../../src/modules/audit/audit.service.ts';
import { routeCase } from '../../src/modules/review/review.routing.ts';
import { waitUntil } from '../support/wait.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { makeStaff, markSubmitted, registerAppeal } from '../support/review.ts';

let env: TestEnv;
let server: TestServer;

beforeAll(async () => {
  env = await createTestEnv({}, { poolSize: 6 });
  server = await listen(createApp(env.deps));
});
afterAll(async () => {
  await server.close();
  await env.close();
});

it('routeCase waits for its own row before it takes anything a batch waits for (no deadlock)', async () => {
  const { prisma } = env.deps;
  await prisma.staffUser.updateMany({ data: { active: false } });
  const reviewer = await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 10 });
  const appealId = await registerAppeal(client(server.url));
  await markSubmitted(env.deps, appealId);
  const row = await prisma.outboxMessage.findFirstOrThrow({
    where: { topic: 'case.route', payload: { path: ['appealId'], equals: appealId } },
  });

  let routing: Promise<unknown> | null = null;
  const batch = prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM outbox WHERE id = ${row.id}::uuid FOR UPDATE`;
      routing = routeCase(env.deps, appealId, { settleOutboxId: row.id });
      // routeCase is now waiting for a lock this transaction holds
      await waitUntil('routeCase to wait for a lock', async () => {
        const [w] = await prisma.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        return (w?.n ?? 0) > 0;
      });
      await tx.$queryRaw`
        SELECT 1 FROM audit_chain_heads WHERE chain = ${auditChainOf(appealId)}::smallint FOR UPDATE`;
    },
    { timeout: 30_000 },
  );
  const [b, r] = await Promise.allSettled([
    batch,
    (async () => {
      await waitUntil('routeCase to start', () => routing !== null);
      return routing;
    })(),
  ]);
  expect(b.status).toBe('fulfilled');
  expect(r).toEqual({ status: 'fulfilled', value: { outcome: 'assigned', reviewerId: reviewer.id } });
  const after = await prisma.outboxMessage.findUniqueOrThrow({ where: { id: row.id } });
  expect(after.status).toBe('DONE');
  const appeal = await prisma.appeal.findUniqueOrThrow({ where: { id: appealId } });
  expect(appeal.assigneeId).toBe(reviewer.id);
}, 60_000);
