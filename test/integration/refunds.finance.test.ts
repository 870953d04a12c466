// The finance views: list (overdue first, filters, keyset pages, totals), summary (ageing), the streamed
// CSV export parsed back, and the daily overdue digest with a controlled clock.
import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlers } from '../../workers/handlers.ts';
import { createApp } from '../../src/app.ts';
import { sha256 } from '../../src/http/auth.ts';
import { EmailMessageSchema } from '../../src/modules/notifications/notifications.templates.ts';
import { scheduleRefundInTx } from '../../src/modules/refunds/refunds.create.ts';
import { CSV_COLUMNS, refundCsvRows } from '../../src/modules/refunds/refunds.finance.ts';
import { sendOverdueDigest } from '../../src/modules/refunds/refunds.overdue.ts';
import { loadCalendar, seedHolidays } from '../../src/modules/sla/sla.calendar.ts';
import { runJob } from '../../src/platform/jobs.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';

const ARN = '74537606123123456789012';
let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let financeToken: string;
let adminToken: string;
let reviewerToken: string;
const R: Record<'A' | 'B' | 'C' | 'D' | 'E', string> = { A: '', B: '', C: '', D: '', E: '' };

async function staff(roles: ('FINANCE' | 'REVIEWER' | 'ADMIN')[], name: string, active = true) {
  const token = `stf_${randomBytes(24).toString('base64url')}`;
  const user = await env.deps.prisma.staffUser.create({
    data: {
      email: `${name.toLowerCase().replace(/\W/g, '')}@staff.test`,
      name,
      passwordHash: 'x',
      roles,
      active,
    },
  });
  await env.deps.prisma.staffSession.create({
    data: { id: sha256(token), userId: user.id, csrfToken: 'c', expiresAt: new Date('2099-01-01T00:00:00Z') },
  });
  return token;
}

async function refundAt(at: string, amount: { value: number; currency: string }) {
  env.clock.set(at);
  const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder({ amount }) });
  const appealId = r.body.appealId as string;
  const cal = await loadCalendar(env.deps);
  return env.deps.prisma.$transaction(async (tx) => {
    await tx.appeal.update({ where: { id: appealId }, data: { status: 'REJECTED' } });
    return (await scheduleRefundInTx(tx, cal, { appealId, cause: 'REJECTED', decidedAt: env.clock.now() }))!;
  });
}

const event = (id: string, body: unknown) =>
  call('POST', `/api/v1/refunds/${id}/events`, { token: financeToken, body }).then((r) => {
    expect(r.status).toBe(200);
  });

const NOW = '2026-03-19T12:00:00Z';

beforeAll(async () => {
  env = await createTestEnv();
  await seedHolidays(env.deps.prisma, [2026]);
  server = await listen(createApp(env.deps));
  call = client(server.url);
  financeToken = await staff(['FINANCE'], 'Fin One');
  await staff(['FINANCE'], 'Fin Two');
  await staff(['FINANCE'], 'Fin Gone', false);
  adminToken = await staff(['ADMIN'], 'Ada Admin');
  reviewerToken = await staff(['REVIEWER'], 'Rev Iewer');

  R.A = await refundAt('2026-03-02T09:00:00Z', { value: 12_999, currency: 'EUR' }); // due 16 Mar 09:00Z
  R.B = await refundAt('2026-03-04T09:00:00Z', { value: 5000, currency: 'JPY' }); // due 18 Mar 09:00Z
  R.C = await refundAt('2026-03-09T09:00:00Z', { value: 12_345, currency: 'KWD' }); // due 23 Mar 09:00Z
  R.D = await refundAt('2026-03-16T12:00:00Z', { value: 100, currency: 'EUR' }); // due 30 Mar 11:00Z (BST)
  R.E = await refundAt('2026-03-17T09:00:00Z', { value: 250, currency: 'EUR' }); // due 31 Mar 08:00Z (BST)
  env.clock.set('2026-03-18T10:00:00Z');
  await event(R.C, { type: 'SUBMITTED', providerRef: 'psp-c' });
  await event(R.C, { type: 'FAILED', reason: 'Card closed, "do not retry"' });
  await event(R.D, { type: 'SUBMITTED', providerRef: '=HYPERLINK("http://evil")' });
  await event(R.D, { type: 'SETTLED', arn: ARN });
  env.clock.set(NOW);
});
afterAll(async () => {
  await server.close();
  await env.close();
});

const list = (q = '', token = financeToken) => call('GET', `/api/v1/refunds${q}`, { token });

describe('GET /api/v1/refunds', () => {
  it('overdue first, then by dueBy; flags, ageing, window and totals per currency', async () => {
    const r = await list();
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { id: string }) => i.id)).toEqual([R.A, R.B, R.C, R.D, R.E]);
    expect(
      r.body.items.map((i: { overdue: boolean; ageing: string; status: string }) => [
        i.status,
        i.overdue,
        i.ageing,
      ]),
    ).toEqual([
      ['SCHEDULED', true, 'PAST_DUE'],
      ['SCHEDULED', true, 'PAST_DUE'],
      ['FAILED', false, 'IN_WINDOW_7_10'],
      ['SETTLED', false, 'WITHIN_WINDOW'], // settled on 18 March, before its window opened
      ['SCHEDULED', false, 'WITHIN_WINDOW'],
    ]);
    expect(r.body.items[2]).toMatchObject({
      amount: { value: 12_345, currency: 'KWD' },
      card: { brand: 'VISA', last4: '4242' },
      cause: 'REJECTED',
      decidedAt: '2026-03-09T09:00:00.000Z',
      expectedFrom: '2026-03-18T09:00:00.000Z',
      dueBy: '2026-03-23T09:00:00.000Z',
      providerRef: 'psp-c',
      failureReason: 'Card closed, "do not retry"',
      arn: null,
    });
    expect(r.body.items[2].orderId).toMatch(/^ORD-/);
    expect(r.body.totals).toEqual([
      { currency: 'EUR', value: 13_349, count: 3 },
      { currency: 'JPY', value: 5000, count: 1 },
      { currency: 'KWD', value: 12_345, count: 1 },
    ]);
    expect(r.body.nextCursor).toBeNull();
    // the appeal view shows the same overdue flag
    const views = await Promise.all(
      [r.body.items[0], r.body.items[3]].map((i: { appealId: string }) =>
        call('GET', `/api/v1/appeals/${i.appealId}`, { token: financeToken }),
      ),
    );
    expect(views.map((v) => [v.body.refund.status, v.body.refund.overdue])).toEqual([
      ['SCHEDULED', true],
      ['SETTLED', false],
    ]);
  });

  it('keyset pages of 2 walk every refund once, in order', async () => {
    const seen: string[][] = [];
    let cursor: string | null = null;
    do {
      const r = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(r.body.items.map((i: { id: string }) => i.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([[R.A, R.B], [R.C, R.D], [R.E]]);
  });

  it('filters: status, overdue, currency, decision date range (local days, inclusive)', async () => {
    const ids = async (q: string) => (await list(q)).body.items.map((i: { id: string }) => i.id);
    expect(await ids('?status=FAILED')).toEqual([R.C]);
    expect(await ids('?overdue=true')).toEqual([R.A, R.B]);
    expect((await list('?overdue=true')).body.totals).toEqual([
      { currency: 'EUR', value: 12_999, count: 1 },
      { currency: 'JPY', value: 5000, count: 1 },
    ]);
    expect(await ids('?overdue=false')).toEqual([R.C, R.D, R.E]);
    expect(await ids('?currency=EUR')).toEqual([R.A, R.D, R.E]);
    expect(await ids('?from=2026-03-09&to=2026-03-16')).toEqual([R.C, R.D]);
    expect(await ids('?from=2026-03-16T12:00:00.001Z')).toEqual([R.E]);
    expect(await ids('?currency=EUR&overdue=false&status=SCHEDULED')).toEqual([R.E]);
  });

  it('refuses bad queries and other roles; ADMIN may read', async () => {
    expect((await list('?limit=0')).status).toBe(400);
    expect((await list('?status=PAID')).status).toBe(400);
    expect((await list('?cursor=bm9wZQ')).body.error.code).toBe('REQUEST.INVALID');
    expect((await list('', reviewerToken)).status).toBe(403);
    expect((await call('GET', '/api/v1/refunds')).status).toBe(401);
    expect((await list('', adminToken)).body.items).toHaveLength(5);
  });
});

describe('GET /api/v1/refunds/summary', () => {
  it('totals per currency and status, ageing of open refunds, overdue', async () => {
    const r = await call('GET', '/api/v1/refunds/summary', { token: financeToken });
    expect(r.status).toBe(200);
    expect(r.body.ageing).toEqual({ WITHIN_WINDOW: 1, IN_WINDOW_7_10: 1, PAST_DUE: 2 });
    expect(r.body.overdue).toEqual({
      count: 2,
      totals: [
        { currency: 'EUR', value: 12_999, count: 1 },
        { currency: 'JPY', value: 5000, count: 1 },
      ],
    });
    expect(r.body.byStatus).toEqual([
      { status: 'SCHEDULED', currency: 'EUR', value: 13_249, count: 2 },
      { status: 'SCHEDULED', currency: 'JPY', value: 5000, count: 1 },
      { status: 'SETTLED', currency: 'EUR', value: 100, count: 1 },
      { status: 'FAILED', currency: 'KWD', value: 12_345, count: 1 },
    ]);
    expect(r.body.totals).toHaveLength(3);
  });
});

/** RFC 4180 reader for the test: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field || row.length) throw new Error('last record not terminated by CRLF');
  return rows;
}

describe('GET /api/v1/refunds.csv', () => {
  it('an RFC 4180 attachment with a header row; amounts in major units with each currency’s decimals', async () => {
    const r = await call('GET', '/api/v1/refunds.csv', { token: financeToken });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="refunds-2026-03-19.csv"');
    expect(r.text).toContain('"Card closed, ""do not retry"""');
    const rows = parseCsv(r.text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const body = rows.slice(1);
    expect(body.map((x) => x[col('refund_id')])).toEqual([R.A, R.B, R.C, R.D, R.E]);
    expect(body.map((x) => [x[col('amount')], x[col('currency')]])).toEqual([
      ['129.99', 'EUR'],
      ['5000', 'JPY'],
      ['12.345', 'KWD'],
      ['1.00', 'EUR'],
      ['2.50', 'EUR'],
    ]);
    expect(body[2]![col('failure_reason')]).toBe('Card closed, "do not retry"');
    // a value that a spreadsheet would run as a formula is neutralised
    expect(body[3]![col('provider_ref')]).toBe('\'=HYPERLINK("http://evil")');
    expect(body[3]![col('arn')]).toBe(ARN);
    expect(body.map((x) => [x[col('overdue')], x[col('ageing')]])[0]).toEqual(['true', 'PAST_DUE']);
    expect(body.every((x) => x.length === CSV_COLUMNS.length)).toBe(true);
  });

  it('takes the list filters; refuses other roles', async () => {
    const r = await call('GET', '/api/v1/refunds.csv?currency=JPY', { token: financeToken });
    expect(parseCsv(r.text).map((x) => x[0])).toEqual(['refund_id', R.B]);
    expect((await call('GET', '/api/v1/refunds.csv', { token: reviewerToken })).status).toBe(403);
    expect((await call('GET', '/api/v1/refunds.csv?overdue=yes', { token: financeToken })).status).toBe(400);
  });

  it('reads the table in batches through the cursor (batch of 2 -> every row once, in order)', async () => {
    const ids: string[] = [];
    for await (const row of refundCsvRows(env.deps, {}, 2)) ids.push(row.refund_id);
    expect(ids).toEqual([R.A, R.B, R.C, R.D, R.E]);
  });
});

describe('overdue digest', () => {
  const digests = async () =>
    (
      await env.deps.prisma.outboxMessage.findMany({
        where: { topic: 'email.send' },
        orderBy: { createdAt: 'asc' },
      })
    )
      .map((r) => r.payload as { to: string; message: { template: string } & Record<string, unknown> })
      .filter((p) => p.message.template === 'FINANCE_OVERDUE_DIGEST');

  it('nothing overdue: nothing sent', async () => {
    env.clock.set('2026-03-16T09:00:00Z'); // A is due at this very instant: not yet overdue
    expect(await sendOverdueDigest(env.deps)).toEqual({
      asOf: '2026-03-16',
      overdue: 0,
      emails: 0,
      skipped: 'NONE_OVERDUE',
    });
    expect(await digests()).toHaveLength(0);
  });

  it('one digest per active FINANCE user, working days overdue on the calendar; once per day', async () => {
    env.clock.set(NOW);
    expect(await sendOverdueDigest(env.deps)).toEqual({ asOf: '2026-03-19', overdue: 2, emails: 2 });
    const sent = await digests();
    expect(sent.map((d) => [d.to, d.message.staffName])).toEqual([
      ['finone@staff.test', 'Fin One'],
      ['fintwo@staff.test', 'Fin Two'],
    ]);
    const msg = sent[0]!.message;
    expect(EmailMessageSchema.parse(msg).template).toBe('FINANCE_OVERDUE_DIGEST');
    expect(msg.asOf).toBe('2026-03-19');
    expect(msg.consoleUrl).toBe('http://appeal.test/finance/refunds?overdue=true');
    expect((msg.refunds as { refundId: string }[]).map((x) => x)).toEqual([
      expect.objectContaining({
        refundId: R.A,
        amount: { value: 12_999, currency: 'EUR' },
        dueBy: '2026-03-16',
        workingDaysOverdue: 3,
      }),
      expect.objectContaining({
        refundId: R.B,
        amount: { value: 5000, currency: 'JPY' },
        dueBy: '2026-03-18',
        workingDaysOverdue: 1,
      }),
    ]);
    expect(msg.totals).toEqual([
      { currency: 'EUR', value: 12_999, count: 1 },
      { currency: 'JPY', value: 5000, count: 1 },
    ]);
    // a second run the same day sends nothing more
    env.clock.set('2026-03-19T23:00:00Z');
    expect((await sendOverdueDigest(env.deps)).skipped).toBe('ALREADY_SENT');
    expect(await digests()).toHaveLength(2);
  });

  it('the scheduled job the next day (through the handler map); settling removes a refund from it', async () => {
    env.clock.set('2026-03-20T06:00:00Z');
    await event(R.B, { type: 'SUBMITTED', providerRef: 'psp-b' });
    await event(R.B, { type: 'SETTLED', arn: ARN });
    const job = { name: 'refunds.overdue-digest', data: {}, attemptsMade: 0, id: 'd' } as unknown as Job;
    await runJob(handlers({ deps: env.deps, mailer: {} as never }), job, env.deps);
    const latest = (await digests()).slice(2);
    expect(latest).toHaveLength(2);
    expect(
      (latest[0]!.message.refunds as { refundId: string; workingDaysOverdue: number }[]).map((x) => [
        x.refundId,
        x.workingDaysOverdue,
      ]),
    ).toEqual([
      [R.A, 3], // 16 March 09:00 -> 20 March 06:00 is 3 working days and 21 hours
    ]);
  });
});
