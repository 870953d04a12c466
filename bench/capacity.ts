// Benchmark 7: what one appeal costs, stage by stage, for the capacity plan (docs/capacity.md). The real
// app in this process on PostgreSQL, Redis and S3 storage (s3rver on loopback): registration, ID type,
// three photo uploads and a two-page PDF statement, submission, routing (the real 'case.route' job),
// a staff view of one document, the decision. Counted per stage from the pg driver itself (every
// statement the process sends, COMMITs, and writes outside a transaction, which commit on their own),
// CPU time of the process per stage, bytes in the bucket and in the database, e-mails and audit rows
// per appeal. The rows are figures for the plan: informational, no target.
import pg from 'pg';
import { Redis } from 'ioredis';
import { createApp } from '../src/app.ts';
import { createAppServer } from '../src/http/expect-continue.ts';
import { appendAudit } from '../src/modules/audit/audit.service.ts';
import { client } from '../test/support/http.ts';
import { goodImage, statementPdf } from '../test/support/images.ts';
import { openAppeal, upload } from '../test/support/intake.ts';
import { makeStaff, processRouting } from '../test/support/review.ts';
import { startTestS3 } from '../test/support/s3.ts';
import { adminQuery, createBenchEnv, isMain, printResult, round, row, runBench } from './lib.ts';

type Stage = 'register' | 'upload' | 'submit' | 'route' | 'view' | 'decide';
interface Tally {
  statements: number;
  commits: number;
  cpuMs: number;
  wallMs: number;
}

// Every statement any pg client of this process sends goes through Client.prototype.query.
const counter = { statements: 0, commits: 0 };
const inTx = new WeakSet<object>();
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '');
  const verb = text.trimStart().slice(0, 8).toUpperCase();
  counter.statements++;
  if (verb.startsWith('BEGIN')) inTx.add(this);
  else if (verb.startsWith('COMMIT')) {
    inTx.delete(this);
    counter.commits++;
  } else if (verb.startsWith('ROLLBACK')) inTx.delete(this);
  else if (!inTx.has(this) && /^(INSERT|UPDATE|DELETE|WITH)/.test(verb)) counter.commits++;
  return (original as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

export async function run() {
  return runBench('capacity', '7. Cost per appeal', async () => {
    const n = Number(process.env.BENCH_CAPACITY_APPEALS ?? 6);
    const s3 = await startTestS3('bench-capacity');
    const env = await createBenchEnv({ overrides: s3.env('documents') });
    const server = createAppServer(createApp(env.deps));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const call = client(`http://127.0.0.1:${port}`);
    const tallies = new Map<Stage, Tally>();
    const measure = async <T>(stage: Stage, fn: () => Promise<T>): Promise<T> => {
      const s0 = counter.statements;
      const c0 = counter.commits;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const out = await fn();
      const cpu = process.cpuUsage(cpu0);
      const t = tallies.get(stage) ?? { statements: 0, commits: 0, cpuMs: 0, wallMs: 0 };
      t.statements += counter.statements - s0;
      t.commits += counter.commits - c0;
      t.cpuMs += (cpu.user + cpu.system) / 1000;
      t.wallMs += performance.now() - t0;
      tallies.set(stage, t);
      return out;
    };
    try {
      const reviewer = await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 10_000 });
      const photos = {
        ID_FRONT: await goodImage('ID_FRONT'),
        CARD_FRONT: await goodImage('CARD_FRONT'),
        CARD_BACK: await goodImage('CARD_BACK'),
      };
      const pdf = statementPdf(2);
      const uploadedBytes = Object.values(photos).reduce((a, b) => a + b.length, 0) + pdf.length;
      const size0 = Number((await adminQuery('SELECT pg_database_size($1) AS b', [env.dbName])).rows[0].b);
      let uploads = 0;
      for (let i = 0; i < n; i++) {
        const a = await measure('register', () => openAppeal(call));
        await measure('upload', async () => {
          const r = await call('PUT', `/api/v1/appeals/${a.appealId}/id-type`, {
            token: a.token,
            body: { idType: 'PASSPORT' },
          });
          if (r.status !== 200) throw new Error(`id-type ${r.status}`);
          for (const [slot, file] of Object.entries(photos)) {
            const u = await upload(call, a, {
              slot,
              file,
              ...(slot === 'CARD_FRONT' ? { fields: { cardLast4: '4242' } } : {}),
            });
            if (u.status !== 201) throw new Error(`upload ${slot}: ${u.status} ${u.text}`);
            uploads++;
          }
          const p = await upload(call, a, {
            slot: 'BILLING_STATEMENT',
            file: pdf,
            filename: 's.pdf',
            contentType: 'application/pdf',
          });
          if (p.status !== 201) throw new Error(`upload pdf: ${p.status} ${p.text}`);
          uploads++;
        });
        await measure('submit', async () => {
          const r = await call('POST', `/api/v1/appeals/${a.appealId}/submit`, { token: a.token });
          if (r.status !== 200) throw new Error(`submit ${r.status} ${r.text}`);
        });
        await measure('route', () => processRouting(env.deps));
        const doc = await env.deps.prisma.document.findFirstOrThrow({
          where: { appealId: a.appealId, slot: 'ID_FRONT' },
        });
        await measure('view', async () => {
          const res = await fetch(
            `http://127.0.0.1:${port}/api/v1/cases/${a.appealId}/documents/${doc.id}/image`,
            { headers: { authorization: `Bearer ${reviewer.token}` } },
          );
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`view ${res.status}`);
        });
        await measure('decide', async () => {
          const r = await call('POST', `/api/v1/cases/${a.appealId}/decision`, {
            token: reviewer.token,
            body: { decision: 'APPROVE', buyerMessage: 'Thank you' },
          });
          if (r.status !== 200) throw new Error(`decide ${r.status} ${r.text}`);
        });
      }
      await adminQuery('CHECKPOINT');
      const size1 = Number((await adminQuery('SELECT pg_database_size($1) AS b', [env.dbName])).rows[0].b);
      const objects = s3.objectBodies().filter((o) => o.name.endsWith('._S3rver_object'));
      const bucketBytes = objects.reduce((a, o) => a + o.bytes.length, 0);
      const emails = await env.deps.prisma.outboxMessage.count({ where: { topic: 'email.send' } });
      const audits = await env.deps.prisma.auditLog.count();
      const outbox = await env.deps.prisma.outboxMessage.count();

      // Redis held by the SLA timers (3 delayed jobs per routed case, alive for up to 5 working days)
      const redis = new Redis(env.config.REDIS_URL!);
      let slaJobs = 0;
      let slaBytes = 0;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(
          cursor,
          'MATCH',
          `${env.config.QUEUE_PREFIX}:sla:*`,
          'COUNT',
          500,
        );
        cursor = next;
        for (const k of keys) {
          const bytes = Number((await redis.memory('USAGE', k)) ?? 0);
          slaBytes += bytes;
          if ((await redis.type(k)) === 'hash' && (await redis.hexists(k, 'data'))) slaJobs++;
        }
      } while (cursor !== '0');
      await redis.quit();

      // The audit chain's one lock: appends per second with 16 concurrent writers, each its own
      // transaction (lock, read the head, insert, commit): the ceiling for every audited action together
      const writers = 16;
      const auditMs = 3_000;
      let appends = 0;
      const auditEnd = performance.now() + auditMs;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: writers }, async () => {
          while (performance.now() < auditEnd) {
            await appendAudit(env.deps.prisma, {
              at: new Date(),
              actor: { type: 'SYSTEM', label: 'capacity bench' },
              action: 'BENCH_APPEND',
            });
            appends++;
          }
        }),
      );
      const auditRate = appends / ((performance.now() - t0) / 1000);

      const per = (x: number) => round(x / n, 1);
      const rows = [];
      let totalStatements = 0;
      let totalCommits = 0;
      for (const [stage, t] of tallies) {
        totalStatements += t.statements;
        totalCommits += t.commits;
        rows.push(
          row(
            `${stage}: statements / commits / CPU ms per appeal`,
            '(informational)',
            `${per(t.statements)} / ${per(t.commits)} / ${per(t.cpuMs)} (wall ${per(t.wallMs)} ms)`,
            t.statements / n,
            t.statements > 0,
          ),
        );
      }
      const up = tallies.get('upload')!;
      rows.push(
        row(
          'whole appeal: statements / commits',
          '(informational)',
          `${per(totalStatements)} / ${per(totalCommits)}`,
          totalStatements / n,
          totalStatements > 0,
        ),
        row(
          'intake CPU per upload (3 photos + 1 PDF, mean)',
          '(informational)',
          `${round(up.cpuMs / uploads, 1)} ms`,
          up.cpuMs / uploads,
          uploads === 4 * n,
        ),
        row(
          'bytes per appeal: bucket / database',
          '(informational)',
          `${per(bucketBytes)} / ${per(size1 - size0)} (uploaded ${uploadedBytes})`,
          bucketBytes / n,
          objects.length === 4 * n,
        ),
        row(
          'e-mails / audit rows / outbox rows per appeal',
          '(informational)',
          `${per(emails)} / ${per(audits)} / ${per(outbox)}`,
          emails / n,
          emails > 0,
        ),
      );
      rows.push(
        row(
          'Redis per SLA timer job (MEMORY USAGE of the sla queue keys / jobs)',
          '(informational)',
          `${slaJobs ? round(slaBytes / slaJobs, 0) : 0} bytes (${slaJobs} jobs, ${slaBytes} bytes)`,
          slaJobs ? slaBytes / slaJobs : 0,
          slaJobs >= 3 * n,
        ),
        row(
          `audit chain appends/s (${writers} concurrent writers, one global lock)`,
          '(informational)',
          `${round(auditRate, 0)}/s`,
          auditRate,
          appends > 0,
        ),
      );
      return {
        rows,
        details: {
          slaJobs,
          slaBytes,
          auditAppends: appends,
          auditRate,
          appeals: n,
          uploads,
          stages: Object.fromEntries(tallies),
          bucketBytes,
          objects: objects.length,
          databaseBytes: size1 - size0,
          uploadedBytesPerAppeal: uploadedBytes,
          emails,
          audits,
          outbox,
        },
        notes: [
          'statements = every query the process sent through pg (BEGIN and COMMIT included); commits = COMMITs plus INSERT/UPDATE/DELETE sent outside a transaction',
          'CPU = this process (API, routing job and the HTTP client in one process); route runs the real case.route handler without Redis in between',
          'database bytes = pg_database_size growth after CHECKPOINT, indexes and TOAST included; small n makes it coarse (8 kB pages)',
        ],
      };
    } finally {
      await new Promise((r) => server.close(r));
      await env.close();
      await s3.stop();
    }
  });
}

if (isMain(import.meta.url)) printResult(await run());
