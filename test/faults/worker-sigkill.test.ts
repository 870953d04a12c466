// Fault test 1 (issue #9): the worker process is SIGKILLed in the middle of its work and a new one is
// started, round after round, until every kind of work has been interrupted at least 20 times (a kill
// counts for a kind when BullMQ had jobs of it active under the dead worker). Each round queues all kinds:
//   routing  - submitted cases ('case.route' outbox rows) with reviewers who have room;
//   SLA      - routed cases whose three deadlines are made due, woken by 'sla.fire' jobs as the timers do;
//   refunds  - stale appeals expired by the 'appeals.expire' job (expiry, refund and e-mail in one
//              transaction), while this process rejects captured orders through the decision service;
//   e-mails  - all of the above (and each registration) queue e-mails the worker sends over SMTP.
// After each kill the new worker must finish everything, the dead one's jobs included; at the end: every
// case assigned once, every deadline fired once, one refund per rejected or expired captured order,
// every e-mail row DONE and delivered.
// E-mail delivery is at-least-once by design (README, "Notifications and webhooks"): a worker killed after
// the SMTP server accepted a message but before its row was marked DONE sends it again with the same
// Message-ID. The test allows that, checks the Message-ID, and prints how often it happened.
//
// The real worker (`node --import tsx workers/main.ts`) runs with a short BullMQ lock and stalled check
// (WORKER_LOCK_DURATION_MS, WORKER_STALLED_INTERVAL_MS) so a dead worker's jobs come back within seconds
// instead of 30-60 s. Redis is a private redis-server; the database is this file's own. The kill moments
// come from a seeded generator (SIGKILL_TEST_SEED); SIGKILL_TEST_TRACE=1 prints every round.
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { decideCase } from '../../src/modules/review/review.decisions.ts';
import { messageIdFor } from '../../src/modules/notifications/notifications.worker.ts';
import { slaJobId, type SlaKind } from '../../src/modules/sla/sla.timers.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { type NodeProc, type PrivateRedis, startPrivateRedis, startWorkerProcess } from '../support/procs.ts';
import {
  makeStaff,
  markSubmitted,
  processRouting,
  registerAppeal,
  type TestStaff,
} from '../support/review.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';

/** kills that must interrupt active jobs of each kind (routing, SLA, refunds) */
const KILLS_PER_KIND = 20;
/**
 * rounds go on until every kind was interrupted KILLS_PER_KIND times, at most this many (routing in
 * set-based batches is over quickly, so fewer kills land while its jobs are active: 16 of 36 on 4 Dec)
 */
const MAX_ROUNDS = 60;
const ROUTE_PER_ROUND = 6;
const SLA_PER_ROUND = 2;
const EXPIRE_PER_ROUND = 2;
const REJECT_PER_ROUND = 1;
/** the kill comes this long after the round's work was queued and relayed */
const KILL_AFTER_MS: [number, number] = [20, 300];
const ROUND_TIMEOUT_MS = 30_000;
const SEED = Number(process.env.SIGKILL_TEST_SEED ?? 20_260_902);

/** mulberry32: the kill moments are random but repeatable from the seed (printed in the summary) */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A worker killed in the middle of an SMTP session leaves the server a reset connection, which
// smtp-server emits as an 'error' event; test/support/smtp.ts registers no listener for it, and an
// EventEmitter without one throws. Every server this file starts gets a listener that counts them.
const smtpConnectionErrors: string[] = [];
const smtpListen = SMTPServer.prototype.listen;
SMTPServer.prototype.listen = function (this: SMTPServer, ...args: Parameters<SMTPServer['listen']>) {
  this.on('error', (err: NodeJS.ErrnoException) => smtpConnectionErrors.push(err.code ?? err.message));
  return smtpListen.apply(this, args);
} as SMTPServer['listen'];

let redis: PrivateRedis;
let smtp: TestSmtpServer;
let env: TestEnv;
let server: TestServer;
let worker: NodeProc | null = null;

function workerEnv(): Record<string, string> {
  return {
    DATABASE_URL: env.dbUrl,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: env.config.QUEUE_PREFIX,
    SMTP_URL: smtp.url,
    DATA_DIR: env.dataDir,
    PUBLIC_BASE_URL: env.config.PUBLIC_BASE_URL,
    OCR_ENABLED: 'false',
    // "workers started" is an info line: startWorkerProcess waits for it
    LOG_LEVEL: 'info',
    WORKER_STALLED_INTERVAL_MS: '1000',
    WORKER_LOCK_DURATION_MS: '2000',
    // a 2 s lock on a loaded 2-core machine misses renewals, and a job can be under two kills in a row: each
    // take-over is a stall, and BullMQ's default (1) would fail the job instead of running it again
    WORKER_MAX_STALLED_COUNT: '50',
  };
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  smtp = await startSmtpServer();
  // the worker process runs on the real clock; this process's clock starts at the same instant so the
  // deadlines markSubmitted computes lie in the future for both
  env = await createTestEnv(
    { REDIS_URL: redis.url, SMTP_URL: smtp.url },
    { clock: new FakeClock(new Date(Math.floor(Date.now() / 1000) * 1000)) },
  );
  server = await listen(createApp(env.deps));
}, 60_000);

afterAll(async () => {
  await worker?.kill();
  await server?.close();
  await env?.close();
  await smtp?.stop();
  await redis?.stop();
});

type Kind = 'routing' | 'sla' | 'refunds' | 'email';

interface KillRecord {
  round: number;
  killAfterMs: number;
  /** jobs BullMQ had active (a worker on them, lock held) right after the kill, per kind of work */
  activeAtKill: Record<Kind, number>;
  /** the round's work already committed when the kill landed, per kind, and how much there was */
  doneAtKill: Record<Exclude<Kind, 'email'>, [number, number]>;
  bootMs: number;
  /** from the kill until the new worker had finished everything (the dead worker's jobs included) */
  recoveryMs: number;
}

describe('worker SIGKILLed in the middle of routing, SLA and refund work', () => {
  it('20 kills per kind: every case assigned once, every timer fired once, one refund per order, every e-mail delivered', async () => {
    const { prisma } = env.deps;
    const call = client(server.url);
    const random = rng(SEED);
    const t0 = Date.now();

    // ---- the team and the work, prepared before any worker runs
    const reviewers: TestStaff[] = [];
    for (let i = 0; i < 4; i++)
      reviewers.push(await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 1000 }));
    const lead = await makeStaff(env.deps, ['LEAD']);
    const leads = await prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM staff_users WHERE 'LEAD' = ANY(roles) AND active`;
    const leadCount = leads[0]!.n;

    const register = async (n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push(await registerAppeal(call, { paymentCaptured: true }));
      return ids;
    };
    // the SLA and rejection cases are in review before the kills start (routed here, without a worker)
    const slaPool = await register(MAX_ROUNDS * SLA_PER_ROUND);
    const rejectPool = await register(MAX_ROUNDS * REJECT_PER_ROUND);
    for (const id of [...slaPool, ...rejectPool]) await markSubmitted(env.deps, id);
    await processRouting(env.deps);
    const preRouted = await prisma.appeal.count({
      where: { id: { in: [...slaPool, ...rejectPool] }, status: 'IN_REVIEW', assigneeId: { not: null } },
    });
    expect(preRouted).toBe(slaPool.length + rejectPool.length);
    let registered = slaPool.length + rejectPool.length;
    // the work the rounds used
    const routeIds: string[] = [];
    const slaIds: string[] = [];
    const expireIds: string[] = [];
    const rejectIds: string[] = [];
    const prepMs = Date.now() - t0;

    // ---- what is left to do: outbox rows not DONE, cases not routed, due deadlines without their event,
    // appeals past the expiry cutoff still open
    const remaining = async () => {
      const [outbox, submitted, unfired, stale] = await Promise.all([
        prisma.outboxMessage.count({ where: { status: { not: 'DONE' } } }),
        prisma.appeal.count({ where: { status: 'SUBMITTED' } }),
        prisma.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM appeals a
          CROSS JOIN LATERAL (VALUES ('REMINDER', a.target_at), ('WARNING', a.warn_at), ('BREACH', a.breach_at))
            AS k(kind, deadline)
          WHERE a.status IN ('SUBMITTED', 'IN_REVIEW') AND k.deadline <= now()
            AND NOT EXISTS (SELECT 1 FROM sla_events e WHERE e.appeal_id = a.id AND e.kind::text = k.kind)`,
        prisma.appeal.count({
          where: {
            status: { in: ['AWAITING_DOCUMENTS', 'MORE_INFO_REQUESTED'] },
            lastBuyerActivityAt: { lte: new Date(Date.now() - 14 * 86_400_000) },
          },
        }),
      ]);
      return { outbox, submitted, unfired: unfired[0]!.n, stale };
    };
    const nothingLeft = { outbox: 0, submitted: 0, unfired: 0, stale: 0 };
    const diagnostics = async () => ({
      left: await remaining(),
      notDone: await prisma.outboxMessage.findMany({
        where: { status: { not: 'DONE' } },
        select: { id: true, topic: true, status: true, attempts: true, lastError: true },
      }),
      failedJobs: (
        await Promise.all(
          (['routing', 'email', 'sla', 'maintenance'] as const).map(async (q) =>
            (
              await env.deps.queues[q].getFailed()
            ).map((j) => ({ queue: q, id: j.id, reason: j.failedReason })),
          ),
        )
      ).flat(),
    });
    /** polls until nothing is left; returns when that happened (or null after `ms`) */
    const settle = async (ms: number): Promise<number | null> => {
      const end = Date.now() + ms;
      for (;;) {
        const left = await remaining();
        if (JSON.stringify(left) === JSON.stringify(nothingLeft)) return Date.now();
        if (Date.now() > end) return null;
        await sleep(100);
      }
    };

    // ---- the kill loop. Each round queues routing, SLA and refund work at once, kills the worker 20-300 ms
    // after the routing rows were relayed (the SLA and expiry jobs are on their queues by then), starts a
    // new one and waits until it has finished everything: the dead worker's jobs come back through BullMQ's
    // stalled check once their locks expire. 20 separate crashes, each recovered before the next one.
    // (Back-to-back crashes, where a recovered job is killed again, are a different case: BullMQ then
    // fails the job without running it; see the report of issue #9.)
    const kills: KillRecord[] = [];
    const boot = async () => {
      const s = Date.now();
      worker = await startWorkerProcess(workerEnv());
      return Date.now() - s;
    };
    await boot();
    const deadlinesSet = new Map<string, Record<SlaKind, Date>>();
    const slice = (ids: string[], per: number, round: number) => ids.slice(round * per, (round + 1) * per);
    const active = async (q: 'routing' | 'sla' | 'maintenance' | 'email') =>
      (await env.deps.queues[q].getJobCounts('active')).active ?? 0;

    const interrupted = (k: 'routing' | 'sla' | 'refunds') =>
      kills.filter((r) => r.activeAtKill[k] > 0).length;
    const covered = () =>
      (['routing', 'sla', 'refunds'] as const).every((k) => interrupted(k) >= KILLS_PER_KIND);

    const tKills = Date.now();
    for (let round = 0; round < MAX_ROUNDS && !covered(); round++) {
      // new appeals for this round (each registration queues its APPEAL_OPENED e-mail)
      const routeNow = await register(ROUTE_PER_ROUND);
      const expireNow = await register(EXPIRE_PER_ROUND);
      registered += routeNow.length + expireNow.length;
      const slaNow = slice(slaPool, SLA_PER_ROUND, round);
      const rejectNow = slice(rejectPool, REJECT_PER_ROUND, round);
      routeIds.push(...routeNow);
      slaIds.push(...slaNow);
      expireIds.push(...expireNow);
      rejectIds.push(...rejectNow);

      // SLA: the three deadlines of each case made due (whole milliseconds: the column keeps 3 digits)
      const now = Date.now();
      const timers: { name: string; data: object; opts: { jobId: string } }[] = [];
      for (const id of slaNow) {
        const d: Record<SlaKind, Date> = {
          REMINDER: new Date(now - 3 * 60_000),
          WARNING: new Date(now - 2 * 60_000),
          BREACH: new Date(now - 60_000),
        };
        deadlinesSet.set(id, d);
        await prisma.appeal.update({
          where: { id },
          data: { targetAt: d.REMINDER, warnAt: d.WARNING, breachAt: d.BREACH },
        });
        for (const kind of ['REMINDER', 'WARNING', 'BREACH'] as const) {
          timers.push({
            name: 'sla.fire',
            data: { appealId: id, kind, deadlineAt: d[kind].toISOString() },
            opts: { jobId: slaJobId(id, kind, d[kind]) },
          });
        }
      }
      // refunds: 15 days without buyer action (the worker's clock is the real one)
      await prisma.appeal.updateMany({
        where: { id: { in: expireNow } },
        data: { lastBuyerActivityAt: new Date(Date.now() - 15 * 86_400_000) },
      });
      // routing: submitted cases, whose 'case.route' rows the worker's relay publishes within 250 ms
      for (const id of routeNow) await markSubmitted(env.deps, id);
      const relayEnd = Date.now() + 2_000;
      while (
        Date.now() < relayEnd &&
        (await prisma.outboxMessage.count({ where: { topic: 'case.route', status: 'PENDING' } })) > 0
      )
        await sleep(5);
      // then, while the routing jobs run: what the delayed timers do when the deadlines arrive, the
      // periodic expiry, and a lead rejecting captured orders in this process
      await env.deps.queues.sla.addBulk(timers);
      await env.deps.queues.maintenance.add('appeals.expire', {});
      const decisions = rejectNow.map((id) =>
        decideCase(
          env.deps,
          id,
          { decision: 'REJECT', reasonCodes: ['SUSPECTED_TAMPERING'], slots: [] },
          { id: lead.id, roles: ['LEAD'] },
        ),
      );

      const killAfterMs = Math.round(KILL_AFTER_MS[0] + random() * (KILL_AFTER_MS[1] - KILL_AFTER_MS[0]));
      await sleep(killAfterMs);
      await worker!.kill();
      const killedAt = Date.now();
      worker = null;
      const activeAtKill = {
        routing: await active('routing'),
        sla: await active('sla'),
        refunds: await active('maintenance'),
        email: await active('email'),
      };
      const doneAtKill: KillRecord['doneAtKill'] = {
        routing: [
          await prisma.appeal.count({ where: { id: { in: routeNow }, status: 'IN_REVIEW' } }),
          routeNow.length,
        ],
        sla: [await prisma.slaEvent.count({ where: { appealId: { in: slaNow } } }), slaNow.length * 3],
        refunds: [
          await prisma.refund.count({ where: { appealId: { in: [...expireNow, ...rejectNow] } } }),
          expireNow.length + rejectNow.length,
        ],
      };
      const bootMs = await boot();
      await Promise.all(decisions);
      const settledAt = await settle(ROUND_TIMEOUT_MS);
      if (settledAt === null)
        throw new Error(
          `round ${round}: not recovered ${ROUND_TIMEOUT_MS} ms after the kill: ${JSON.stringify(await diagnostics())}`,
        );
      kills.push({ round, killAfterMs, activeAtKill, doneAtKill, bootMs, recoveryMs: settledAt - killedAt });
      if (process.env.SIGKILL_TEST_TRACE) process.stderr.write(`${JSON.stringify(kills.at(-1))}\n`);
    }
    const tKillsEnd = Date.now();

    // ---- the end state, once more after the periodic jobs ran (the sweep would come within 60 s, the
    // expiry within 15 minutes: both are asked for now, they must find nothing left to do)
    await env.deps.queues.sla.add('sla.sweep', {});
    await env.deps.queues.maintenance.add('appeals.expire', {});
    await sleep(500);
    const end = await diagnostics();
    const firedBy = await prisma.slaEvent.groupBy({ by: ['firedBy'], _count: true });
    const emailRows = await prisma.outboxMessage.findMany({
      where: { topic: 'email.send' },
      select: { id: true, status: true, payload: true },
    });
    const counts = smtp.countByMessageId();
    const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);

    // ---- what happened, printed before the verdict so a failing run reports it too
    const stats = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return { min: sorted[0], median: sorted[sorted.length >> 1], max: sorted.at(-1) };
    };
    const summary = {
      seed: SEED,
      kills: kills.length,
      // kills that found jobs of that kind active (a worker on them): the job itself was interrupted
      killsWithActiveJobs: {
        routing: interrupted('routing'),
        sla: interrupted('sla'),
        refunds: interrupted('refunds'),
        email: kills.filter((r) => r.activeAtKill.email > 0).length,
      },
      // how much of each round's work had committed when the worker died
      doneAtKill: Object.fromEntries(
        (['routing', 'sla', 'refunds'] as const).map((k) => [
          k,
          {
            none: kills.filter((r) => r.doneAtKill[k][0] === 0).length,
            part: kills.filter((r) => r.doneAtKill[k][0] > 0 && r.doneAtKill[k][0] < r.doneAtKill[k][1])
              .length,
            all: kills.filter((r) => r.doneAtKill[k][0] === r.doneAtKill[k][1]).length,
          },
        ]),
      ),
      recoveryMs: stats(kills.map((k) => k.recoveryMs)),
      bootMs: stats(kills.map((k) => k.bootMs)),
      slaEventsFiredBy: Object.fromEntries(firedBy.map((f) => [f.firedBy, f._count])),
      emails: { rows: emailRows.length, delivered: smtp.received.length, duplicates },
      failedJobs: end.failedJobs.length,
      smtpConnectionErrors: smtpConnectionErrors.length,
      ms: { prepare: prepMs, kills: tKillsEnd - tKills, total: Date.now() - t0 },
    };
    console.log(`worker-sigkill summary ${JSON.stringify(summary)}`);
    // every kind of work was interrupted (jobs active under the dead worker) at least 20 times
    expect({
      routing: interrupted('routing') >= KILLS_PER_KIND,
      sla: interrupted('sla') >= KILLS_PER_KIND,
      refunds: interrupted('refunds') >= KILLS_PER_KIND,
    }).toEqual({ routing: true, sla: true, refunds: true });
    // nothing left, nothing stuck, no job that BullMQ gave up on
    expect(end).toEqual({ left: nothingLeft, notDone: [], failedJobs: [] });

    // ---- routing: every case assigned exactly once, the open assignment is the appeal's assignee
    const routed = await prisma.appeal.findMany({
      where: { id: { in: routeIds } },
      select: { id: true, status: true, assigneeId: true },
    });
    expect(routed.filter((a) => a.status !== 'IN_REVIEW' || !a.assigneeId)).toEqual([]);
    const assignments = await prisma.caseAssignment.findMany({
      where: { appealId: { in: routeIds } },
      select: { appealId: true, reviewerId: true, endedAt: true },
    });
    expect(assignments).toHaveLength(routeIds.length);
    const assigneeOf = new Map(routed.map((a) => [a.id, a.assigneeId]));
    expect(
      assignments.filter((c) => c.endedAt !== null || c.reviewerId !== assigneeOf.get(c.appealId)),
    ).toEqual([]);
    const openPerAppeal = await prisma.$queryRaw<{ appealId: string; n: number }[]>`
      SELECT appeal_id::text AS "appealId", count(*)::int AS n FROM case_assignments
      WHERE ended_at IS NULL GROUP BY appeal_id HAVING count(*) > 1`;
    expect(openPerAppeal).toEqual([]);

    // ---- SLA: one event per (case, kind), for the deadline that was set, one history row each
    const events = await prisma.slaEvent.findMany({ where: { appealId: { in: slaIds } } });
    expect(events).toHaveLength(slaIds.length * 3);
    const wrongDeadline = events.filter(
      (e) => deadlinesSet.get(e.appealId)![e.kind as SlaKind].getTime() !== e.deadlineAt.getTime(),
    );
    expect(wrongDeadline).toEqual([]);
    const slaHistory = await prisma.caseHistory.groupBy({
      by: ['appealId', 'action'],
      where: { appealId: { in: slaIds }, action: { in: ['SLA_REMINDER', 'SLA_WARNING', 'SLA_BREACH'] } },
      _count: true,
    });
    expect(slaHistory).toHaveLength(slaIds.length * 3);
    expect(slaHistory.filter((h) => h._count !== 1)).toEqual([]);
    // no other case fired anything
    expect(await prisma.slaEvent.count()).toBe(slaIds.length * 3);

    // ---- refunds: one per rejected or expired captured order, with one SCHEDULED event
    const closed = await prisma.appeal.findMany({
      where: { id: { in: [...expireIds, ...rejectIds] } },
      select: { id: true, status: true },
    });
    expect(closed.filter((a) => a.status !== (expireIds.includes(a.id) ? 'EXPIRED' : 'REJECTED'))).toEqual(
      [],
    );
    const refunds = await prisma.refund.findMany({
      select: { appealId: true, cause: true, _count: { select: { events: true } } },
    });
    expect(refunds).toHaveLength(expireIds.length + rejectIds.length);
    expect(
      refunds.filter(
        (r) =>
          !(expireIds.includes(r.appealId) || rejectIds.includes(r.appealId)) ||
          r.cause !== (expireIds.includes(r.appealId) ? 'EXPIRED' : 'REJECTED') ||
          r._count.events !== 1,
      ),
    ).toEqual([]);

    // ---- e-mails: exactly the ones the state changes queued, each row DONE and delivered at least once,
    // every delivery carrying its row's Message-ID (a repeat is the same message again, never a new one)
    const templates = new Map<string, number>();
    for (const r of emailRows) {
      const t = (r.payload as { message: { template: string } }).message.template;
      templates.set(t, (templates.get(t) ?? 0) + 1);
    }
    expect(Object.fromEntries(templates)).toEqual({
      APPEAL_OPENED: registered,
      REVIEWER_REMINDER: slaIds.length,
      LEAD_WARNING: slaIds.length * leadCount,
      LEAD_ESCALATION: slaIds.length * (leadCount + 1),
      EXPIRED: expireIds.length,
      REJECTED: rejectIds.length,
    });
    expect(emailRows.filter((r) => r.status !== 'DONE')).toEqual([]);
    const expected = new Set(emailRows.map((r) => messageIdFor(r.id)));
    const unknown = [...counts.keys()].filter((m) => !expected.has(m));
    const undelivered = [...expected].filter((m) => !counts.has(m));
    expect({ unknown, undelivered }).toEqual({ unknown: [], undelivered: [] });
    const headerMismatch = smtp.received.filter(
      (m) => messageIdFor(String(m.parsed.headers.get('x-appeal-desk-outbox-id'))) !== m.messageId,
    );
    expect(headerMismatch).toHaveLength(0);
    expect(smtp.received.length).toBe(emailRows.length + duplicates);
  }, 480_000);
});
