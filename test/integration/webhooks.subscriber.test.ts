// The webhooks subscriber (src/modules/webhooks/webhooks.subscriber.ts) sends, for every decision, expiry
// and withdrawal, the payload the producers sent before it existed: exactly the same keys and values (the
// outbox payload is jsonb, which orders keys itself, so equal objects are equal bytes on the wire), the refund the same transaction scheduled, the transition's time as createdAt,
// one row per active subscription and nothing for a request for more information.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { expireDueAppeals } from '../../src/modules/appeals/appeals.lifecycle.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { makeStaff, registerAppeal, submittedCase, type TestStaff } from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let reviewer: TestStaff;
let subscriptionId: string;

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
  await env.deps.prisma.staffUser.updateMany({ data: { active: false } });
  reviewer = await makeStaff(env.deps, ['REVIEWER']);
  const sub = await env.deps.prisma.webhookSubscription.create({
    data: { url: 'https://risk.example/hook', secret: 'whsec_test' },
  });
  subscriptionId = sub.id;
});
beforeEach(async () => {
  await env.deps.prisma.outboxMessage.deleteMany({ where: { topic: 'webhook.deliver' } });
});
afterAll(async () => {
  await server.close();
  await env.close();
});

async function hooks() {
  const rows = await env.deps.prisma.outboxMessage.findMany({
    where: { topic: 'webhook.deliver' },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map(
    (r) => r.payload as { subscriptionId: string; type: string; createdAt: string; data: unknown },
  );
}

async function order(appealId: string) {
  const a = await env.deps.prisma.appeal.findUniqueOrThrow({
    where: { id: appealId },
    include: { order: true, refund: true, decisions: true },
  });
  return { orderId: a.order.orderId, refundId: a.refund?.id ?? null, decisionId: a.decisions.at(-1)?.id };
}

function decide(appealId: string, body: Record<string, unknown>) {
  return call('POST', `/api/v1/cases/${appealId}/decision`, { token: reviewer.token, body });
}

describe('webhooks subscriber', () => {
  it('APPROVE: appeal.decided {appealId, orderId, decision, decisionId}', async () => {
    const appealId = await submittedCase(env.deps, call);
    expect((await decide(appealId, { decision: 'APPROVE' })).status).toBe(200);
    const o = await order(appealId);
    const [h, ...rest] = await hooks();
    expect(rest).toEqual([]);
    expect([h!.subscriptionId, h!.type, h!.createdAt]).toEqual([
      subscriptionId,
      'appeal.decided',
      env.clock.now().toISOString(),
    ]);
    expect(h!.data).toStrictEqual({
      appealId,
      orderId: o.orderId,
      decision: 'APPROVED',
      decisionId: o.decisionId,
    });
  });

  it('REJECT of a captured payment: appeal.decided with the refund id; not captured: refundId null', async () => {
    for (const paymentCaptured of [true, false]) {
      await env.deps.prisma.outboxMessage.deleteMany({ where: { topic: 'webhook.deliver' } });
      const appealId = await submittedCase(env.deps, call, { paymentCaptured });
      const r = await decide(appealId, { decision: 'REJECT', reasonCodes: ['NAME_MISMATCH'] });
      expect(r.status).toBe(200);
      const o = await order(appealId);
      expect(o.refundId === null).toBe(!paymentCaptured);
      expect(r.body.refundId ?? null).toBe(o.refundId);
      const all = await hooks();
      expect(all.map((h) => h.type)).toEqual(['appeal.decided']);
      expect(all[0]!.data).toStrictEqual({
        appealId,
        orderId: o.orderId,
        decision: 'REJECTED',
        decisionId: o.decisionId,
        refundId: o.refundId,
      });
    }
  });

  it('REQUEST_MORE_INFO sends no webhook', async () => {
    const appealId = await submittedCase(env.deps, call);
    const r = await decide(appealId, {
      decision: 'REQUEST_MORE_INFO',
      reasonCodes: ['IMAGE_BLURRY'],
      slots: ['CARD_FRONT'],
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('MORE_INFO_REQUESTED');
    expect(await hooks()).toEqual([]);
  });

  it('EXPIRE: appeal.expired {appealId, orderId, refundId}', async () => {
    const appealId = await registerAppeal(call);
    env.clock.advance(env.config.APPEAL_EXPIRY_DAYS * 86_400_000 + 60_000);
    expect(await expireDueAppeals(env.deps)).toBeGreaterThanOrEqual(1);
    const o = await order(appealId);
    expect(o.refundId).not.toBeNull();
    const mine = (await hooks()).filter((h) => (h.data as { appealId: string }).appealId === appealId);
    expect(mine.map((h) => [h.type, h.createdAt])).toEqual([
      ['appeal.expired', env.clock.now().toISOString()],
    ]);
    expect(mine[0]!.data).toStrictEqual({ appealId, orderId: o.orderId, refundId: o.refundId });
  });
});
