// Signed refund-provider callbacks (REFUND_PROVIDER_SIGNING_SECRETS set): the provider's Bearer key plus
// `X-Provider-Timestamp` and `X-Provider-Signature: v1=HMAC(secret, ts + "." + raw body)`. Valid signatures
// (either rotated secret) are accepted; tampered body, wrong secret, stale/future timestamp, missing
// headers, or a signature without the key are refused 401 with nothing recorded; replays stay idempotent.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { sha256 } from '../../src/http/auth.ts';
import { scheduleRefundInTx } from '../../src/modules/refunds/refunds.create.ts';
import { loadCalendar, seedHolidays } from '../../src/modules/sla/sla.calendar.ts';
import { signWebhook } from '../../src/platform/webhook-signature.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';

const PROVIDER_KEY = 'sig-provider-key';
const NEW_SECRET = randomBytes(32).toString('base64url');
const OLD_SECRET = randomBytes(32).toString('base64url');
const ARN = '74537606123123456789012';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let financeToken: string;

beforeAll(async () => {
  env = await createTestEnv(
    { REFUND_PROVIDER_KEYS: PROVIDER_KEY, REFUND_PROVIDER_SIGNING_SECRETS: `${NEW_SECRET},${OLD_SECRET}` },
    { poolSize: 8 },
  );
  await seedHolidays(env.deps.prisma, [2026]);
  server = await listen(createApp(env.deps));
  call = client(server.url);
  financeToken = `stf_${randomBytes(24).toString('base64url')}`;
  const user = await env.deps.prisma.staffUser.create({
    data: { email: 'fin@staff.test', name: 'Finance', passwordHash: 'x', roles: ['FINANCE'] },
  });
  await env.deps.prisma.staffSession.create({
    data: { id: sha256(financeToken), userId: user.id, csrfToken: 'c', expiresAt: new Date('2099-01-01') },
  });
});
afterAll(async () => {
  await server.close();
  await env.close();
});

/** A SUBMITTED refund (rejected appeal, then finance marks it sent to the provider). */
async function submittedRefund(): Promise<string> {
  const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
  expect(r.status).toBe(201);
  const appealId = r.body.appealId as string;
  const cal = await loadCalendar(env.deps);
  const refundId = await env.deps.prisma.$transaction(async (tx) => {
    const now = env.clock.now();
    await tx.appeal.update({
      where: { id: appealId },
      data: { status: 'REJECTED', decidedAt: now, closedAt: now },
    });
    return scheduleRefundInTx(tx, cal, { appealId, cause: 'REJECTED', decidedAt: now });
  });
  if (typeof refundId !== 'string') throw new Error('no refund');
  const sub = await call('POST', `/api/v1/refunds/${refundId}/events`, {
    token: financeToken,
    body: { type: 'SUBMITTED', providerRef: `psp-${randomBytes(3).toString('hex')}` },
  });
  expect(sub.status).toBe(200); // finance staff need no signature
  return refundId;
}

const nowSec = () => Math.floor(env.clock.now().getTime() / 1000);

function signed(
  refundId: string,
  raw: string,
  opts: {
    secret?: string;
    ts?: number;
    signedBody?: string;
    token?: string | null;
    headers?: Record<string, string>;
  } = {},
) {
  const ts = opts.ts ?? nowSec();
  return call('POST', `/api/v1/refunds/${refundId}/events`, {
    token: opts.token === null ? undefined : (opts.token ?? PROVIDER_KEY),
    rawBody: raw,
    headers: {
      'content-type': 'application/json',
      'X-Provider-Timestamp': String(ts),
      'X-Provider-Signature': signWebhook(opts.secret ?? NEW_SECRET, ts, opts.signedBody ?? raw),
      ...opts.headers,
    },
  });
}

async function recorded(refundId: string) {
  const p = env.deps.prisma;
  return {
    status: (await p.refund.findUniqueOrThrow({ where: { id: refundId } })).status,
    events: await p.refundEvent.count({ where: { refundId } }),
    keys: await p.idempotencyRecord.count(),
    outbox: await p.outboxMessage.count(),
  };
}

describe('signed provider callbacks', () => {
  it('a valid signature over the raw bytes (not a re-serialisation) is accepted and the event recorded', async () => {
    env.clock.set('2026-03-02T09:00:00Z');
    const refundId = await submittedRefund();
    // odd spacing: JSON.stringify(req.body) would differ, so this passes only if the raw bytes are signed
    const raw = `{ "type" : "SETTLED",  "arn": "${ARN}" }`;
    const r = await signed(refundId, raw);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ id: refundId, status: 'SETTLED', arn: ARN });
    const ev = await env.deps.prisma.refundEvent.findFirstOrThrow({ where: { refundId, type: 'SETTLED' } });
    expect([ev.actorType, ev.actorId]).toEqual(['PROVIDER', 'provider-key#0']);
  });

  it('the previous secret still verifies during a rotation', async () => {
    const refundId = await submittedRefund();
    const r = await signed(refundId, JSON.stringify({ type: 'SETTLED', arn: ARN }), { secret: OLD_SECRET });
    expect(r.status, r.text).toBe(200);
    expect((await recorded(refundId)).status).toBe('SETTLED');
  });

  it('tampered body, wrong secret, stale or future timestamp, missing or malformed headers: 401, nothing recorded', async () => {
    const refundId = await submittedRefund();
    const raw = JSON.stringify({ type: 'SETTLED', arn: ARN, idempotencyKey: 'sig-refused' });
    const before = await recorded(refundId);
    const cases: Array<[string, Parameters<typeof signed>[2], string]> = [
      ['tampered body', { signedBody: raw.replace(ARN, '74537606123123456789999') }, 'does not match'],
      ['wrong secret', { secret: randomBytes(32).toString('base64url') }, 'does not match'],
      ['stale timestamp (6 min)', { ts: nowSec() - 360 }, 'outside the allowed window'],
      ['future timestamp (6 min)', { ts: nowSec() + 360 }, 'outside the allowed window'],
      [
        'timestamp not a number',
        { headers: { 'X-Provider-Timestamp': '1e9' } },
        'outside the allowed window',
      ],
      ['signature header missing', { headers: { 'X-Provider-Signature': '' } }, 'must be signed'],
      ['timestamp header missing', { headers: { 'X-Provider-Timestamp': '' } }, 'must be signed'],
      ['other scheme only', { headers: { 'X-Provider-Signature': 'v2=abc' } }, 'does not match'],
    ];
    for (const [name, opts, message] of cases) {
      const r = await signed(refundId, raw, opts);
      expect(r.status, name).toBe(401);
      expect(r.body.error.code, name).toBe('AUTH.SIGNATURE_INVALID');
      expect(r.body.error.message, name).toContain(message);
    }
    // timestamp re-signed with a fresh value but the old signature: refused (the timestamp is signed)
    const ts = nowSec() - 10;
    const r = await signed(refundId, raw, {
      headers: {
        'X-Provider-Signature': signWebhook(NEW_SECRET, ts - 400, raw),
        'X-Provider-Timestamp': String(ts),
      },
    });
    expect(r.status).toBe(401);
    // a valid signature without the provider key: not a provider at all
    const noKey = await signed(refundId, raw, { token: null });
    expect(noKey.status).toBe(401);
    expect(noKey.body.error.code).not.toBe('AUTH.SIGNATURE_INVALID');
    expect(await recorded(refundId)).toEqual(before);
    // the same body, properly signed, then goes through: the refusals left no idempotency record behind
    const ok = await signed(refundId, raw);
    expect(ok.status, ok.text).toBe(200);
    expect((await recorded(refundId)).events).toBe(before.events + 1);
  });

  it('a timestamp 4 minutes old is inside the window', async () => {
    const refundId = await submittedRefund();
    const r = await signed(refundId, JSON.stringify({ type: 'SETTLED', arn: ARN }), { ts: nowSec() - 240 });
    expect(r.status, r.text).toBe(200);
  });

  it('idempotency still works: the same signed event resent (freshly signed) answers the first result once recorded', async () => {
    const refundId = await submittedRefund();
    const raw = JSON.stringify({ type: 'SETTLED', arn: ARN, idempotencyKey: 'sig-evt-1' });
    const first = await signed(refundId, raw);
    expect(first.status, first.text).toBe(200);
    const after = await recorded(refundId);
    env.clock.set(new Date(env.clock.now().getTime() + 60_000).toISOString());
    const again = await Promise.all([signed(refundId, raw), signed(refundId, raw)]);
    expect(again.map((a) => a.status)).toEqual([200, 200]);
    expect(again.map((a) => a.headers.get('idempotent-replayed'))).toEqual(['true', 'true']);
    expect(again.map((a) => a.text)).toEqual([first.text, first.text]);
    expect(await recorded(refundId)).toEqual(after);
  });
});
