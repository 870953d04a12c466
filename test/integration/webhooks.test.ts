// Decision webhooks: registration by the risk system, one outbox row per subscription and event, signed
// delivery to a real HTTP receiver on 127.0.0.1, retries after a 500, each event once after a success.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { queueWebhookEvent } from '../../src/platform/webhook-outbox.ts';
import { setHostResolver } from '../../src/modules/webhooks/webhooks.address.ts';
import { verifyWebhookSignature } from '../../src/platform/webhook-signature.ts';
import { WEBHOOK_TIMEOUT_MS, webhookDeliverer } from '../../src/modules/webhooks/webhooks.worker.ts';
import { runJob } from '../../src/platform/jobs.ts';
import type { Mailer } from '../../src/platform/mailer.ts';
import { relayOutbox } from '../../src/platform/outbox.ts';
import { handlers } from '../../workers/handlers.ts';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { RISK_KEY } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { makeStaff, submittedCase } from '../support/review.ts';
import { waitUntil as waitUntilOf } from '../support/wait.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let workers: WorkerSet;

// no e-mail is sent in this file; the worker set wants a mailer all the same
const noMail: Mailer = {
  send: () => Promise.reject(new Error('no mail in this test')),
  close: () => {},
};

beforeAll(async () => {
  // receivers listen on 127.0.0.1 (exempt from the https/public-address rules here only); example.com
  // names resolve through a fake DNS to a public documentation-free address, never through the network
  setHostResolver(async () => [{ address: '93.184.215.14', family: 4 }]);
  env = await createTestEnv({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });
  server = await listen(createApp(env.deps));
  call = client(server.url);
  workers = await startWorkers(env.runtime, {
    mailer: noMail,
    relay: false,
    schedules: false,
    queues: ['webhooks'],
  });
});
afterAll(async () => {
  setHostResolver(null);
  await workers.close();
  await server.close();
  await env.close();
});

interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A webhook receiver on loopback that answers with `answer(n)` for its n-th request (0-based). */
async function receiver(answer: (n: number, body: string) => number, headers: Record<string, string> = {}) {
  const hits: Hit[] = [];
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = answer(hits.length, body);
      hits.push({ headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/appeal-desk`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

function relay(attempts: number) {
  return relayOutbox(env.deps, 100, {
    jobOptions: () => ({ attempts, backoff: { type: 'exponential', delay: 50 } }),
  });
}

const waitUntil = <T>(what: string, fn: () => Promise<T | null | undefined | false>) =>
  waitUntilOf(what, fn, 20_000, 50);

async function settled(ids: string[]) {
  return waitUntil(`${ids.length} webhook rows to settle`, async () => {
    const rows = await env.deps.prisma.outboxMessage.findMany({ where: { id: { in: ids } } });
    return rows.every((r) => ['DONE', 'FAILED', 'DEAD'].includes(r.status)) ? rows : null;
  });
}

async function register(url: string) {
  const r = await call('POST', '/api/v1/webhooks', { token: RISK_KEY, body: { url } });
  expect(r.status).toBe(201);
  return r.body as { id: string; url: string; secret: string; createdAt: string };
}

async function removeAll() {
  await env.deps.prisma.webhookSubscription.updateMany({ data: { active: false } });
}

describe('webhook registration (risk system)', () => {
  it('registers a callback and shows the secret once; lists without secrets; removes', async () => {
    await removeAll();
    const a = await register('https://risk.example.com/hooks/a');
    expect(a.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a.url).toBe('https://risk.example.com/hooks/a');
    const b = await register('http://127.0.0.1:9/hooks/b');
    const list = await call('GET', '/api/v1/webhooks?limit=1', { token: RISK_KEY });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([{ id: a.id, url: a.url, createdAt: a.createdAt }]);
    const page2 = await call('GET', `/api/v1/webhooks?limit=1&cursor=${list.body.nextCursor}`, {
      token: RISK_KEY,
    });
    expect(page2.body).toEqual({
      items: [{ id: b.id, url: b.url, createdAt: b.createdAt }],
      nextCursor: null,
    });
    expect(list.text + page2.text).not.toContain('whsec_');

    expect((await call('DELETE', `/api/v1/webhooks/${a.id}`, { token: RISK_KEY })).status).toBe(204);
    const again = await call('DELETE', `/api/v1/webhooks/${a.id}`, { token: RISK_KEY });
    expect([again.status, again.body.error.code]).toEqual([404, 'WEBHOOK.NOT_FOUND']);
    const after = await call('GET', '/api/v1/webhooks', { token: RISK_KEY });
    expect(after.body.items.map((i: { id: string }) => i.id)).toEqual([b.id]);
    const audit = await env.deps.prisma.auditLog.findMany({
      where: { action: { in: ['WEBHOOK_REGISTERED', 'WEBHOOK_REMOVED'] } },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((r) => [r.action, r.targetId, r.actorType])).toEqual([
      ['WEBHOOK_REGISTERED', a.id, 'SERVICE'],
      ['WEBHOOK_REGISTERED', b.id, 'SERVICE'],
      ['WEBHOOK_REMOVED', a.id, 'SERVICE'],
    ]);
  });

  it('only http(s) URLs without credentials, only with a service key', async () => {
    for (const url of [
      'ftp://risk.example.com/x',
      'javascript:alert(1)',
      'https://u:p@risk.example.com/x',
      'nope',
    ]) {
      const r = await call('POST', '/api/v1/webhooks', { token: RISK_KEY, body: { url } });
      expect([url, r.status, r.body.error.code]).toEqual([url, 400, 'REQUEST.INVALID']);
    }
    const anon = await call('POST', '/api/v1/webhooks', { body: { url: 'https://x.example.com' } });
    expect(anon.status).toBe(401);
    const provider = await call('GET', '/api/v1/webhooks', { token: 'dev-provider-key' });
    expect(provider.status).toBe(403);
  });
});

describe('queueWebhookEvent', () => {
  it('writes one webhook.deliver row per active subscription, all with the same new event id', async () => {
    await removeAll();
    const s1 = await register('https://one.example.com/h');
    const s2 = await register('https://two.example.com/h');
    const first = await env.deps.prisma.$transaction((tx) =>
      queueWebhookEvent(tx, {
        type: 'appeal.decided',
        data: { appealId: 'a1', decision: 'APPROVED' },
        occurredAt: env.clock.now(),
      }),
    );
    const second = await env.deps.prisma.$transaction((tx) =>
      queueWebhookEvent(tx, { type: 'appeal.expired', data: { appealId: 'a2' } }),
    );
    expect(first.outboxIds).toHaveLength(2);
    expect(second.eventId).not.toBe(first.eventId);
    const rows = await env.deps.prisma.outboxMessage.findMany({ where: { id: { in: first.outboxIds } } });
    expect(rows.map((r) => r.topic)).toEqual(['webhook.deliver', 'webhook.deliver']);
    expect(rows.map((r) => (r.payload as { subscriptionId: string }).subscriptionId).sort()).toEqual(
      [s1.id, s2.id].sort(),
    );
    expect(rows.map((r) => r.payload)).toContainEqual({
      subscriptionId: s1.id,
      eventId: first.eventId,
      type: 'appeal.decided',
      createdAt: env.clock.now().toISOString(),
      data: { appealId: 'a1', decision: 'APPROVED' },
    });
    // these rows were only to look at
    await env.deps.prisma.outboxMessage.deleteMany({ where: { topic: 'webhook.deliver' } });
  });

  it('writes nothing without subscriptions, and nothing when the transaction rolls back', async () => {
    await removeAll();
    const none = await env.deps.prisma.$transaction((tx) =>
      queueWebhookEvent(tx, { type: 'refund.settled', data: { refundId: 'r1' } }),
    );
    expect(none.outboxIds).toEqual([]);
    await register('https://three.example.com/h');
    await expect(
      env.deps.prisma.$transaction(async (tx) => {
        await queueWebhookEvent(tx, { type: 'appeal.withdrawn', data: { appealId: 'a3' } });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await env.deps.prisma.outboxMessage.count({ where: { topic: 'webhook.deliver' } })).toBe(0);
  });
});

describe('delivery', () => {
  it('signs each request, retries after a 500, and delivers each event once after a success', async () => {
    await removeAll();
    // the first request of each event fails with 500, the second succeeds
    const seen = new Map<string, number>();
    const rx = await receiver((_n, body) => {
      const id = (JSON.parse(body) as { id: string }).id;
      const k = (seen.get(id) ?? 0) + 1;
      seen.set(id, k);
      return k === 1 ? 500 : 200;
    });
    const sub = await register(rx.url);
    const events = [
      { type: 'appeal.decided', data: { appealId: 'ap-1', orderId: 'ORD-1', decision: 'APPROVED' } },
      { type: 'appeal.expired', data: { appealId: 'ap-2', orderId: 'ORD-2' } },
      { type: 'refund.settled', data: { refundId: 'rf-3', arn: '74537604221431003881865' } },
    ] as const;
    const queued = await env.deps.prisma.$transaction(async (tx) => {
      const out = [];
      for (const e of events) out.push(await queueWebhookEvent(tx, { ...e, data: { ...e.data } }));
      return out;
    });
    await relay(5);
    const rows = await settled(queued.flatMap((q) => q.outboxIds));
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['DONE', 2],
      ['DONE', 2],
      ['DONE', 2],
    ]);
    await rx.close();

    expect(rx.hits).toHaveLength(6);
    for (const hit of rx.hits) {
      const ts = hit.headers['x-appealdesk-timestamp'] as string;
      expect(ts).toBe(String(Math.floor(env.clock.now().getTime() / 1000)));
      expect(hit.headers['content-type']).toBe('application/json');
      expect(hit.headers['x-appealdesk-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
      const ok = verifyWebhookSignature({
        secret: sub.secret,
        timestamp: ts,
        body: hit.body,
        signature: hit.headers['x-appealdesk-signature'] as string,
        nowSec: Number(ts),
      });
      expect(ok).toBe(true);
      // a tampered body or another secret does not verify
      const forged = {
        secret: sub.secret,
        timestamp: ts,
        signature: hit.headers['x-appealdesk-signature'] as string,
      };
      expect(verifyWebhookSignature({ ...forged, body: `${hit.body} `, nowSec: Number(ts) })).toBe(false);
      expect(
        verifyWebhookSignature({ ...forged, secret: 'whsec_other', body: hit.body, nowSec: Number(ts) }),
      ).toBe(false);
      // a receiver refuses a signature whose timestamp is older than its window (replay)
      expect(verifyWebhookSignature({ ...forged, body: hit.body, nowSec: Number(ts) + 301 })).toBe(false);
      const body = JSON.parse(hit.body) as { id: string };
      expect(hit.headers['x-appealdesk-event-id']).toBe(body.id);
    }
    // retries carry the same event id and the same body; successes are one per event
    const okIds = rx.hits
      .filter((h) => h.status === 200)
      .map((h) => (JSON.parse(h.body) as { id: string }).id);
    expect(okIds.sort()).toEqual(queued.map((q) => q.eventId).sort());
    for (const q of queued) {
      const bodies = rx.hits
        .filter((h) => h.headers['x-appealdesk-event-id'] === q.eventId)
        .map((h) => h.body);
      expect(bodies).toHaveLength(2);
      expect(bodies[1]).toBe(bodies[0]);
    }
    const decided = JSON.parse(rx.hits.find((h) => h.body.includes('ap-1'))!.body);
    expect(decided).toEqual({
      id: queued[0]!.eventId,
      type: 'appeal.decided',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { appealId: 'ap-1', orderId: 'ORD-1', decision: 'APPROVED' },
    });
    // the receiver's answer and the attempt that succeeded are kept on the row
    expect(rows.map((r) => (r.result as { status: number }).status)).toEqual([200, 200, 200]);
  });

  it('a receiver that keeps failing ends DEAD; an admin retry delivers it; a removed subscription gets nothing', async () => {
    await removeAll();
    let answer = 503;
    const down = await receiver(() => answer);
    await register(down.url);
    const { outboxIds } = await env.deps.prisma.$transaction((tx) =>
      queueWebhookEvent(tx, { type: 'appeal.withdrawn', data: { appealId: 'ap-9' } }),
    );
    await relay(3);
    const [row] = await settled(outboxIds);
    expect([row!.status, row!.attempts, row!.lastError]).toEqual([
      'DEAD',
      3,
      `webhook ${new URL(down.url).host}: HTTP 5xx`,
    ]);
    expect(down.hits).toHaveLength(3);

    // the receiver is fixed; an admin re-queues the dead delivery (its BullMQ job is still in the
    // failed set under the row id) and it goes through, with the same event id
    answer = 200;
    const admin = await makeStaff(env.deps, ['ADMIN']);
    const retry = await call('POST', `/api/v1/outbox/${outboxIds[0]}/retry`, { token: admin.token });
    expect([retry.status, retry.body.status]).toEqual([200, 'PENDING']);
    await relay(3);
    const [again] = await settled(outboxIds);
    expect([again!.status, again!.attempts]).toEqual(['DONE', 1]);
    expect(down.hits.map((h) => h.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(down.hits.map((h) => h.headers['x-appealdesk-event-id'])).size).toBe(1);

    await removeAll();
    const gone = await receiver(() => 200);
    const sub = await register(gone.url);
    const q = await env.deps.prisma.$transaction((tx) =>
      queueWebhookEvent(tx, { type: 'appeal.decided', data: { appealId: 'ap-10' } }),
    );
    await call('DELETE', `/api/v1/webhooks/${sub.id}`, { token: RISK_KEY });
    await relay(3);
    expect(q.outboxIds).toHaveLength(1);
    const [skipped] = await settled(q.outboxIds);
    expect([skipped!.status, skipped!.result]).toEqual(['DONE', { skipped: 'subscription removed' }]);
    expect(gone.hits).toHaveLength(0);
    await down.close();
    await gone.close();
  });

  it('a redirect is not followed: the signed event never reaches the other address', async () => {
    await removeAll();
    const elsewhere = await receiver(() => 200);
    const moved = await receiver(() => 307, { location: elsewhere.url });
    await register(moved.url);
    const { outboxIds } = await env.deps.prisma.$transaction((tx) =>
      queueWebhookEvent(tx, { type: 'appeal.decided', data: { appealId: 'ap-12' } }),
    );
    await relay(2);
    const [row] = await settled(outboxIds);
    expect([row!.status, row!.attempts, row!.lastError]).toEqual([
      'DEAD',
      2,
      `webhook ${new URL(moved.url).host}: HTTP 3xx`,
    ]);
    expect([moved.hits.length, elsewhere.hits.length]).toEqual([2, 0]);
    await moved.close();
    await elsewhere.close();
  });

  it('a receiver that does not answer within the timeout is a failure (10 s in production)', async () => {
    await removeAll();
    const held: ServerResponse[] = [];
    const silent = createServer((_req, res) => {
      held.push(res);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/h`;
    await register(url);
    const { outboxIds } = await env.deps.prisma.$transaction((tx) =>
      queueWebhookEvent(tx, { type: 'appeal.decided', data: { appealId: 'ap-13' } }),
    );
    const map = {
      ...handlers({ deps: env.deps, mailer: noMail }),
      'webhook.deliver': async () => webhookDeliverer({ timeoutMs: 300 }),
    };
    const job = {
      name: 'webhook.deliver',
      data: { outboxId: outboxIds[0] },
      attemptsMade: 0,
      opts: { attempts: 1 },
    };
    await expect(runJob(map, job as unknown as Job, env.deps)).rejects.toThrow(
      `webhook ${new URL(url).host}: not delivered`,
    );
    const row = await env.deps.prisma.outboxMessage.findUniqueOrThrow({ where: { id: outboxIds[0]! } });
    expect([row.status, row.attempts]).toEqual(['DEAD', 1]);
    expect(held).toHaveLength(1);
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
    expect(WEBHOOK_TIMEOUT_MS).toBe(10_000);
  });

  it('a network error (nothing listening) is retried like a 500', async () => {
    await removeAll();
    const rx = await receiver(() => 200);
    const url = rx.url;
    await rx.close();
    await register(url);
    const { outboxIds } = await env.deps.prisma.$transaction((tx) =>
      queueWebhookEvent(tx, { type: 'appeal.decided', data: { appealId: 'ap-11' } }),
    );
    await relay(2);
    const [row] = await settled(outboxIds);
    expect([row!.status, row!.attempts]).toEqual(['DEAD', 2]);
    // the same coarse reason as a timeout: the error column is no port scanner
    expect(row!.lastError).toBe(`webhook ${new URL(url).host}: not delivered`);
  });

  it('a reviewer decision (wired in review.decisions.ts) reaches the receiver as appeal.decided, once', async () => {
    await removeAll();
    const rx = await receiver(() => 204);
    const sub = await register(rx.url);
    await env.deps.prisma.staffUser.updateMany({ data: { active: false } });
    const reviewer = await makeStaff(env.deps, ['REVIEWER']);
    const appealId = await submittedCase(env.deps, call);
    const r = await call('POST', `/api/v1/cases/${appealId}/decision`, {
      token: reviewer.token,
      body: { decision: 'APPROVE', internalNote: 'internal: documents fine' },
    });
    expect(r.status).toBe(200);
    const rows = await env.deps.prisma.outboxMessage.findMany({ where: { topic: 'webhook.deliver' } });
    const mine = rows.filter(
      (x) => (x.payload as { data: { appealId?: string } }).data.appealId === appealId,
    );
    expect(mine).toHaveLength(1);
    await relay(3);
    await settled(mine.map((x) => x.id));
    await rx.close();
    expect(rx.hits).toHaveLength(1);
    const hit = rx.hits[0]!;
    const body = JSON.parse(hit.body) as {
      id: string;
      type: string;
      createdAt: string;
      data: Record<string, unknown>;
    };
    expect(body).toMatchObject({
      type: 'appeal.decided',
      createdAt: env.clock.now().toISOString(),
      data: { appealId, decision: 'APPROVED' },
    });
    // ids and facts only: no internal note, no buyer e-mail, no link
    expect(hit.body).not.toMatch(/internal|@example\.com|apl_/);
    const ts = hit.headers['x-appealdesk-timestamp'] as string;
    expect(
      verifyWebhookSignature({
        secret: sub.secret,
        timestamp: ts,
        body: hit.body,
        signature: hit.headers['x-appealdesk-signature'] as string,
        nowSec: Math.floor(env.clock.now().getTime() / 1000),
      }),
    ).toBe(true);
  });
});
