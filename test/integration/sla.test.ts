// SLA timers with a controllable clock: reminder (3 working days), warning (4), breach (5) fire once each at
// the right instants; a more-information pause shifts them; a lost queue is rebuilt by the sweep; holidays.
import type { Job } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fireSlaTimer, slaJobId, sweepSla } from '../../src/modules/sla/sla.timers.ts';
import { runJob } from '../../src/platform/jobs.ts';
import type { Mailer } from '../../src/platform/mailer.ts';
import { handlers } from '../../workers/handlers.ts';
import type { TestEnv } from '../support/env.ts';
import type { TestServer } from '../support/http.ts';
import {
  emailsQueued,
  makeStaff,
  markSubmitted,
  processRouting,
  submittedCase,
  type TestStaff,
} from '../support/review.ts';
import { type Call, startApiEnv, stopApiEnv } from '../support/api-env.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;
let reviewer: TestStaff;
let lead: TestStaff;

beforeAll(async () => {
  ({ env, server, call } = await startApiEnv());
});
afterAll(() => stopApiEnv(env, server));
beforeEach(async () => {
  await env.deps.prisma.staffUser.updateMany({ data: { active: false } });
  // earlier tests' open cases are closed so their timers cannot fire in this one
  await env.deps.prisma.appeal.updateMany({
    where: { status: { in: ['SUBMITTED', 'IN_REVIEW'] } },
    data: { status: 'WITHDRAWN' },
  });
  reviewer = await makeStaff(env.deps, ['REVIEWER'], { name: 'Rita Reviewer' });
  lead = await makeStaff(env.deps, ['LEAD'], { name: 'Leo Lead' });
});

const at = (iso: string) => env.clock.set(iso);

async function events(appealId: string) {
  const rows = await env.deps.prisma.slaEvent.findMany({ where: { appealId }, orderBy: { firedAt: 'asc' } });
  return rows.map((e) => [e.kind, e.deadlineAt.toISOString(), e.firedAt.toISOString(), e.firedBy]);
}

async function delayedIds(): Promise<string[]> {
  return (await env.deps.queues.sla.getDelayed(0, 10_000)).map((j) => j.id!).sort();
}

const mailer = { send: async () => ({}), close: () => {} } as unknown as Mailer;

/** What a BullMQ worker does when the delayed job comes due. */
function deliverTimer(data: { appealId: string; kind: string; deadlineAt: string }) {
  return runJob(
    handlers({ deps: env.deps, mailer }),
    { name: 'sla.fire', data, attemptsMade: 0 } as Job,
    env.deps,
  );
}

describe('reminder, warning and breach', () => {
  it('fire once each at 3, 4 and 5 working days, skipping the weekend', async () => {
    at('2026-03-02T09:00:00Z'); // Monday, London on GMT
    const id = await submittedCase(env.deps, call);
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    expect([a.targetAt, a.warnAt, a.breachAt].map((d) => d?.toISOString())).toEqual([
      '2026-03-05T09:00:00.000Z', // Thursday
      '2026-03-06T09:00:00.000Z', // Friday
      '2026-03-09T09:00:00.000Z', // Monday, after the weekend
    ]);
    // routing set the three wake-up calls, each delayed until its deadline
    const jobs = await env.deps.queues.sla.getDelayed();
    const mine = jobs.filter((j) => j.data.appealId === id).sort((x, y) => x.opts.delay! - y.opts.delay!);
    expect(mine.map((j) => j.id)).toEqual([
      slaJobId(id, 'REMINDER', a.targetAt!),
      slaJobId(id, 'WARNING', a.warnAt!),
      slaJobId(id, 'BREACH', a.breachAt!),
    ]);
    expect(mine.map((j) => j.opts.delay)).toEqual([3, 4, 7].map((d) => d * 86_400_000));

    at('2026-03-05T08:59:59.999Z');
    expect(await sweepSla(env.deps)).toMatchObject({ fired: 0 });
    expect(await events(id)).toEqual([]);

    at('2026-03-05T09:00:00Z');
    expect((await sweepSla(env.deps)).fired).toBe(1);
    expect((await sweepSla(env.deps)).fired).toBe(0);
    // the delayed job arriving after the sweep did it is a no-op
    await deliverTimer({ appealId: id, kind: 'REMINDER', deadlineAt: '2026-03-05T09:00:00.000Z' });
    expect(await events(id)).toEqual([
      ['REMINDER', '2026-03-05T09:00:00.000Z', '2026-03-05T09:00:00.000Z', 'sweep'],
    ]);
    let mails = (await emailsQueued(env.deps, id)).filter((m) => m.message.template !== 'APPEAL_OPENED');
    expect(mails.map((m) => [m.message.template, m.to])).toEqual([['REVIEWER_REMINDER', reviewer.email]]);
    expect(mails[0]!.message).toMatchObject({
      staffName: 'Rita Reviewer',
      caseId: id,
      targetAt: '2026-03-05T09:00:00.000Z',
    });

    // the warning comes through its delayed job this time
    at('2026-03-06T09:00:00Z');
    await deliverTimer({ appealId: id, kind: 'WARNING', deadlineAt: '2026-03-06T09:00:00.000Z' });
    expect((await sweepSla(env.deps)).fired).toBe(0);
    expect((await events(id)).map((e) => [e[0], e[3]])).toEqual([
      ['REMINDER', 'sweep'],
      ['WARNING', 'timer'],
    ]);

    at('2026-03-08T23:59:59Z'); // Sunday night: weekends do not count
    expect((await sweepSla(env.deps)).fired).toBe(0);
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } })).escalated).toBe(false);

    at('2026-03-09T09:00:00Z');
    expect((await sweepSla(env.deps)).fired).toBe(1);
    expect((await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } })).escalated).toBe(true);
    expect((await events(id)).map((e) => e[0])).toEqual(['REMINDER', 'WARNING', 'BREACH']);
    mails = (await emailsQueued(env.deps, id)).filter((m) => m.message.template !== 'APPEAL_OPENED');
    expect(mails.map((m) => [m.message.template, m.to])).toEqual([
      ['REVIEWER_REMINDER', reviewer.email],
      ['LEAD_WARNING', lead.email],
      ['LEAD_ESCALATION', lead.email],
      ['LEAD_ESCALATION', reviewer.email],
    ]);
    const hist = await env.deps.prisma.caseHistory.findMany({
      where: { appealId: id, action: { startsWith: 'SLA_' } },
    });
    expect(hist.map((h) => h.action)).toEqual(['SLA_REMINDER', 'SLA_WARNING', 'SLA_BREACH']);
    const escalated = await call('GET', '/api/v1/cases?escalated=true', { token: lead.token });
    expect(escalated.body.items.map((c: { id: string }) => c.id)).toEqual([id]);

    // nothing fires twice, whoever asks
    at('2026-03-20T09:00:00Z');
    expect((await sweepSla(env.deps)).fired).toBe(0);
    for (const [kind, deadlineAt] of [
      ['REMINDER', '2026-03-05T09:00:00.000Z'],
      ['BREACH', '2026-03-09T09:00:00.000Z'],
    ] as const)
      expect(await fireSlaTimer(env.deps, { appealId: id, kind, deadlineAt }, 'timer')).toBe('duplicate');
    expect(await env.deps.prisma.slaEvent.count({ where: { appealId: id } })).toBe(3);
  });

  it('a timer and sweeps racing for the same deadline fire it once', async () => {
    at('2026-03-02T09:00:00Z');
    const id = await submittedCase(env.deps, call);
    at('2026-03-05T09:00:00Z');
    const job = { appealId: id, kind: 'REMINDER' as const, deadlineAt: '2026-03-05T09:00:00.000Z' };
    const outcomes = await Promise.all([
      ...Array.from({ length: 4 }, () => fireSlaTimer(env.deps, job, 'timer')),
      sweepSla(env.deps).then((r) => (r.fired === 1 ? 'fired' : 'duplicate')),
    ]);
    expect(outcomes.filter((o) => o === 'fired')).toHaveLength(1);
    expect((await events(id)).map((e) => e[0])).toEqual(['REMINDER']);
    const reminders = (await emailsQueued(env.deps, id)).filter(
      (m) => m.message.template === 'REVIEWER_REMINDER',
    );
    expect(reminders).toHaveLength(1);
  });
});

describe('pause and resume', () => {
  it('more information pauses the clock (over a weekend); the resubmission resumes with the time used', async () => {
    at('2026-03-02T09:00:00Z');
    const id = await submittedCase(env.deps, call);
    const old = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    at('2026-03-03T09:00:00Z'); // one working day used
    const r = await call('POST', `/api/v1/cases/${id}/decision`, {
      token: reviewer.token,
      body: { decision: 'REQUEST_MORE_INFO', reasonCodes: ['IMAGE_GLARE'], slots: ['CARD_FRONT'] },
    });
    expect(r.status).toBe(200);
    const paused = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    expect([paused.targetAt, paused.warnAt, paused.breachAt]).toEqual([null, null, null]);
    expect(paused.slaUsedMs).toBe(86_400_000n);

    // the old timers come due while the buyer is busy: they find another deadline and do nothing
    at('2026-03-05T09:00:00Z');
    expect(
      await fireSlaTimer(
        env.deps,
        { appealId: id, kind: 'REMINDER', deadlineAt: old.targetAt!.toISOString() },
        'timer',
      ),
    ).toBe('stale');
    expect((await sweepSla(env.deps)).fired).toBe(0);

    at('2026-03-09T09:00:00Z'); // resubmitted on Monday: paused from Tuesday over the weekend
    await markSubmitted(env.deps, id);
    await processRouting(env.deps);
    const resumed = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    expect(resumed.assigneeId).toBe(reviewer.id);
    // 2, 3 and 4 working days were left
    expect([resumed.targetAt, resumed.warnAt, resumed.breachAt].map((d) => d?.toISOString())).toEqual([
      '2026-03-11T09:00:00.000Z',
      '2026-03-12T09:00:00.000Z',
      '2026-03-13T09:00:00.000Z',
    ]);
    const ids = await delayedIds();
    expect(ids).toContain(slaJobId(id, 'REMINDER', resumed.targetAt!));
    expect(ids).toContain(slaJobId(id, 'BREACH', resumed.breachAt!));

    at('2026-03-11T08:59:00Z');
    expect((await sweepSla(env.deps)).fired).toBe(0);
    at('2026-03-11T09:00:00Z');
    expect((await sweepSla(env.deps)).fired).toBe(1);
    at('2026-03-13T09:00:00Z');
    expect((await sweepSla(env.deps)).fired).toBe(2);
    expect(await events(id)).toEqual([
      ['REMINDER', '2026-03-11T09:00:00.000Z', '2026-03-11T09:00:00.000Z', 'sweep'],
      ['WARNING', '2026-03-12T09:00:00.000Z', '2026-03-13T09:00:00.000Z', 'sweep'],
      ['BREACH', '2026-03-13T09:00:00.000Z', '2026-03-13T09:00:00.000Z', 'sweep'],
    ]);
  });
});

describe('a lost queue', () => {
  it('after the queue is wiped the sweep restores every pending timer, and nothing fires twice', async () => {
    at('2026-03-16T09:00:00Z');
    const first = await submittedCase(env.deps, call);
    at('2026-03-17T09:00:00Z');
    const second = await submittedCase(env.deps, call);
    at('2026-03-19T12:00:00Z'); // past the first case's target only
    expect((await sweepSla(env.deps)).fired).toBe(1);
    const pendingIds = async () => {
      const rows = await env.deps.prisma.appeal.findMany({
        where: { id: { in: [first, second] } },
        include: { slaEvents: true },
      });
      const now = env.clock.now().getTime();
      return rows
        .flatMap((a) =>
          (
            [
              ['REMINDER', a.targetAt],
              ['WARNING', a.warnAt],
              ['BREACH', a.breachAt],
            ] as const
          )
            .filter(([k, d]) => d && d.getTime() > now && !a.slaEvents.some((e) => e.kind === k))
            .map(([k, d]) => slaJobId(a.id, k, d!)),
        )
        .sort();
    };
    const expected = await pendingIds();
    expect(expected).toHaveLength(5);
    const eventsBefore = await env.deps.prisma.slaEvent.count();

    // the queue is lost (a FLUSHALL of this test's keys: other test files share the Redis server)
    await env.deps.queues.sla.obliterate({ force: true });
    expect(await delayedIds()).toEqual([]);

    const r = await sweepSla(env.deps);
    expect(r).toEqual({ fired: 0, rescheduled: 5 });
    expect(await delayedIds()).toEqual(expected);
    // sweeping again adds nothing and fires nothing
    await sweepSla(env.deps);
    expect(await delayedIds()).toEqual(expected);
    expect(await env.deps.prisma.slaEvent.count()).toBe(eventsBefore);

    // and the restored timers fire when due, once
    at('2026-03-24T09:00:00Z'); // both breaches passed (Monday 23rd, Tuesday 24th)
    expect((await sweepSla(env.deps)).fired).toBe(5);
    expect((await sweepSla(env.deps)).fired).toBe(0);
    expect(await env.deps.prisma.slaEvent.count({ where: { appealId: { in: [first, second] } } })).toBe(6);
  });
});

describe('holidays (ADMIN)', () => {
  it('adds, lists and removes holidays; a holiday moves the deadlines', async () => {
    const admin = await makeStaff(env.deps, ['ADMIN']);
    const bad = await call('PUT', '/api/v1/calendar/holidays/2027-02-30', {
      token: admin.token,
      body: { name: 'x' },
    });
    expect(bad.status).toBe(400);
    const notAdmin = await call('PUT', '/api/v1/calendar/holidays/2027-04-07', {
      token: lead.token,
      body: { name: 'x' },
    });
    expect(notAdmin.status).toBe(403);
    const put = await call('PUT', '/api/v1/calendar/holidays/2027-04-07', {
      token: admin.token,
      body: { name: 'Company day' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ date: '2027-04-07', name: 'Company day' });
    const renamed = await call('PUT', '/api/v1/calendar/holidays/2027-04-07', {
      token: admin.token,
      body: { name: 'Founders day' },
    });
    expect(renamed.body.name).toBe('Founders day');
    const list = await call('GET', '/api/v1/calendar/holidays?year=2027', { token: admin.token });
    expect(list.body.items).toEqual([{ date: '2027-04-07', name: 'Founders day' }]);

    at('2027-04-05T08:00:00Z'); // Monday 09:00 in London (BST)
    const id = await submittedCase(env.deps, call);
    const a = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
    // Wednesday is a holiday: the 3-day target moves from Thursday to Friday
    expect(a.targetAt?.toISOString()).toBe('2027-04-09T08:00:00.000Z');

    expect(
      (await call('DELETE', '/api/v1/calendar/holidays/2027-04-07', { token: admin.token })).status,
    ).toBe(204);
    const gone = await call('DELETE', '/api/v1/calendar/holidays/2027-04-07', { token: admin.token });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('HOLIDAY.NOT_FOUND');
    expect(
      (await call('GET', '/api/v1/calendar/holidays?year=2027', { token: admin.token })).body.items,
    ).toEqual([]);
  });
});
