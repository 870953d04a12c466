// The API smoke: a newcomer's whole path (register an order, open the link, upload, submit, log in, decide,
// record a refund event) and every staff list with every filter, over HTTP only. Runs in process by
// default; CI runs it again against `npm start` on an empty data folder (APPEAL_TARGET=embedded, PGlite)
// and against `npm start` on an empty PostgreSQL database (APPEAL_TARGET=postgres), so a query that only
// one database accepts fails here (see test/support/target.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedOrder, tokenFromUrl } from '../support/factories.ts';
import { goodImage } from '../support/images.ts';
import { uploadForm } from '../support/intake.ts';
import { openTarget, type Target, until } from '../support/target.ts';

let t: Target;
type Staff = Awaited<ReturnType<Target['staff']>>;
let reviewer: Staff;
let lead: Staff;
let finance: Staff;
let admin: Staff;
let security: Staff;
const appeal = { id: '', token: '', orderId: '' };

beforeAll(async () => {
  t = await openTarget();
  reviewer = await t.staff(['REVIEWER']);
  lead = await t.staff(['LEAD']);
  finance = await t.staff(['FINANCE']);
  admin = await t.staff(['ADMIN']);
  security = await t.staff(['SECURITY']);
}, 200_000);

afterAll(async () => {
  await t?.close();
}, 60_000);

describe(`newcomer path (${process.env.APPEAL_TARGET ?? 'in-process'})`, () => {
  it('register, open the link, upload, submit, routed, reject, refund SUBMITTED and SETTLED', {
    timeout: 180_000,
  }, async () => {
    const order = blockedOrder();
    const reg = await t.call('POST', '/api/v1/blocked-orders', { token: t.riskKey, body: order });
    expect(reg.status).toBe(201);
    appeal.id = reg.body.appealId;
    appeal.token = tokenFromUrl(reg.body.appealUrl);
    appeal.orderId = order.orderId;

    const link = await t.call('GET', `/a/${appeal.token}`);
    expect(link.status).toBe(302);
    expect(link.headers.get('location')).toBe('/appeal');
    expect(link.headers.get('set-cookie')).toContain('ad_buyer=');

    const base = `/api/v1/appeals/${appeal.id}`;
    const idType = await t.call('PUT', `${base}/id-type`, {
      token: appeal.token,
      body: { idType: 'PASSPORT' },
    });
    expect(idType.status).toBe(200);
    for (const [slot, fields] of [
      ['ID_FRONT', {}],
      ['CARD_FRONT', { cardLast4: '4242' }],
      ['CARD_BACK', {}],
      ['BILLING_STATEMENT', {}],
    ] as const) {
      const up = await t.call('POST', `${base}/documents`, {
        token: appeal.token,
        rawBody: uploadForm({ slot, file: await goodImage(slot), fields }),
      });
      expect(up.status, `${slot}: ${up.text}`).toBe(201);
    }
    const sub = await t.call('POST', `${base}/submit`, { token: appeal.token });
    expect(sub.status, sub.text).toBe(200);
    expect(sub.body.status).toBe('SUBMITTED');

    // the console's own filter: this is what answered 500 on PGlite
    const routed = await until('routing to the reviewer', async () => {
      const q = await t.call('GET', '/api/v1/cases?status=SUBMITTED,IN_REVIEW', { token: reviewer.token });
      expect(q.status, q.text).toBe(200);
      const row = q.body.items.find((c: { id: string }) => c.id === appeal.id);
      return row?.assignee?.id === reviewer.id ? row : null;
    });
    expect(routed.status).toBe('IN_REVIEW');

    const reasons = await t.call('GET', '/api/v1/reason-codes', { token: reviewer.token });
    expect(reasons.status).toBe(200);
    const rejectCode = reasons.body.items.find((r: { code: string }) => r.code === 'NAME_MISMATCH')?.code;
    expect(rejectCode).toBe('NAME_MISMATCH');
    const decided = await t.call('POST', `/api/v1/cases/${appeal.id}/decision`, {
      token: reviewer.token,
      body: { decision: 'REJECT', reasonCodes: [rejectCode], buyerMessage: 'The name does not match.' },
    });
    expect(decided.status, decided.text).toBe(200);
    expect(decided.body.status).toBe('REJECTED');
    const refundId = decided.body.refundId as string;
    expect(refundId).toMatch(/^[0-9a-f-]{36}$/);

    const submitted = await t.call('POST', `/api/v1/refunds/${refundId}/events`, {
      token: finance.token,
      body: { type: 'SUBMITTED', providerRef: 'PSP-1' },
    });
    expect(submitted.status, submitted.text).toBe(200);
    const settled = await t.call('POST', `/api/v1/refunds/${refundId}/events`, {
      token: t.providerKey,
      body: { type: 'SETTLED', arn: '12345678901234567890123' },
    });
    expect(settled.status, settled.text).toBe(200);
    const refund = await t.call('GET', `/api/v1/refunds/${refundId}`, { token: finance.token });
    expect(refund.body.status).toBe('SETTLED');

    const view = await t.call('GET', base, { token: appeal.token });
    expect(view.status).toBe(200);
    expect(view.body.status).toBe('REJECTED');
  });
});

describe('every staff list with every filter answers 200', () => {
  const statuses = [
    'AWAITING_DOCUMENTS',
    'SUBMITTED',
    'IN_REVIEW',
    'MORE_INFO_REQUESTED',
    'APPROVED',
    'REJECTED',
    'EXPIRED',
    'WITHDRAWN',
  ];
  const lists = (): [string, string, string][] => {
    const caseQueries = [
      '',
      ...statuses.map((s) => `status=${s}`),
      'status=SUBMITTED,IN_REVIEW',
      `status=${statuses.join(',')}`,
      'assignee=me',
      'assignee=unassigned',
      `assignee=${reviewer.id}`,
      'overdue=true',
      'overdue=false',
      'escalated=true',
      'escalated=false',
      'needsLead=true',
      'needsLead=false',
      `status=IN_REVIEW&assignee=me&overdue=false&escalated=false&needsLead=false&limit=1`,
      `cursor=${appeal.id || '00000000-0000-4000-8000-000000000000'}`,
    ];
    return [
      ...caseQueries.map((q) => ['lead', '/api/v1/cases', q] as [string, string, string]),
      ...caseQueries.map((q) => ['reviewer', '/api/v1/cases', q] as [string, string, string]),
      ['reviewer', `/api/v1/cases/${appeal.id}`, ''],
      ['lead', '/api/v1/team/sla', ''],
      ['lead', '/api/v1/team/sla', 'from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z'],
      ['reviewer', '/api/v1/reason-codes', ''],
      ['admin', '/api/v1/payment-errors', ''],
      ...['', 'status=SCHEDULED', 'status=SUBMITTED', 'status=SETTLED', 'status=FAILED'].flatMap((s) =>
        ['', 'overdue=true', 'overdue=false', 'currency=EUR', 'from=2026-01-01&to=2030-01-01'].map(
          (f) => ['finance', '/api/v1/refunds', [s, f].filter(Boolean).join('&')] as [string, string, string],
        ),
      ),
      ['finance', '/api/v1/refunds/summary', ''],
      ['finance', '/api/v1/refunds/summary', 'status=SETTLED&currency=EUR&from=2026-01-01'],
      ['finance', '/api/v1/refunds.csv', ''],
      ['finance', '/api/v1/refunds.csv', 'status=SETTLED&overdue=false'],
      ...['', 'role=REVIEWER', 'role=LEAD', 'role=FINANCE', 'role=ADMIN', 'role=SECURITY', 'limit=1'].map(
        (q) => ['admin', '/api/v1/staff', q] as [string, string, string],
      ),
      ...[
        '',
        'status=PENDING',
        'status=DONE',
        'status=FAILED,DEAD',
        'status=PENDING,PUBLISHED,DONE,FAILED,DEAD',
      ].map((q) => ['admin', '/api/v1/outbox', q] as [string, string, string]),
      ...['', `appealId=${appeal.id}`, 'action=LOGIN_SUCCEEDED', `actor=${reviewer.id}`, 'limit=1'].map(
        (q) => ['admin', '/api/v1/audit', q] as [string, string, string],
      ),
      ['security', '/api/v1/incidents', ''],
      ['security', '/api/v1/incidents', `appealId=${appeal.id}`],
      ['service', '/api/v1/webhooks', ''],
      ['admin', '/api/v1/calendar/holidays', ''],
      ['admin', '/api/v1/calendar/holidays', 'year=2026'],
      ['admin', '/api/v1/me', ''],
    ];
  };

  it('each list, each filter (one call each)', { timeout: 120_000 }, async () => {
    const who: Record<string, { token: string }> = {
      reviewer,
      lead,
      finance,
      admin,
      security,
      service: { token: t.riskKey },
    };
    const failures: string[] = [];
    for (const [role, path, q] of lists()) {
      const r = await t.call('GET', q ? `${path}?${q}` : path, { token: who[role]!.token });
      if (r.status !== 200) failures.push(`${role} GET ${path}?${q} -> ${r.status} ${r.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    // the rejected case shows under its status for the lead, and the audit trail has the decision
    const rejected = await t.call('GET', '/api/v1/cases?status=REJECTED', { token: lead.token });
    expect(rejected.body.items.map((c: { id: string }) => c.id)).toContain(appeal.id);
    const settled = await t.call('GET', '/api/v1/refunds?status=SETTLED', { token: finance.token });
    expect(settled.body.items.length).toBeGreaterThanOrEqual(1);
  });
});
