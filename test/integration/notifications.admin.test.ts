// Admin visibility of the outbox: FAILED and DEAD rows listed without their payloads (template and
// recipient domain only), paginated, ADMIN only; a retry puts a row back through the relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { relayOutbox, writeOutbox } from '../../src/platform/outbox.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { makeStaff, type TestStaff } from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let admin: TestStaff;
let reviewer: TestStaff;
const ids: Record<string, string> = {};

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
  admin = await makeStaff(env.deps, ['ADMIN']);
  reviewer = await makeStaff(env.deps, ['REVIEWER', 'LEAD']);
  const p = env.deps.prisma;
  // four rows, written one after the other so their order is known: one of each end state but DONE twice
  const mk = async (name: string, to: string, status: 'FAILED' | 'DEAD' | 'DONE', lastError: string) => {
    const id = await p.$transaction((tx) =>
      writeOutbox(tx, 'email.send', {
        to,
        locale: 'zh-CN',
        appealId: undefined,
        message: {
          template: 'APPROVED',
          buyerName: 'Secret Name',
          orderId: 'ORD-SECRET',
          appealUrl: 'http://appeal.test/a/apl_SECRETTOKEN',
        },
      }),
    );
    await p.outboxMessage.update({ where: { id }, data: { status, attempts: 3, lastError } });
    ids[name] = id;
  };
  await mk('failed', 'ana@Example.COM', 'FAILED', '550 5.1.1 <***@example.com>: Recipient address rejected');
  await mk('dead1', 'bo@mail.example.org', 'DEAD', '451 4.7.1 Try again later');
  await mk('done', 'cy@example.net', 'DONE', '');
  await mk('dead2', 'di@example.cn', 'DEAD', 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:25');
  const wh = await p.webhookSubscription.create({
    data: { url: 'https://risk.example.com/h', secret: 'whsec_x' },
  });
  const whId = await p.$transaction((tx) =>
    writeOutbox(tx, 'webhook.deliver', {
      subscriptionId: wh.id,
      eventId: '7d1f5f0e-3a57-4f57-9f5a-1f0a1d1c2b3a',
      type: 'appeal.decided',
      createdAt: '2026-03-02T09:00:00.000Z',
      data: { appealId: 'ap-secret-data' },
    }),
  );
  await p.outboxMessage.update({
    where: { id: whId },
    data: { status: 'DEAD', attempts: 12, lastError: 'HTTP 500' },
  });
  ids.webhook = whId;
});
afterAll(async () => {
  await server.close();
  await env.close();
});

describe('GET /api/v1/outbox', () => {
  it('lists FAILED and DEAD rows newest first, with template, recipient domain and error but no payload', async () => {
    const r = await call('GET', '/api/v1/outbox', { token: admin.token });
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { id: string }) => i.id)).toEqual([
      ids.webhook,
      ids.dead2,
      ids.dead1,
      ids.failed,
    ]);
    expect(r.body.items[3]).toEqual({
      id: ids.failed,
      topic: 'email.send',
      status: 'FAILED',
      attempts: 3,
      lastError: '550 5.1.1 <***@example.com>: Recipient address rejected',
      createdAt: expect.stringMatching(/Z$/),
      processedAt: null,
      template: 'APPROVED',
      recipientDomain: 'example.com',
      eventType: null,
      eventId: null,
    });
    expect(r.body.items[0]).toMatchObject({
      topic: 'webhook.deliver',
      template: null,
      recipientDomain: null,
      eventType: 'appeal.decided',
      eventId: '7d1f5f0e-3a57-4f57-9f5a-1f0a1d1c2b3a',
    });
    for (const secret of [
      'Secret Name',
      'ORD-SECRET',
      'SECRETTOKEN',
      'ana@',
      'bo@',
      'ap-secret-data',
      'whsec_',
    ])
      expect(r.text).not.toContain(secret);
  });

  it('filters by status and pages with a cursor', async () => {
    const p1 = await call('GET', '/api/v1/outbox?status=DEAD&limit=2', { token: admin.token });
    expect(p1.body.items.map((i: { id: string }) => i.id)).toEqual([ids.webhook, ids.dead2]);
    const p2 = await call('GET', `/api/v1/outbox?status=DEAD&limit=2&cursor=${p1.body.nextCursor}`, {
      token: admin.token,
    });
    expect(p2.body).toMatchObject({ items: [{ id: ids.dead1 }], nextCursor: null });
    const done = await call('GET', '/api/v1/outbox?status=done', { token: admin.token });
    expect(done.body.items.map((i: { id: string }) => i.id)).toEqual([ids.done]);
    const bad = await call('GET', '/api/v1/outbox?status=LOST', { token: admin.token });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'REQUEST.INVALID']);
    const badCursor = await call('GET', '/api/v1/outbox?cursor=xyz', { token: admin.token });
    expect([badCursor.status, badCursor.body.error.code]).toEqual([400, 'REQUEST.INVALID']);
  });

  it('is for ADMIN only', async () => {
    expect((await call('GET', '/api/v1/outbox')).status).toBe(401);
    const r = await call('GET', '/api/v1/outbox', { token: reviewer.token });
    expect([r.status, r.body.error.code]).toEqual([403, 'AUTH.FORBIDDEN']);
    expect((await call('GET', '/api/v1/outbox', { token: 'dev-risk-key' })).status).toBe(403);
    const retry = await call('POST', `/api/v1/outbox/${ids.dead1}/retry`, { token: reviewer.token });
    expect(retry.status).toBe(403);
  });
});

describe('POST /api/v1/outbox/:id/retry', () => {
  it('puts a DEAD row back to PENDING with a fresh budget; the relay enqueues it again under its id', async () => {
    // BullMQ still holds a job under the row id (a dead job sits in its failed set; the end-to-end
    // version of this is in webhooks.test.ts): the relay could not enqueue the row again beside it
    await env.deps.queues.email.add('email.send', { outboxId: ids.dead1 }, { jobId: ids.dead1 });

    const r = await call('POST', `/api/v1/outbox/${ids.dead1}/retry`, { token: admin.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: ids.dead1, status: 'PENDING', attempts: 0, lastError: null });
    expect(await env.deps.queues.email.getJob(ids.dead1!)).toBeUndefined();
    expect(await relayOutbox(env.deps)).toBe(1);
    const job = await env.deps.queues.email.getJob(ids.dead1!);
    expect([job?.name, job?.data, await job?.getState()]).toEqual([
      'email.send',
      { outboxId: ids.dead1 },
      'waiting',
    ]);
    // production options of the topic: 10 attempts, 5 s doubling
    expect([job?.opts.attempts, job?.opts.backoff]).toEqual([10, { type: 'exponential', delay: 5000 }]);
    const row = await env.deps.prisma.outboxMessage.findUniqueOrThrow({ where: { id: ids.dead1! } });
    expect(row.status).toBe('PUBLISHED');
    const audit = await env.deps.prisma.auditLog.findFirstOrThrow({ where: { action: 'OUTBOX_RETRIED' } });
    expect([audit.targetId, audit.actorId]).toEqual([ids.dead1, admin.id]);
    expect(audit.data).toEqual({ topic: 'email.send', previousStatus: 'DEAD', attempts: 3 });
  });

  it('refuses rows that are not FAILED or DEAD, and unknown ids', async () => {
    const done = await call('POST', `/api/v1/outbox/${ids.done}/retry`, { token: admin.token });
    expect([done.status, done.body.error.code]).toEqual([409, 'OUTBOX.NOT_RETRYABLE']);
    const twice = await call('POST', `/api/v1/outbox/${ids.dead1}/retry`, { token: admin.token });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'OUTBOX.NOT_RETRYABLE']);
    const none = await call('POST', '/api/v1/outbox/00000000-0000-4000-8000-000000000000/retry', {
      token: admin.token,
    });
    expect([none.status, none.body.error.code]).toEqual([404, 'OUTBOX.NOT_FOUND']);
  });
});
