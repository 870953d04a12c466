// Per-reviewer figures through the API (GET /api/v1/team/reviewers and .csv), on a history made by the
// real use cases (lead assignment, decisions, more-info and resubmission, a second approval overruled)
// with a fixed clock: Mon 2026-03-02 09:00 London (GMT, so local = UTC).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import {
  makeStaff,
  markSubmitted,
  processRouting,
  registerAppeal,
  type TestStaff,
} from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let reviewer: TestStaff;
let lead: TestStaff;
let lead2: TestStaff;
let admin: TestStaff;
const ids: Record<string, string> = {};

const HOUR = 3_600_000;

async function ok(p: Promise<{ status: number; text: string }>) {
  const r = await p;
  if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
  return r;
}

beforeAll(async () => {
  env = await createTestEnv({}, { clock: new FakeClock('2026-03-02T09:00:00Z') });
  server = await listen(createApp(env.deps));
  call = client(server.url);
  await env.deps.prisma.staffUser.updateMany({ data: { active: false } });
  // a name that a spreadsheet would run as a formula
  reviewer = await makeStaff(env.deps, ['REVIEWER'], { name: '=HYPERLINK("x")' });
  lead = await makeStaff(env.deps, ['LEAD'], { name: 'Lead One' });
  lead2 = await makeStaff(env.deps, ['LEAD'], { name: 'Lead Two' });
  admin = await makeStaff(env.deps, ['ADMIN']);
  const clock = env.clock;
  const assign = (id: string) =>
    ok(call('POST', `/api/v1/cases/${id}/assign`, { token: lead.token, body: { reviewerId: reviewer.id } }));
  const decide = (who: TestStaff, id: string, body: Record<string, unknown>) =>
    ok(call('POST', `/api/v1/cases/${id}/decision`, { token: who.token, body }));
  const submitted = async (over: Record<string, unknown> = {}) => {
    const id = await registerAppeal(call, over);
    await markSubmitted(env.deps, id);
    return id;
  };

  // c1: assigned Mon 09:00, approved Mon 15:00 -> 6 h
  ids.c1 = await submitted();
  await assign(ids.c1);
  clock.advance(6 * HOUR);
  await decide(reviewer, ids.c1, { decision: 'APPROVE' });

  // c2: assigned Mon 15:00, more info Mon 17:00 (2 h), paused until the resubmission Wed 17:00, routed
  // back to the reviewer, rejected Thu 05:00: 2 h + 7 h + 5 h = 14 h
  ids.c2 = await submitted();
  await assign(ids.c2);
  clock.advance(2 * HOUR);
  await decide(reviewer, ids.c2, {
    decision: 'REQUEST_MORE_INFO',
    reasonCodes: ['IMAGE_BLURRY'],
    slots: ['CARD_FRONT'],
  });
  clock.set('2026-03-04T17:00:00Z');
  await markSubmitted(env.deps, ids.c2);
  await processRouting(env.deps);
  clock.set('2026-03-05T05:00:00Z');
  await decide(reviewer, ids.c2, { decision: 'REJECT', reasonCodes: ['NAME_MISMATCH'] });

  // c3: above the second-approval threshold: assigned Thu 05:00, proposed Thu 07:00 (2 h), the lead
  // rejects it Thu 08:00: an overturn of the reviewer and a decision of the lead
  ids.c3 = await submitted({ amount: { value: 100_001, currency: 'EUR' } });
  await assign(ids.c3);
  clock.advance(2 * HOUR);
  await decide(reviewer, ids.c3, { decision: 'APPROVE' });
  clock.advance(HOUR);
  await decide(lead, ids.c3, { decision: 'REJECT', reasonCodes: ['NAME_MISMATCH'] });

  // c4: open, assigned Fri 12:00; now Mon 12:00: 12 h + weekend + 12 h = 1 working day -> 1-3d
  clock.set('2026-03-06T12:00:00Z');
  ids.c4 = await submitted();
  await assign(ids.c4);
  clock.set('2026-03-09T12:00:00Z');
});
afterAll(async () => {
  await server?.close();
  await env?.close();
});

const RANGE = 'from=2026-03-02&to=2026-03-09';

describe('GET /api/v1/team/reviewers', () => {
  it('the figures of the reviewer and the lead from the recorded history', async () => {
    const r = await call('GET', `/api/v1/team/reviewers?${RANGE}`, { token: lead.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      from: '2026-03-02',
      to: '2026-03-09',
      timezone: 'Europe/London',
      targetWorkingDays: 3,
    });
    const byId = new Map(r.body.items.map((x: { reviewerId: string }) => [x.reviewerId, x]));
    const rev = byId.get(reviewer.id) as Record<string, unknown>;
    expect(rev).toMatchObject({
      name: '=HYPERLINK("x")',
      decisions: 3,
      // 6 h, 14 h, 2 h
      medianHandlingWorkingHours: 6,
      withinTargetShare: 1,
      overturns: 1,
      openByAge: { '0-1d': 0, '1-3d': 1, '3-5d': 0, '5d+': 0 },
    });
    expect(
      (rev.decisionsPerDay as { date: string; count: number }[]).filter((d) => d.count).map((d) => d),
    ).toEqual([
      { date: '2026-03-02', count: 1 },
      { date: '2026-03-05', count: 2 },
    ]);
    expect((rev.decisionsPerDay as unknown[]).length).toBe(8);
    expect(byId.get(lead.id)).toMatchObject({
      decisions: 1,
      medianHandlingWorkingHours: null,
      withinTargetShare: null,
      overturns: 0,
    });
    expect(byId.get(lead2.id)).toMatchObject({ decisions: 0 });
    expect(byId.has(admin.id)).toBe(false);
  });

  it('a range that ends before the decisions shows none of them; open cases are as of now', async () => {
    const r = await call('GET', '/api/v1/team/reviewers?from=2026-02-01&to=2026-03-01', {
      token: lead.token,
    });
    expect(r.status).toBe(200);
    const rev = r.body.items.find((x: { reviewerId: string }) => x.reviewerId === reviewer.id);
    expect(rev).toMatchObject({ decisions: 0, overturns: 0, openByAge: { '1-3d': 1 } });
  });

  it('the same rows as CSV, formula-safe', async () => {
    const r = await call('GET', `/api/v1/team/reviewers.csv?${RANGE}`, { token: lead.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe(
      'attachment; filename="reviewers-2026-03-02-2026-03-09.csv"',
    );
    const lines = r.text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      'reviewerId,name,decisions,medianHandlingWorkingHours,withinTargetShare,overturns,' +
        'open0to1d,open1to3d,open3to5d,open5dPlus,decisionsPerDay',
    );
    const row = lines.find((l) => l.startsWith(reviewer.id))!;
    // the name starts with a quote: a spreadsheet shows it as text instead of running it
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(row).toContain(',3,6,1,1,0,1,0,0,');
    expect(row).toContain('2026-03-02:1 2026-03-03:0 2026-03-04:0 2026-03-05:2');
    expect(lines.find((l) => l.startsWith(lead.id))).toContain('Lead One,1,,,0,0,0,0,0,');
    expect(lines).toHaveLength(1 + 3);
  });

  it('leads only: a reviewer and an admin get 403, no session 401', async () => {
    for (const path of ['/api/v1/team/reviewers', '/api/v1/team/reviewers.csv']) {
      expect((await call('GET', path, { token: reviewer.token })).status).toBe(403);
      expect((await call('GET', path, { token: admin.token })).status).toBe(403);
      expect((await call('GET', path)).status).toBe(401);
    }
  });

  it('a bad range is 400 in the error shape: not a date, from after to, more than 92 days', async () => {
    for (const q of [
      'from=2026-03-xx&to=2026-03-09',
      'from=2026-03-10&to=2026-03-09',
      'from=2026-01-01&to=2026-04-03',
    ]) {
      for (const path of ['/api/v1/team/reviewers', '/api/v1/team/reviewers.csv']) {
        const r = await call('GET', `${path}?${q}`, { token: lead.token });
        expect(r.status, `${path}?${q}`).toBe(400);
        expect(r.body.error.code).toBe('REQUEST.INVALID');
      }
    }
    // 92 days is fine
    const r = await call('GET', '/api/v1/team/reviewers?from=2026-01-01&to=2026-04-02', {
      token: lead.token,
    });
    expect(r.status).toBe(200);
  });
});
