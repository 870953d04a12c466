// Saved views and the queue's filters (issue 19 point 2): escalated, needsLead, currency, amount range and
// document flags select the right cases on GET /api/v1/cases; bad filters are refused (400, SPEC error
// shape) on the list and in a view; each view's count is the caller's (their visibility); at most one
// default view per user, also under concurrent writes; only the owner edits, only leads share; shared
// views' creation and deletion are audited.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestEnv } from '../support/env.ts';
import type { TestServer } from '../support/http.ts';
import { makeStaff, markSubmitted, registerAppeal, type TestStaff } from '../support/review.ts';
import { type Call, startApiEnv, stopApiEnv } from '../support/api-env.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;
let reviewer: TestStaff;
let reviewer2: TestStaff;
let lead: TestStaff;

beforeAll(async () => {
  ({ env, server, call } = await startApiEnv());
});
afterAll(() => stopApiEnv(env, server));
beforeEach(async () => {
  // every test starts with an empty queue (cases of earlier tests closed), no views and fresh staff
  await env.deps.prisma.appeal.updateMany({
    where: { status: { in: ['SUBMITTED', 'IN_REVIEW'] } },
    data: { status: 'EXPIRED' },
  });
  await env.deps.prisma.savedView.deleteMany();
  reviewer = await makeStaff(env.deps, ['REVIEWER']);
  reviewer2 = await makeStaff(env.deps, ['REVIEWER']);
  lead = await makeStaff(env.deps, ['LEAD']);
});

/** A SUBMITTED pool case of `value` minor units in `currency`; `set` changes appeal columns after. */
async function poolCase(
  value = 12_999,
  currency = 'EUR',
  set: { escalated?: boolean; needsLead?: boolean; assigneeId?: string } = {},
): Promise<string> {
  const id = await registerAppeal(call, { amount: { value, currency } });
  await markSubmitted(env.deps, id);
  if (Object.keys(set).length)
    await env.deps.prisma.appeal.update({
      where: { id },
      data: { ...set, ...(set.assigneeId ? { status: 'IN_REVIEW' } : {}) },
    });
  return id;
}

async function flag(appealId: string, flags: string[], status: 'ACTIVE' | 'SUPERSEDED' = 'ACTIVE') {
  const d = await env.deps.prisma.document.findFirstOrThrow({ where: { appealId, status: 'ACTIVE' } });
  await env.deps.prisma.document.update({ where: { id: d.id }, data: { flags: { set: flags }, status } });
}

async function ids(who: TestStaff, qs: string): Promise<string[]> {
  const r = await call('GET', `/api/v1/cases?${qs}`, { token: who.token });
  expect(r.status, r.text).toBe(200);
  return (r.body.items as { id: string }[]).map((c) => c.id).sort();
}

const sorted = (...xs: string[]) => [...xs].sort();

function views(who: TestStaff) {
  return call('GET', '/api/v1/views', { token: who.token });
}
function save(who: TestStaff, body: unknown) {
  return call('POST', '/api/v1/views', { token: who.token, body });
}

describe('the queue filters', () => {
  it('escalated, needsLead, currency, amount range and a flag each select exactly the matching cases', async () => {
    const plain = await poolCase(5_000, 'EUR');
    const esc = await poolCase(20_000, 'EUR', { escalated: true });
    const lead1 = await poolCase(80_000, 'EUR', { needsLead: true });
    const usd = await poolCase(12_000, 'USD');
    const flagged = await poolCase(30_000, 'EUR');
    await flag(flagged, ['OVERRIDDEN']);
    const oldFlag = await poolCase(40_000, 'EUR');
    await flag(oldFlag, ['DUPLICATE_OTHER_BUYER'], 'SUPERSEDED'); // not a current document: no match

    expect(await ids(lead, 'escalated=true')).toEqual([esc]);
    expect(await ids(lead, 'escalated=false')).toEqual(sorted(plain, lead1, usd, flagged, oldFlag));
    expect(await ids(lead, 'needsLead=true')).toEqual([lead1]);
    expect(await ids(lead, 'currency=USD')).toEqual([usd]);
    expect(await ids(lead, 'amountMin=20000&amountMax=40000')).toEqual(sorted(esc, flagged, oldFlag));
    expect(await ids(lead, 'amountMin=80000')).toEqual([lead1]);
    expect(await ids(lead, 'amountMax=5000')).toEqual([plain]);
    expect(await ids(lead, 'flags=OVERRIDDEN')).toEqual([flagged]);
    expect(await ids(lead, 'flags=DUPLICATE_OTHER_BUYER')).toEqual([]);
    expect(await ids(lead, 'flags=LAST4_MISMATCH_OCR,OVERRIDDEN')).toEqual([flagged]);
    // combined: AND
    expect(await ids(lead, 'currency=EUR&amountMin=10000&escalated=false')).toEqual(
      sorted(lead1, flagged, oldFlag),
    );
  });

  it('bad filters: 400 in the SPEC error shape', async () => {
    for (const qs of [
      'currency=eur',
      'currency=EURO',
      'amountMin=-1',
      'amountMin=1.5',
      'amountMin=abc',
      'amountMin=10&amountMax=5',
      'flags=NOT_A_FLAG',
      'flags=,',
      'escalated=yes',
      'needsLead=1',
    ]) {
      const r = await call('GET', `/api/v1/cases?${qs}`, { token: lead.token });
      expect(r.status, qs).toBe(400);
      expect(r.body.error.code, qs).toBe('REQUEST.INVALID');
      expect(typeof r.body.error.message).toBe('string');
    }
  });
});

describe('saved views', () => {
  it('counts per view, for the caller: a shared view shows another reviewer THEIR count', async () => {
    const mineA = await poolCase(10_000, 'EUR', { escalated: true, assigneeId: reviewer.id });
    const mineB = await poolCase(10_000, 'EUR', { escalated: true, assigneeId: reviewer.id });
    const pool = await poolCase(10_000, 'EUR', { escalated: true });
    await poolCase(10_000, 'USD', { escalated: true, assigneeId: reviewer2.id });
    await poolCase(10_000, 'EUR');

    const shared = await save(lead, { name: 'Escalated', filters: { escalated: 'true' }, shared: true });
    expect(shared.status, shared.text).toBe(201);
    expect(shared.body).toMatchObject({ name: 'Escalated', shared: true, mine: true, count: 4 });
    const mine = await save(lead, { name: 'Mine', filters: { assignee: 'me' } });
    const eur = await save(reviewer, {
      name: 'EUR escalated',
      filters: { currency: 'EUR', escalated: 'true' },
    });
    expect(eur.body.count).toBe(3);
    // counts are of open cases: a view of closed ones counts 0, one naming an open status counts those
    const closed = await save(reviewer, { name: 'Expired', filters: { status: 'EXPIRED,APPROVED' } });
    expect(closed.body.count).toBe(0);
    const inReview = await save(reviewer, { name: 'In review', filters: { status: 'IN_REVIEW,EXPIRED' } });
    expect(inReview.body.count).toBe(2); // the reviewer's two (not reviewer2's, not the SUBMITTED pool case)
    for (const v of [closed, inReview])
      await call('DELETE', `/api/v1/views/${v.body.id}`, { token: reviewer.token });

    // the lead sees every case: 4 escalated; nothing assigned to them
    const l = await views(lead);
    expect(l.status).toBe(200);
    const byName = (b: { items: { name: string; count: number }[] }) =>
      Object.fromEntries(b.items.map((v) => [v.name, v.count]));
    expect(byName(l.body)).toEqual({ Escalated: 4, Mine: 0 });

    // reviewer: their own view and the lead's shared one, both counted over what THEY see
    const r = await views(reviewer);
    expect(byName(r.body)).toEqual({ 'EUR escalated': 3, Escalated: 3 });
    expect(r.body.items[0]).toMatchObject({ name: 'EUR escalated', mine: true });
    expect(r.body.items[1]).toMatchObject({ name: 'Escalated', mine: false, owner: { id: lead.id } });
    // the count equals what the queue lists with the same filters
    expect(await ids(reviewer, 'escalated=true')).toEqual(sorted(mineA, mineB, pool));

    // reviewer2: the shared view with their own count (their case and the pool), not the reviewer's view
    const r2 = await views(reviewer2);
    expect(byName(r2.body)).toEqual({ Escalated: 2 });
    expect(r2.body.items.map((v: { id: string }) => v.id)).not.toContain(mine.body.id);
  });

  it('at most one default per user (also when two requests race); defaultViewId names it', async () => {
    const a = await save(reviewer, { name: 'A', filters: {}, isDefault: true });
    const b = await save(reviewer, { name: 'B', filters: { overdue: 'true' }, isDefault: true });
    expect([a.status, b.status]).toEqual([201, 201]);
    let v = await views(reviewer);
    expect(v.body.defaultViewId).toBe(b.body.id);
    expect(v.body.items.filter((x: { isDefault: boolean }) => x.isDefault)).toHaveLength(1);

    const p = await call('PATCH', `/api/v1/views/${a.body.id}`, {
      token: reviewer.token,
      body: { isDefault: true },
    });
    expect(p.status, p.text).toBe(200);
    v = await views(reviewer);
    expect(v.body.defaultViewId).toBe(a.body.id);

    const race = await Promise.all(
      ['C', 'D', 'E'].map((name) => save(reviewer, { name, filters: {}, isDefault: true })),
    );
    expect(race.map((x) => x.status)).toEqual([201, 201, 201]);
    const defaults = await env.deps.prisma.savedView.count({
      where: { ownerId: reviewer.id, isDefault: true },
    });
    expect(defaults).toBe(1);
    // another user's default is untouched by all this
    const other = await save(reviewer2, { name: 'Theirs', filters: {}, isDefault: true });
    expect((await views(reviewer2)).body.defaultViewId).toBe(other.body.id);
    expect(await env.deps.prisma.savedView.count({ where: { ownerId: reviewer.id, isDefault: true } })).toBe(
      1,
    );
  });

  it('only the owner changes or deletes; only a lead shares; shared views are audited', async () => {
    const priv = await save(reviewer, { name: 'Private', filters: {} });
    const shared = await save(lead, { name: 'Team', filters: { needsLead: 'true' }, shared: true });

    // someone else's private view does not exist for them; a shared one is not theirs to change
    for (const [method, body] of [
      ['PATCH', { name: 'x' }],
      ['DELETE', undefined],
    ] as const) {
      const p = await call(method, `/api/v1/views/${priv.body.id}`, { token: reviewer2.token, body });
      expect(p.status).toBe(404);
      expect(p.body.error.code).toBe('VIEW.NOT_FOUND');
      const s = await call(method, `/api/v1/views/${shared.body.id}`, { token: reviewer2.token, body });
      expect(s.status).toBe(403);
      expect(s.body.error.code).toBe('VIEW.NOT_OWNER');
    }
    const zh = await call('DELETE', `/api/v1/views/${shared.body.id}`, {
      token: reviewer2.token,
      headers: { 'Accept-Language': 'zh-CN' },
    });
    expect(zh.body.error.message).toBe('只有创建者可以修改或删除此视图。');
    // the lead's view is unchanged
    expect((await views(lead)).body.items.find((v: { id: string }) => v.id === shared.body.id).name).toBe(
      'Team',
    );

    // reviewers cannot share, neither at creation nor later
    const s1 = await save(reviewer, { name: 'Mine shared', filters: {}, shared: true });
    expect(s1.status).toBe(403);
    expect(s1.body.error.code).toBe('VIEW.SHARE_LEAD_ONLY');
    const s2 = await call('PATCH', `/api/v1/views/${priv.body.id}`, {
      token: reviewer.token,
      body: { shared: true },
    });
    expect(s2.status).toBe(403);

    // the owner renames and deletes
    const ren = await call('PATCH', `/api/v1/views/${priv.body.id}`, {
      token: reviewer.token,
      body: { name: 'Renamed', filters: { currency: 'GBP' } },
    });
    expect(ren.status).toBe(200);
    expect(ren.body).toMatchObject({ name: 'Renamed', filters: { currency: 'GBP' }, count: 0 });
    expect((await call('DELETE', `/api/v1/views/${priv.body.id}`, { token: reviewer.token })).status).toBe(
      204,
    );
    expect((await call('DELETE', `/api/v1/views/${priv.body.id}`, { token: reviewer.token })).status).toBe(
      404,
    );
    expect((await call('DELETE', '/api/v1/views/not-a-uuid', { token: reviewer.token })).status).toBe(404);

    // the shared view's life is in the audit log: created, deleted (by its owner)
    expect((await call('DELETE', `/api/v1/views/${shared.body.id}`, { token: lead.token })).status).toBe(204);
    const log = await env.deps.prisma.auditLog.findMany({
      where: { targetType: 'saved_view', targetId: shared.body.id },
      orderBy: { id: 'asc' },
    });
    expect(log.map((x) => [x.action, x.actorId])).toEqual([
      ['SAVED_VIEW_SHARED_CREATED', lead.id],
      ['SAVED_VIEW_SHARED_DELETED', lead.id],
    ]);
    // a private view leaves no audit record
    expect(await env.deps.prisma.auditLog.count({ where: { targetId: priv.body.id } })).toBe(0);
  });

  it('bad views: 400 for bad names and filters (the list route’s schema), 409 past 50 views', async () => {
    for (const body of [
      { name: '', filters: {} },
      { name: 'x'.repeat(61), filters: {} },
      { name: 'ok' },
      { name: 'ok', filters: { limit: '10' } },
      { name: 'ok', filters: { cursor: '00000000-0000-4000-8000-000000000000' } },
      { name: 'ok', filters: { colour: 'red' } },
      { name: 'ok', filters: { currency: 'eur' } },
      { name: 'ok', filters: { amountMin: '9', amountMax: '1' } },
      { name: 'ok', filters: { flags: 'WHATEVER' } },
      { name: 'ok', filters: { escalated: true } },
      { name: 'ok', filters: {}, owner: lead.id },
    ]) {
      const r = await save(reviewer, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('REQUEST.INVALID');
    }
    const v = await save(reviewer, { name: 'v', filters: {} });
    const empty = await call('PATCH', `/api/v1/views/${v.body.id}`, { token: reviewer.token, body: {} });
    expect(empty.status).toBe(400);

    for (let i = 1; i < 50; i++)
      expect((await save(reviewer, { name: `v${i}`, filters: {} })).status).toBe(201);
    const over = await save(reviewer, { name: 'one too many', filters: {} });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: 'VIEW.LIMIT_REACHED', details: { max: 50 } });
    // the list is capped at 50 too: own views first, the team's shared ones only in the room left
    await save(lead, { name: 'A team view', filters: {}, shared: true });
    const full = await views(reviewer);
    expect(full.body.items).toHaveLength(50);
    expect(full.body.items.every((x: { mine: boolean }) => x.mine)).toBe(true);
    expect((await views(reviewer2)).body.items.map((x: { name: string }) => x.name)).toEqual(['A team view']);
  });
});
