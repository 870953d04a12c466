import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import type { TestServer } from '../support/http.ts';
import { type Call, startApiEnv, stopApiEnv } from '../support/api-env.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;

beforeAll(async () => {
  ({ env, server, call } = await startApiEnv());
});
afterAll(() => stopApiEnv(env, server));

async function counts() {
  const p = env.deps.prisma;
  return {
    orders: await p.blockedOrder.count(),
    appeals: await p.appeal.count(),
    outbox: await p.outboxMessage.count(),
    history: await p.caseHistory.count(),
  };
}

describe('POST /api/v1/blocked-orders', () => {
  it('creates an order and an appeal for an appealable code and returns the link', async () => {
    const body = blockedOrder();
    const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
    expect(r.status).toBe(201);
    expect(r.body.appealable).toBe(true);
    expect(r.body.appealUrl).toMatch(/^http:\/\/appeal\.test\/a\/apl_[A-Za-z0-9_-]{40,}$/);
    const appeal = await env.deps.prisma.appeal.findUniqueOrThrow({
      where: { id: r.body.appealId },
      include: { order: true },
    });
    expect(appeal.status).toBe('AWAITING_DOCUMENTS');
    expect(appeal.order.amountMinor).toBe(12_999n);
    // only the hash of the token is stored, and the link expires after 30 days
    const token = tokenFromUrl(r.body.appealUrl);
    expect(JSON.stringify(appeal, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(token);
    expect(appeal.tokenExpiresAt.getTime() - env.clock.now().getTime()).toBe(30 * 86_400_000);
    // the appeal-opened e-mail is queued in the same transaction
    const outbox = await env.deps.prisma.outboxMessage.findMany();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.topic).toBe('email.send');
    expect((outbox[0]!.payload as { message: { template: string } }).message.template).toBe('APPEAL_OPENED');
    // the stored row never holds a working token: the worker puts the link in at send time
    expect(JSON.stringify(outbox[0]!.payload)).not.toContain('apl_');
  });

  it('is idempotent on orderId: same body 200 with the same link, different body 409', async () => {
    const body = blockedOrder();
    const first = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
    expect(first.status).toBe(201);
    const before = await counts();
    const again = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: { ...body } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const different = await call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      body: { ...body, amount: { value: 1, currency: 'EUR' } },
    });
    expect(different.status).toBe(409);
    expect(different.body.error.code).toBe('ORDER.CONFLICT');
    expect(await counts()).toEqual(before);
  });

  it('20 concurrent identical registrations create one order and one appeal', async () => {
    const body = blockedOrder();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => r.body.appealUrl)).size).toBe(1);
    expect(await env.deps.prisma.blockedOrder.count({ where: { orderId: body.orderId } })).toBe(1);
    expect(await env.deps.prisma.appeal.count({ where: { order: { orderId: body.orderId } } })).toBe(1);
  });

  it('returns the catalogue entry and no appeal for a non-appealable code', async () => {
    const r = await call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      body: blockedOrder({ errorCode: 'INSUFFICIENT_FUNDS' }),
    });
    expect(r.status).toBe(201);
    expect(r.body.appealable).toBe(false);
    expect(r.body.appealUrl).toBeUndefined();
    expect(r.body.paymentError).toMatchObject({ code: 'INSUFFICIENT_FUNDS', appealable: false });
  });

  const bad: [string, (b: ReturnType<typeof blockedOrder>) => unknown, number, string][] = [
    ['missing orderId', (b) => ({ ...b, orderId: undefined }), 400, 'REQUEST.INVALID'],
    ['missing buyer', (b) => ({ ...b, buyer: undefined }), 400, 'REQUEST.INVALID'],
    [
      'amount as string',
      (b) => ({ ...b, amount: { value: '12.99', currency: 'EUR' } }),
      400,
      'REQUEST.INVALID',
    ],
    ['negative amount', (b) => ({ ...b, amount: { value: -5, currency: 'EUR' } }), 400, 'REQUEST.INVALID'],
    [
      'non-integer amount',
      (b) => ({ ...b, amount: { value: 12.5, currency: 'EUR' } }),
      400,
      'REQUEST.INVALID',
    ],
    ['zero amount', (b) => ({ ...b, amount: { value: 0, currency: 'EUR' } }), 400, 'REQUEST.INVALID'],
    ['unknown currency', (b) => ({ ...b, amount: { value: 5, currency: 'XYZ' } }), 400, 'REQUEST.INVALID'],
    ['lower-case currency', (b) => ({ ...b, amount: { value: 5, currency: 'eur' } }), 400, 'REQUEST.INVALID'],
    ['last4 with 3 digits', (b) => ({ ...b, card: { ...b.card, last4: '424' } }), 400, 'REQUEST.INVALID'],
    ['last4 with letters', (b) => ({ ...b, card: { ...b.card, last4: '42a2' } }), 400, 'REQUEST.INVALID'],
    [
      'full card number as last4',
      (b) => ({ ...b, card: { ...b.card, last4: '4111111111111111' } }),
      400,
      'REQUEST.INVALID',
    ],
    ['unknown error code', (b) => ({ ...b, errorCode: 'NOPE' }), 400, 'REQUEST.INVALID'],
    ['bad email', (b) => ({ ...b, buyer: { ...b.buyer, email: 'not-an-email' } }), 400, 'REQUEST.INVALID'],
    ['blockedAt not a date', (b) => ({ ...b, blockedAt: 'yesterday' }), 400, 'REQUEST.INVALID'],
    ['paymentCaptured as string', (b) => ({ ...b, paymentCaptured: 'yes' }), 400, 'REQUEST.INVALID'],
    ['unknown field', (b) => ({ ...b, extra: 1 }), 400, 'REQUEST.INVALID'],
    [
      'prototype pollution key',
      (b) => JSON.parse(`{"__proto__":{"admin":true},${JSON.stringify(b).slice(1)}`),
      400,
      'REQUEST.INVALID',
    ],
    [
      'SQL metacharacters in orderId',
      (b) => ({ ...b, orderId: "x'; DROP TABLE appeals;--" }),
      400,
      'REQUEST.INVALID',
    ],
    ['array body', () => [1, 2], 400, 'REQUEST.INVALID'],
  ];
  it.each(bad)('rejects %s with the error shape and writes nothing', async (_name, mutate, status, code) => {
    const before = await counts();
    const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: mutate(blockedOrder()) });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(typeof r.body.error.message).toBe('string');
    expect(await counts()).toEqual(before);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('rejects malformed JSON with 400 REQUEST.MALFORMED_JSON', async () => {
    const before = await counts();
    const r = await call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      rawBody: '{"orderId": "x",',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('REQUEST.MALFORMED_JSON');
    expect(await counts()).toEqual(before);
  });

  it('requires a valid service key', async () => {
    const before = await counts();
    const none = await call('POST', '/api/v1/blocked-orders', { body: blockedOrder() });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('AUTH.REQUIRED');
    const wrong = await call('POST', '/api/v1/blocked-orders', { token: 'not-a-key', body: blockedOrder() });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('AUTH.INVALID');
    const basic = await call('POST', '/api/v1/blocked-orders', {
      headers: { authorization: 'Basic abc' },
      body: blockedOrder(),
    });
    expect(basic.status).toBe(401);
    expect(await counts()).toEqual(before);
  });
});

describe('payment-error catalogue', () => {
  it('serves every code of SPEC section 2 from the seeded table', async () => {
    const r = await call('GET', '/api/v1/payment-errors');
    expect(r.status).toBe(200);
    const codes = r.body.items.map((i: { code: string }) => i.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'CARD_TYPE_UNSUPPORTED',
        'THREE_DS_NOT_ENROLLED',
        'ISC_RS_5100102051',
        'HIGH_FREQUENCY',
      ]),
    );
    expect(
      r.body.items.filter((i: { appealable: boolean }) => i.appealable).map((i: { code: string }) => i.code),
    ).toEqual(['ISC_RS_5100102051']);
  });
  it('serves one entry, and 404 for an unknown code', async () => {
    const one = await call('GET', '/api/v1/payment-errors/ISSUER_DECLINED');
    expect(one.status).toBe(200);
    expect(one.body.action).toBe('Contact your card issuer.');
    const none = await call('GET', '/api/v1/payment-errors/NOPE');
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('PAYMENT_ERROR.NOT_FOUND');
  });
});

describe('GET /api/v1/appeals/:id', () => {
  it('shows the buyer their appeal and answers 404 for any other appeal', async () => {
    const a = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
    const b = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
    const tokenA = tokenFromUrl(a.body.appealUrl);
    const mine = await call('GET', `/api/v1/appeals/${a.body.appealId}`, { token: tokenA });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      id: a.body.appealId,
      status: 'AWAITING_DOCUMENTS',
      idType: null,
      answerBy: null,
    });
    expect(mine.body.slots.map((s: { slot: string }) => s.slot)).toEqual([
      'ID_FRONT',
      'ID_BACK',
      'CARD_FRONT',
      'CARD_BACK',
      'BILLING_STATEMENT',
    ]);
    expect(mine.body.order.card).toEqual({ brand: 'VISA', last4: '4242' });
    const other = await call('GET', `/api/v1/appeals/${b.body.appealId}`, { token: tokenA });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('APPEAL.NOT_FOUND');
    const anon = await call('GET', `/api/v1/appeals/${a.body.appealId}`);
    expect(anon.status).toBe(401);
    const forged = await call('GET', `/api/v1/appeals/${a.body.appealId}`, {
      token: `${tokenA.slice(0, -2)}xx`,
    });
    expect(forged.status).toBe(401);
  });

  it('answers 401 AUTH.TOKEN_EXPIRED once the link has expired', async () => {
    const a = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
    const token = tokenFromUrl(a.body.appealUrl);
    env.clock.advance(31 * 86_400_000);
    const r = await call('GET', `/api/v1/appeals/${a.body.appealId}`, { token });
    env.clock.advance(-31 * 86_400_000);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('AUTH.TOKEN_EXPIRED');
  });
});
