// Withdrawal (POST /api/v1/appeals/:id/withdraw) and expiry (the 'appeals.expire' job): each ends the
// appeal, writes its history and e-mail, and schedules exactly one refund with the window on the seeded
// business calendar - or none when the payment was not captured.
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlers } from '../../workers/handlers.ts';
import { createApp } from '../../src/app.ts';
import { EmailMessageSchema } from '../../src/modules/notifications/notifications.templates.ts';
import { expireDueAppeals } from '../../src/modules/appeals/appeals.lifecycle.ts';
import { seedHolidays } from '../../src/modules/sla/sla.calendar.ts';
import { runJob } from '../../src/platform/jobs.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { APPEAL_LINK_PLACEHOLDER } from '../../src/platform/email-outbox.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  env = await createTestEnv();
  await seedHolidays(env.deps.prisma, [2026]);
  server = await listen(createApp(env.deps));
  call = client(server.url);
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

async function emailsFor(appealId: string, template: string) {
  const rows = await env.deps.prisma.outboxMessage.findMany({ where: { topic: 'email.send' } });
  return rows
    .map((r) => r.payload as { appealId?: string; message: Record<string, unknown> & { template: string } })
    .filter((p) => p.appealId === appealId && p.message.template === template)
    .map((p) => p.message);
}

describe('withdraw', () => {
  it('WITHDRAWN in one transaction: history, assignment ended, refund with the Easter-aware window, e-mail', async () => {
    env.clock.set('2026-03-30T09:00:00Z'); // Monday 10:00 BST
    const { appealId, token } = await openAppeal();
    const { prisma } = env.deps;
    // a reviewer had the case: the assignment ends, the record of who had it stays
    const reviewer = await prisma.staffUser.create({
      data: { email: 'rev-w@example.com', name: 'Rev', passwordHash: 'x', roles: ['REVIEWER'] },
    });
    await prisma.appeal.update({
      where: { id: appealId },
      data: { status: 'IN_REVIEW', assigneeId: reviewer.id, assignedAt: env.clock.now() },
    });
    await prisma.caseAssignment.create({
      data: { appealId, reviewerId: reviewer.id, reason: 'ROUTED', assignedAt: env.clock.now() },
    });
    env.clock.set('2026-03-30T09:30:00Z');
    const hook = await prisma.webhookSubscription.create({
      data: { url: 'https://hooks.test/in', secret: 's' },
    });

    const r = await call('POST', `/api/v1/appeals/${appealId}/withdraw`, {
      token,
      body: { reason: 'paid another way' },
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('WITHDRAWN');
    expect(r.body.refund).toMatchObject({
      status: 'SCHEDULED',
      amount: { value: 12_999, currency: 'EUR' },
      // Monday 10:30 BST + 7 / 10 working days, skipping Good Friday 3 April and Easter Monday 6 April
      expectedFrom: '2026-04-10T09:30:00.000Z',
      dueBy: '2026-04-15T09:30:00.000Z',
      arn: null,
      overdue: false,
    });

    const appeal = await prisma.appeal.findUniqueOrThrow({
      where: { id: appealId },
      include: { order: true },
    });
    expect(appeal.assigneeId).toBeNull();
    expect(appeal.closedAt?.toISOString()).toBe('2026-03-30T09:30:00.000Z');
    expect(appeal.order.state).toBe('CANCELLED');
    const assignment = await prisma.caseAssignment.findFirstOrThrow({ where: { appealId } });
    expect(assignment.reviewerId).toBe(reviewer.id);
    expect(assignment.endedAt?.toISOString()).toBe('2026-03-30T09:30:00.000Z');

    const refunds = await prisma.refund.findMany({ where: { appealId } });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      cause: 'WITHDRAWN',
      amountMinor: 12_999n,
      cardLast4: '4242',
      cardBrand: 'VISA',
    });
    expect(refunds[0]!.decidedAt.toISOString()).toBe('2026-03-30T09:30:00.000Z');

    const history = await prisma.caseHistory.findMany({ where: { appealId, action: 'APPEAL_WITHDRAWN' } });
    expect(history.map((h) => [h.actorType, h.fromStatus, h.toStatus, h.reason])).toEqual([
      ['BUYER', 'IN_REVIEW', 'WITHDRAWN', 'paid another way'],
    ]);
    expect(await emailsFor(appealId, 'WITHDRAWN')).toEqual([
      {
        template: 'WITHDRAWN',
        buyerName: 'Bea Buyer',
        orderId: appeal.order.orderId,
        refund: {
          amount: { value: 12_999, currency: 'EUR' },
          expectedFrom: '2026-04-10',
          dueBy: '2026-04-15',
        },
      },
    ]);

    expect(EmailMessageSchema.parse((await emailsFor(appealId, 'WITHDRAWN'))[0]).template).toBe('WITHDRAWN');
    const hooks = (await prisma.outboxMessage.findMany({ where: { topic: 'webhook.deliver' } })).map(
      (r) => r.payload as { subscriptionId: string; type: string; createdAt: string; data: unknown },
    );
    expect(hooks.map((h) => [h.subscriptionId, h.type, h.createdAt, h.data])).toEqual([
      [
        hook.id,
        'appeal.withdrawn',
        '2026-03-30T09:30:00.000Z',
        { appealId, orderId: appeal.order.orderId, refundId: refunds[0]!.id },
      ],
    ]);
    await prisma.webhookSubscription.update({ where: { id: hook.id }, data: { active: false } });
    // a second withdrawal is refused and changes nothing
    const again = await call('POST', `/api/v1/appeals/${appealId}/withdraw`, { token });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('APPEAL.INVALID_TRANSITION');
    expect(await prisma.refund.count({ where: { appealId } })).toBe(1);
    expect(await emailsFor(appealId, 'WITHDRAWN')).toHaveLength(1);
  });

  it('after a decision: 409 APPEAL.INVALID_TRANSITION, no refund, no e-mail', async () => {
    const { appealId, token } = await openAppeal();
    await env.deps.prisma.appeal.update({ where: { id: appealId }, data: { status: 'APPROVED' } });
    const r = await call('POST', `/api/v1/appeals/${appealId}/withdraw`, { token });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('APPEAL.INVALID_TRANSITION');
    expect(await env.deps.prisma.refund.count({ where: { appealId } })).toBe(0);
    expect(await emailsFor(appealId, 'WITHDRAWN')).toHaveLength(0);
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: appealId } })).status).toBe(
      'APPROVED',
    );
  });

  it('payment not captured: WITHDRAWN, order cancelled, no refund, e-mail says no refund', async () => {
    const { appealId, token } = await openAppeal({ paymentCaptured: false });
    const r = await call('POST', `/api/v1/appeals/${appealId}/withdraw`, { token });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('WITHDRAWN');
    expect(r.body.refund).toBeNull();
    expect(await env.deps.prisma.refund.count({ where: { appealId } })).toBe(0);
    const appeal = await env.deps.prisma.appeal.findUniqueOrThrow({
      where: { id: appealId },
      include: { order: true },
    });
    expect(appeal.order.state).toBe('CANCELLED');
    const [mail] = await emailsFor(appealId, 'WITHDRAWN');
    expect(mail?.refund).toBeNull();
  });

  it('only the buyer of this appeal: another buyer gets 404, no token 401', async () => {
    const a = await openAppeal();
    const b = await openAppeal();
    const other = await call('POST', `/api/v1/appeals/${a.appealId}/withdraw`, { token: b.token });
    expect(other.status).toBe(404);
    const anon = await call('POST', `/api/v1/appeals/${a.appealId}/withdraw`);
    expect(anon.status).toBe(401);
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } })).status).toBe(
      'AWAITING_DOCUMENTS',
    );
  });
});

describe('expiry job', () => {
  it('expires after 14 calendar days without buyer action, to the millisecond; idempotent; via the job handler', async () => {
    const { prisma } = env.deps;
    // leave no other appeal due: earlier tests' appeals are closed or recent; close any still waiting
    await prisma.appeal.updateMany({
      where: { status: { in: ['AWAITING_DOCUMENTS', 'MORE_INFO_REQUESTED'] } },
      data: { status: 'SUBMITTED' },
    });
    env.clock.set('2026-03-02T09:00:00Z');
    const waiting = await openAppeal();
    const moreInfo = await openAppeal({ amount: { value: 5000, currency: 'JPY' } });
    const busy = await openAppeal();
    await prisma.appeal.update({ where: { id: moreInfo.appealId }, data: { status: 'MORE_INFO_REQUESTED' } });
    await prisma.appeal.update({ where: { id: busy.appealId }, data: { status: 'SUBMITTED' } });

    env.clock.set('2026-03-16T08:59:59.999Z');
    expect(await expireDueAppeals(env.deps)).toBe(0);

    env.clock.set('2026-03-16T09:00:00.000Z');
    const job = { name: 'appeals.expire', data: {}, attemptsMade: 0, id: 'x' } as unknown as Job;
    await runJob(handlers({ deps: env.deps, mailer: {} as never }), job, env.deps);
    const statuses = await prisma.appeal.findMany({
      where: { id: { in: [waiting.appealId, moreInfo.appealId, busy.appealId] } },
      select: { id: true, status: true },
    });
    expect(Object.fromEntries(statuses.map((s) => [s.id, s.status]))).toEqual({
      [waiting.appealId]: 'EXPIRED',
      [moreInfo.appealId]: 'EXPIRED',
      [busy.appealId]: 'SUBMITTED',
    });
    const refunds = await prisma.refund.findMany({
      where: { appealId: { in: [waiting.appealId, moreInfo.appealId] } },
      orderBy: { currency: 'asc' },
    });
    expect(
      refunds.map((r) => [
        r.cause,
        r.currency,
        r.amountMinor,
        r.decidedAt.toISOString(),
        r.expectedFrom.toISOString(),
        r.dueBy.toISOString(),
      ]),
    ).toEqual([
      [
        'EXPIRED',
        'EUR',
        12_999n,
        '2026-03-16T09:00:00.000Z',
        '2026-03-25T09:00:00.000Z',
        '2026-03-30T08:00:00.000Z',
      ],
      [
        'EXPIRED',
        'JPY',
        5000n,
        '2026-03-16T09:00:00.000Z',
        '2026-03-25T09:00:00.000Z',
        '2026-03-30T08:00:00.000Z',
      ],
    ]);
    const history = await prisma.caseHistory.findMany({
      where: { appealId: moreInfo.appealId, action: 'APPEAL_EXPIRED' },
    });
    expect(history.map((h) => [h.actorType, h.fromStatus, h.toStatus])).toEqual([
      ['SYSTEM', 'MORE_INFO_REQUESTED', 'EXPIRED'],
    ]);
    const [mail] = await emailsFor(moreInfo.appealId, 'EXPIRED');
    // what the e-mail worker will render must pass the template schema
    expect(EmailMessageSchema.parse(mail).template).toBe('EXPIRED');
    expect(mail?.refund).toEqual({
      amount: { value: 5000, currency: 'JPY' },
      expectedFrom: '2026-03-25',
      // Monday 30 March 09:00 BST: the wall-clock time is kept across the DST change
      dueBy: '2026-03-30',
    });
    // the stored row holds a placeholder; the e-mail worker puts in the current link at send time
    expect(mail?.appealUrl).toBe(APPEAL_LINK_PLACEHOLDER);

    // running again changes nothing
    env.clock.set('2026-03-16T09:15:00.000Z');
    expect(await expireDueAppeals(env.deps)).toBe(0);
    expect(
      await prisma.refund.count({ where: { appealId: { in: [waiting.appealId, moreInfo.appealId] } } }),
    ).toBe(2);
    expect(await emailsFor(waiting.appealId, 'EXPIRED')).toHaveLength(1);
  });

  it('calendar days across the DST change; a Good Friday expiry starts the window on Tuesday; not captured: no refund', async () => {
    const { prisma } = env.deps;
    env.clock.set('2026-03-20T12:00:00Z'); // 12:00 GMT
    const captured = await openAppeal();
    const notCaptured = await openAppeal({ paymentCaptured: false });
    // 14 local days later is Good Friday 3 April 12:00 BST = 11:00Z (13 days 23 h of elapsed time)
    env.clock.set('2026-04-03T10:59:59.999Z');
    expect(await expireDueAppeals(env.deps)).toBe(0);
    env.clock.set('2026-04-03T11:00:00.000Z');
    expect(await expireDueAppeals(env.deps)).toBe(2);
    const refund = await prisma.refund.findUniqueOrThrow({ where: { appealId: captured.appealId } });
    // Good Friday, the weekend and Easter Monday do not count: the clock starts Tuesday 7 April 00:00 BST
    expect(refund.expectedFrom.toISOString()).toBe('2026-04-15T23:00:00.000Z');
    expect(refund.dueBy.toISOString()).toBe('2026-04-20T23:00:00.000Z');
    expect(await prisma.refund.count({ where: { appealId: notCaptured.appealId } })).toBe(0);
    const [mail] = await emailsFor(captured.appealId, 'EXPIRED');
    expect(mail?.refund).toEqual({
      amount: { value: 12_999, currency: 'EUR' },
      expectedFrom: '2026-04-16',
      dueBy: '2026-04-20',
    });
    const [none] = await emailsFor(notCaptured.appealId, 'EXPIRED');
    expect(none?.refund).toBeNull();
  });

  it('buyer activity after the scan is seen under the lock: no expiry', async () => {
    const { prisma } = env.deps;
    env.clock.set('2026-05-01T09:00:00Z');
    const a = await openAppeal();
    env.clock.set('2026-05-20T09:00:00Z');
    // the buyer acted just now (as an upload would record)
    await prisma.appeal.update({ where: { id: a.appealId }, data: { lastBuyerActivityAt: env.clock.now() } });
    const { expireAppeal } = await import('../../src/modules/appeals/appeals.lifecycle.ts');
    expect(await expireAppeal(env.deps, a.appealId)).toBe(false);
    expect((await prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } })).status).toBe(
      'AWAITING_DOCUMENTS',
    );
  });
});
