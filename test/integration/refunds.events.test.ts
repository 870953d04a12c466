// Refund creation under racing decisions, and the events endpoint: status machine, idempotent replays,
// provider callbacks and finance users, bad input refused with nothing changed.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { sha256 } from '../../src/http/auth.ts';
import { EmailMessageSchema } from '../../src/modules/notifications/notifications.templates.ts';
import { scheduleRefundInTx } from '../../src/modules/refunds/refunds.create.ts';
import { pruneIdempotencyRecords } from '../../src/modules/refunds/refunds.overdue.ts';
import { loadCalendar, seedHolidays } from '../../src/modules/sla/sla.calendar.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { APPEAL_LINK_PLACEHOLDER } from '../../src/platform/email-outbox.ts';
import { client, listen, type TestServer } from '../support/http.ts';

const PROVIDER_KEY = 'dev-provider-key';
const ARN = '74537606123123456789012';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let finance: { id: string; token: string };
let reviewerToken: string;

async function staff(roles: ('FINANCE' | 'REVIEWER' | 'ADMIN')[]) {
  const token = `stf_${randomBytes(24).toString('base64url')}`;
  const user = await env.deps.prisma.staffUser.create({
    data: {
      email: `${randomBytes(4).toString('hex')}@staff.test`,
      name: roles.join('+'),
      passwordHash: 'x',
      roles,
    },
  });
  await env.deps.prisma.staffSession.create({
    data: { id: sha256(token), userId: user.id, csrfToken: 'c', expiresAt: new Date('2099-01-01T00:00:00Z') },
  });
  return { id: user.id, token };
}

beforeAll(async () => {
  env = await createTestEnv({}, { poolSize: 12 });
  await seedHolidays(env.deps.prisma, [2026]);
  server = await listen(createApp(env.deps));
  call = client(server.url);
  finance = await staff(['FINANCE']);
  reviewerToken = (await staff(['REVIEWER'])).token;
});
afterAll(async () => {
  await server.close();
  await env.close();
});

async function openAppeal(over: Record<string, unknown> = {}) {
  const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder(over) });
  expect(r.status).toBe(201);
  return { appealId: r.body.appealId as string, token: tokenFromUrl(r.body.appealUrl) };
}

/** A REJECT decision as the review module makes it: lock the appeal, check, update, schedule the refund. */
async function rejectDecision(appealId: string, lock: boolean) {
  const cal = await loadCalendar(env.deps);
  return env.deps.prisma.$transaction(
    async (tx) => {
      if (lock) {
        const [row] = await tx.$queryRaw<{ status: string }[]>`
          SELECT status::text FROM appeals WHERE id = ${appealId}::uuid FOR UPDATE`;
        if (row?.status !== 'IN_REVIEW') return 'lost' as const;
      }
      const now = env.clock.now();
      await tx.appeal.update({
        where: { id: appealId },
        data: { status: 'REJECTED', decidedAt: now, closedAt: now },
      });
      return scheduleRefundInTx(tx, cal, { appealId, cause: 'REJECTED', decidedAt: now });
    },
    { maxWait: 30_000, timeout: 30_000 },
  );
}

/** A refund through a rejected appeal (decided at the clock's now). */
async function refundFor(over: Record<string, unknown> = {}) {
  const a = await openAppeal(over);
  await env.deps.prisma.appeal.update({ where: { id: a.appealId }, data: { status: 'IN_REVIEW' } });
  const refundId = await rejectDecision(a.appealId, true);
  if (typeof refundId !== 'string') throw new Error('no refund');
  return { ...a, refundId };
}

async function snapshot(refundId: string) {
  const p = env.deps.prisma;
  return {
    refund: await p.refund.findUniqueOrThrow({ where: { id: refundId } }),
    events: await p.refundEvent.count({ where: { refundId } }),
    outbox: await p.outboxMessage.count(),
    keys: await p.idempotencyRecord.count(),
    history: await p.caseHistory.count(),
  };
}

const post = (refundId: string, body: unknown, token = finance.token, headers: Record<string, string> = {}) =>
  call('POST', `/api/v1/refunds/${refundId}/events`, { token, body, headers });

describe('creation under racing decisions', () => {
  it('REJECT: one refund with the right window (decision Monday 30 March 2026 10:00 BST, Easter in between)', async () => {
    env.clock.set('2026-03-30T09:00:00Z');
    const { appealId, refundId } = await refundFor({ amount: { value: 1234, currency: 'KWD' } });
    const r = await env.deps.prisma.refund.findUniqueOrThrow({ where: { id: refundId } });
    expect(r).toMatchObject({
      appealId,
      cause: 'REJECTED',
      status: 'SCHEDULED',
      amountMinor: 1234n,
      currency: 'KWD',
      provider: 'manual',
    });
    expect([r.decidedAt, r.expectedFrom, r.dueBy].map((d) => d.toISOString())).toEqual([
      '2026-03-30T09:00:00.000Z',
      '2026-04-10T09:00:00.000Z',
      '2026-04-15T09:00:00.000Z',
    ]);
    const events = await env.deps.prisma.refundEvent.findMany({ where: { refundId } });
    expect(events.map((e) => [e.type, e.actorType, e.reason])).toEqual([['SCHEDULED', 'SYSTEM', 'REJECTED']]);
  });

  it('20 concurrent REJECT decisions (locking the appeal) create exactly one refund', async () => {
    const a = await openAppeal();
    await env.deps.prisma.appeal.update({ where: { id: a.appealId }, data: { status: 'IN_REVIEW' } });
    const results = await Promise.all(Array.from({ length: 20 }, () => rejectDecision(a.appealId, true)));
    expect(results.filter((x) => x === 'lost')).toHaveLength(19);
    expect(await env.deps.prisma.refund.count({ where: { appealId: a.appealId } })).toBe(1);
    const refund = await env.deps.prisma.refund.findUniqueOrThrow({ where: { appealId: a.appealId } });
    expect(await env.deps.prisma.refundEvent.count({ where: { refundId: refund.id } })).toBe(1);
  });

  it('20 concurrent scheduleRefundInTx without any lock: the unique order id still yields one refund and one SCHEDULED event', async () => {
    const a = await openAppeal();
    await env.deps.prisma.appeal.update({ where: { id: a.appealId }, data: { status: 'IN_REVIEW' } });
    const ids = await Promise.all(Array.from({ length: 20 }, () => rejectDecision(a.appealId, false)));
    expect(new Set(ids).size).toBe(1);
    const refunds = await env.deps.prisma.refund.findMany({ where: { appealId: a.appealId } });
    expect(refunds.map((r) => r.id)).toEqual([ids[0]]);
    expect(await env.deps.prisma.refundEvent.count({ where: { refundId: ids[0] as string } })).toBe(1);
  });

  it('no refund when the payment was not captured', async () => {
    const a = await openAppeal({ paymentCaptured: false });
    await env.deps.prisma.appeal.update({ where: { id: a.appealId }, data: { status: 'IN_REVIEW' } });
    expect(await rejectDecision(a.appealId, true)).toBeNull();
    expect(await env.deps.prisma.refund.count({ where: { appealId: a.appealId } })).toBe(0);
  });
});

describe('POST /api/v1/refunds/:id/events', () => {
  it('SCHEDULED -> SUBMITTED (finance) -> SETTLED (provider callback): events with actors, e-mail, appeal view', async () => {
    env.clock.set('2026-03-02T09:00:00Z');
    const { refundId, appealId, token } = await refundFor();
    env.clock.set('2026-03-03T10:00:00Z');
    const sub = await post(refundId, { type: 'SUBMITTED', providerRef: 'psp-re_1' });
    expect(sub.status).toBe(200);
    expect(sub.body).toMatchObject({
      id: refundId,
      status: 'SUBMITTED',
      providerRef: 'psp-re_1',
      submittedAt: '2026-03-03T10:00:00.000Z',
    });

    env.clock.set('2026-03-12T15:00:00Z');
    const hook = await env.deps.prisma.webhookSubscription.create({
      data: { url: 'https://hooks.test/in', secret: 's' },
    });
    const set = await post(
      refundId,
      { type: 'SETTLED', arn: ARN, amount: { value: 12_999, currency: 'EUR' } },
      PROVIDER_KEY,
    );
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      status: 'SETTLED',
      arn: ARN,
      settledAt: '2026-03-12T15:00:00.000Z',
      overdue: false,
      ageing: 'IN_WINDOW_7_10',
    });

    const events = await env.deps.prisma.refundEvent.findMany({
      where: { refundId },
      orderBy: { createdAt: 'asc' },
    });
    expect(events.map((e) => [e.type, e.fromStatus, e.actorType, e.actorId, e.providerRef, e.arn])).toEqual([
      ['SCHEDULED', 'SCHEDULED', 'SYSTEM', null, null, null],
      ['SUBMITTED', 'SCHEDULED', 'STAFF', finance.id, 'psp-re_1', null],
      ['SETTLED', 'SUBMITTED', 'PROVIDER', 'provider-key#0', null, ARN],
    ]);
    const mails = (await env.deps.prisma.outboxMessage.findMany({ where: { topic: 'email.send' } }))
      .map((r) => r.payload as { appealId?: string; message: { template: string } })
      .filter((p) => p.appealId === appealId && p.message.template === 'REFUND_SETTLED');
    expect(mails.map((m) => m.message)).toEqual([
      expect.objectContaining({
        template: 'REFUND_SETTLED',
        amount: { value: 12_999, currency: 'EUR' },
        arn: ARN,
        settledOn: '2026-03-12',
        appealUrl: APPEAL_LINK_PLACEHOLDER,
      }),
    ]);
    expect(EmailMessageSchema.parse(mails[0]!.message).template).toBe('REFUND_SETTLED');
    const hooks = (await env.deps.prisma.outboxMessage.findMany({ where: { topic: 'webhook.deliver' } })).map(
      (r) => r.payload as { type: string; data: Record<string, unknown> },
    );
    expect(hooks.map((h) => [h.type, h.data])).toEqual([
      [
        'refund.settled',
        expect.objectContaining({ refundId, appealId, arn: ARN, settledAt: '2026-03-12T15:00:00.000Z' }),
      ],
    ]);
    await env.deps.prisma.webhookSubscription.update({ where: { id: hook.id }, data: { active: false } });
    // the buyer sees status, window and ARN
    const view = await call('GET', `/api/v1/appeals/${appealId}`, { token });
    expect(view.body.refund).toMatchObject({
      status: 'SETTLED',
      expectedFrom: '2026-03-11T09:00:00.000Z',
      dueBy: '2026-03-16T09:00:00.000Z',
      arn: ARN,
      overdue: false,
    });
    // a finance detail view lists the events
    const detail = await call('GET', `/api/v1/refunds/${refundId}`, { token: finance.token });
    expect(detail.body.events.map((e: { type: string }) => e.type)).toEqual([
      'SCHEDULED',
      'SUBMITTED',
      'SETTLED',
    ]);
  });

  it('a provider callback replayed 10 times (concurrently) changes state once and answers the same each time', async () => {
    const { refundId } = await refundFor();
    expect((await post(refundId, { type: 'SUBMITTED', providerRef: 'psp-re_2' })).status).toBe(200);
    const outboxBefore = await env.deps.prisma.outboxMessage.count();
    const body = { type: 'SETTLED', arn: ARN, idempotencyKey: 'evt_settle_1' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(refundId, body, PROVIDER_KEY)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await env.deps.prisma.refundEvent.count({ where: { refundId, type: 'SETTLED' } })).toBe(1);
    expect(await env.deps.prisma.outboxMessage.count()).toBe(outboxBefore + 1); // one REFUND_SETTLED e-mail
    // later sequential replays too, also with the key in the header instead of the body
    const late = await post(refundId, { type: 'SETTLED', arn: ARN }, PROVIDER_KEY, {
      'Idempotency-Key': 'evt_settle_1',
    });
    expect(late.status).toBe(200);
    expect(late.text).toBe(answers[0]!.text);
    expect(await env.deps.prisma.refundEvent.count({ where: { refundId } })).toBe(3);
  });

  it('same key with a different body: 409 IDEMPOTENCY.CONFLICT, nothing changed; key kept 24 h then pruned', async () => {
    env.clock.set('2026-03-04T09:00:00Z');
    const { refundId } = await refundFor();
    const first = await post(refundId, { type: 'SUBMITTED', providerRef: 'psp-re_3', idempotencyKey: 'k-1' });
    expect(first.status).toBe(200);
    const before = await snapshot(refundId);
    const other = await post(refundId, {
      type: 'SUBMITTED',
      providerRef: 'psp-re_OTHER',
      idempotencyKey: 'k-1',
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY.CONFLICT');
    expect(await snapshot(refundId)).toEqual(before);

    const rec = await env.deps.prisma.idempotencyRecord.findUniqueOrThrow({
      where: { scope_key: { scope: `refund-event:${refundId}`, key: 'k-1' } },
    });
    expect(rec.expiresAt.getTime() - rec.createdAt.getTime()).toBe(24 * 3600_000);
    expect(rec.responseStatus).toBe(200);
    env.clock.set('2026-03-05T09:00:00Z'); // exactly 24 h: still kept
    expect(await pruneIdempotencyRecords(env.deps)).toBe(0);
    env.clock.set('2026-03-05T09:00:00.001Z');
    expect(await pruneIdempotencyRecords(env.deps)).toBeGreaterThanOrEqual(1);
    expect(
      await env.deps.prisma.idempotencyRecord.count({
        where: { scope: `refund-event:${refundId}`, key: 'k-1' },
      }),
    ).toBe(0);
  });

  it('bad input: clear errors and nothing changed', async () => {
    const { refundId } = await refundFor({ amount: { value: 5000, currency: 'JPY' } });
    const before = await snapshot(refundId);
    const cases: Array<[unknown, number, string, string | RegExp]> = [
      [
        { type: 'SETTLED', arn: ARN },
        409,
        'REFUND.INVALID_TRANSITION',
        'A SETTLED event is not allowed while the refund is SCHEDULED (only from SUBMITTED).',
      ],
      [{ type: 'FAILED', reason: 'x' }, 409, 'REFUND.INVALID_TRANSITION', /while the refund is SCHEDULED/],
      [{ type: 'SETTLED', arn: '1234-5678' }, 400, 'REQUEST.INVALID', 'The request is not valid.'],
      [
        { type: 'SUBMITTED', providerRef: 'r', amount: { value: 4999, currency: 'JPY' } },
        422,
        'REFUND.MISMATCH',
        /does not match/,
      ],
      [
        { type: 'SUBMITTED', providerRef: 'r', amount: { value: 5000, currency: 'EUR' } },
        422,
        'REFUND.MISMATCH',
        /5000 EUR/,
      ],
      [{ type: 'SUBMITTED' }, 400, 'REQUEST.INVALID', 'The request is not valid.'],
      [{ type: 'REFUNDED' }, 400, 'REQUEST.INVALID', 'The request is not valid.'],
      [
        { type: 'SUBMITTED', providerRef: 'r', idempotencyKey: 'has space' },
        400,
        'REQUEST.INVALID',
        'The request is not valid.',
      ],
    ];
    for (const [body, status, code, message] of cases) {
      const r = await post(refundId, body);
      expect([r.status, r.body.error.code]).toEqual([status, code]);
      expect(r.body.error.message).toMatch(message);
    }
    const arn = await post(refundId, { type: 'SETTLED', arn: '1234-5678' });
    expect(arn.body.error.details).toEqual([
      { path: 'arn', message: 'arn must be the 23-digit Acquirer Reference Number (digits only)' },
    ]);
    expect(await snapshot(refundId)).toEqual(before);

    // an out-of-order event with a key does not burn the key: once the refund catches up it goes through
    const early = await post(refundId, { type: 'SETTLED', arn: ARN, idempotencyKey: 'early' }, PROVIDER_KEY);
    expect(early.status).toBe(409);
    expect(await post(refundId, { type: 'SUBMITTED', providerRef: 'r-9' }, PROVIDER_KEY)).toMatchObject({
      status: 200,
    });
    const retried = await post(
      refundId,
      { type: 'SETTLED', arn: ARN, idempotencyKey: 'early' },
      PROVIDER_KEY,
    );
    expect([retried.status, retried.body.status]).toEqual([200, 'SETTLED']);
  });

  it('unknown refund: 404 REFUND.NOT_FOUND', async () => {
    const r = await post('00000000-0000-4000-8000-000000000000', { type: 'SUBMITTED', providerRef: 'x' });
    expect([r.status, r.body.error.code]).toEqual([404, 'REFUND.NOT_FOUND']);
    const bad = await post('not-a-uuid', { type: 'SUBMITTED', providerRef: 'x' }, PROVIDER_KEY);
    expect([bad.status, bad.body.error.code]).toEqual([404, 'REFUND.NOT_FOUND']);
  });

  it('FAILED then retried: FAILED -> SUBMITTED with a new provider reference', async () => {
    const { refundId } = await refundFor();
    await post(refundId, { type: 'SUBMITTED', providerRef: 'psp-a' });
    const failed = await post(refundId, { type: 'FAILED', reason: 'card account closed' }, PROVIDER_KEY);
    expect(failed.body).toMatchObject({ status: 'FAILED', failureReason: 'card account closed' });
    const retry = await post(refundId, { type: 'SUBMITTED', providerRef: 'psp-b' });
    expect(retry.body).toMatchObject({ status: 'SUBMITTED', providerRef: 'psp-b', failureReason: null });
    const types = await env.deps.prisma.refundEvent.findMany({
      where: { refundId },
      orderBy: { createdAt: 'asc' },
    });
    expect(types.map((e) => [e.type, e.fromStatus])).toEqual([
      ['SCHEDULED', 'SCHEDULED'],
      ['SUBMITTED', 'SCHEDULED'],
      ['FAILED', 'SUBMITTED'],
      ['SUBMITTED', 'FAILED'],
    ]);
  });

  it('who may call: FINANCE staff and provider keys; not reviewers, buyers, the risk system or anonymous', async () => {
    const { refundId, token: buyerToken } = await refundFor();
    const body = { type: 'SUBMITTED', providerRef: 'x' };
    expect((await post(refundId, body, reviewerToken)).status).toBe(403);
    expect((await post(refundId, body, buyerToken)).status).toBe(403);
    expect((await post(refundId, body, RISK_KEY)).status).toBe(403);
    expect((await call('POST', `/api/v1/refunds/${refundId}/events`, { body })).status).toBe(401);
    expect((await post(refundId, body, 'wrong-key')).status).toBe(401);
    expect((await env.deps.prisma.refund.findUniqueOrThrow({ where: { id: refundId } })).status).toBe(
      'SCHEDULED',
    );
  });
});
