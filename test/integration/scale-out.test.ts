// Many instances of one deployment, as real processes: two API processes (src/server.ts) and two
// worker processes (workers/main.ts) on one PostgreSQL database, one Redis (a private redis-server)
// and one bucket (s3rver on loopback), each process with its own DATA_DIR as if on its own machine.
//   - the two APIs start at the same instant on an EMPTY database: the migrations are applied once;
//   - documents uploaded through one API are viewed through the other (and the other way round);
//   - 100 appeals submitted alternately through both APIs are each routed exactly once, although one
//     worker is SIGKILLed while routing (its jobs come back to the survivor: nothing lost);
//   - `npm start` (src/start.ts) with DATABASE_URL, REDIS_URL and STORAGE_URL set joins as one more
//     instance: no embedded database, no private Redis, serves the others' documents, routes a case.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.ts';
import { type Database, openDatabase } from '../../src/platform/db.ts';
import { ADMIN_URL, dbUrl } from '../support/env.ts';
import { client } from '../support/http.ts';
import { goodImage } from '../support/images.ts';
import { type Call, type OpenedAppeal, openAppeal, upload } from '../support/intake.ts';
import {
  freePort,
  type NodeProc,
  type PrivateRedis,
  spawnNode,
  startPrivateRedis,
  startWorkerProcess,
} from '../support/procs.ts';
import { makeStaff, type TestStaff } from '../support/review.ts';
import { startTestS3, type TestS3 } from '../support/s3.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';

const APPEALS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let s3: TestS3;
let redis: PrivateRedis;
let smtp: TestSmtpServer;
let dbName: string;
let db: Database;
const dirs: string[] = [];
const procs: NodeProc[] = [];
const apis: { proc: NodeProc; call: Call; url: string; dataDir: string }[] = [];
const workers: NodeProc[] = [];
const reviewers: TestStaff[] = [];

function commonEnv(): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: dbUrl(dbName),
    REDIS_URL: redis.url,
    QUEUE_PREFIX: `scale${randomBytes(3).toString('hex')}`,
    SMTP_URL: smtp.url,
    PUBLIC_BASE_URL: 'http://appeal.test',
    OCR_ENABLED: 'false',
    WORKER_STALLED_INTERVAL_MS: '1000',
    WORKER_LOCK_DURATION_MS: '2000',
    ...s3.env('documents'),
  };
}
let env: Record<string, string>;

const machineDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'appeal-instance-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  [s3, redis, smtp] = await Promise.all([
    startTestS3('scale-bucket'),
    startPrivateRedis(),
    startSmtpServer(),
  ]);
  dbName = `appeal_scale_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`); // empty: the instances migrate it
  await admin.end();
  env = commonEnv();
}, 60_000);

afterAll(async () => {
  for (const p of procs) await p.kill();
  await db?.close();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  await Promise.all([s3?.stop(), redis?.stop(), smtp?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function viewImage(base: string, caseId: string, docId: string, token: string) {
  const res = await fetch(`${base}/api/v1/cases/${caseId}/documents/${docId}/image`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The session token of the reviewer the workers assigned the case to (waits for the routing). */
async function assigneeToken(appealId: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const a = await db.prisma.appeal.findUniqueOrThrow({ where: { id: appealId } });
    if (a.assigneeId) return reviewers.find((r) => r.id === a.assigneeId)!.token;
    await sleep(100);
  }
  throw new Error(`case ${appealId} was not routed within 60 s`);
}

/** Four ACTIVE document rows for the PASSPORT slots, written directly (the intake is not under test). */
const SLOTS = ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'] as const;
async function withDocumentRows(appealId: string, slots: readonly (typeof SLOTS)[number][] = SLOTS) {
  for (const slot of slots) {
    await db.prisma.document.create({
      data: {
        appealId,
        slot,
        round: 0,
        mimeType: 'image/jpeg',
        byteSize: 1000,
        contentHash: randomBytes(32).toString('hex'),
        checks: [],
      },
    });
  }
  await db.prisma.appeal.update({ where: { id: appealId }, data: { idType: 'PASSPORT' } });
}

describe('two APIs and two workers on one database, one Redis and one bucket', () => {
  it('two API processes starting at once on an empty database apply the migrations once', {
    timeout: 180_000,
  }, async () => {
    const ports = [await freePort(), await freePort()];
    const started = ports.map((port) => {
      const dataDir = machineDir();
      const proc = spawnNode('src/server.ts', {
        ...env,
        MIGRATE_ON_START: 'true',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
      });
      procs.push(proc);
      return { proc, dataDir, port };
    });
    for (const s of started) {
      await s.proc.waitForLine(/API listening/, 150_000);
      const url = `http://127.0.0.1:${s.port}`;
      apis.push({ proc: s.proc, call: client(url), url, dataDir: s.dataDir });
    }
    db = await openDatabase({ databaseUrl: dbUrl(dbName), dataDir: machineDir(), poolSize: 4 });
    const rows = await db.prisma.$queryRaw<{ name: string; n: number; done: number }[]>`
      SELECT migration_name AS name, count(*)::int AS n, count(finished_at)::int AS done
      FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name`;
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) expect([r.name, r.n, r.done]).toEqual([r.name, 1, 1]);
    const admins = await db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM staff_users WHERE 'ADMIN' = ANY(roles)`;
    expect(admins[0]!.n).toBe(1);
    for (const a of apis) expect((await a.call('GET', '/readyz')).status).toBe(200);

    for (let i = 0; i < 2; i++) {
      const w = await startWorkerProcess({ ...env, DATA_DIR: machineDir() }, 120_000);
      procs.push(w);
      workers.push(w);
    }
    for (let i = 0; i < 2; i++)
      reviewers.push(
        await makeStaff({ prisma: db.prisma, clock: systemClock }, ['REVIEWER'], { maxOpenCases: 10_000 }),
      );
  });

  it('a document uploaded through one API is viewed through the other, both ways', {
    timeout: 120_000,
  }, async () => {
    const [A, B] = apis as [(typeof apis)[0], (typeof apis)[0]];
    const pairs: [typeof A, typeof B, OpenedAppeal][] = [
      [A, B, await openAppeal(A.call)],
      [B, A, await openAppeal(B.call)],
    ];
    for (const [up, view, appeal] of pairs) {
      // the buyer uploads through one instance and removes the document through the other: the
      // object leaves the bucket
      const first = await upload(up.call, appeal, { slot: 'ID_FRONT', file: await goodImage('ID_FRONT') });
      expect(first.status, first.text).toBe(201);
      const row = await db.prisma.document.findUniqueOrThrow({ where: { id: first.body.id } });
      expect(s3.objectBodies().some((o) => o.name.includes(row.blobKey!))).toBe(true);
      const del = await view.call('DELETE', `/api/v1/appeals/${appeal.appealId}/documents/${first.body.id}`, {
        token: appeal.token,
      });
      expect(del.status, del.text).toBe(204);
      expect(s3.objectBodies().filter((o) => o.name.includes(row.blobKey!))).toEqual([]);
      // uploads again through the first, submits; staff view it through the other
      const r = await upload(up.call, appeal, { slot: 'ID_FRONT', file: await goodImage('ID_FRONT') });
      expect(r.status, r.text).toBe(201);
      await withDocumentRows(appeal.appealId, ['CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT']);
      const sub = await up.call('POST', `/api/v1/appeals/${appeal.appealId}/submit`, { token: appeal.token });
      expect(sub.status, sub.text).toBe(200);
      const seen = await viewImage(
        view.url,
        appeal.appealId,
        r.body.id,
        await assigneeToken(appeal.appealId),
      );
      expect(seen.status).toBe(200);
      expect(seen.bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    }
    for (const a of apis) expect(existsSync(path.join(a.dataDir, 'documents'))).toBe(false);
  });

  it(`${APPEALS} appeals submitted across both APIs are each routed exactly once; a worker SIGKILLed mid-routing loses nothing`, {
    timeout: 300_000,
  }, async () => {
    const ids: string[] = [];
    const tokens: Record<string, string> = {};
    for (let i = 0; i < APPEALS; i++) {
      const a = await openAppeal(apis[i % 2]!.call);
      await withDocumentRows(a.appealId);
      ids.push(a.appealId);
      tokens[a.appealId] = a.token;
    }
    const routed = () =>
      db.prisma.appeal.count({ where: { id: { in: ids }, status: 'IN_REVIEW', assigneeId: { not: null } } });
    // submit through both APIs concurrently, then kill worker 1 once routing is under way
    // eight buyers at a time, alternating between the two APIs
    let next = 0;
    const submitting = Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < ids.length; i = next++) {
          const id = ids[i]!;
          const r = await apis[i % 2]!.call('POST', `/api/v1/appeals/${id}/submit`, { token: tokens[id] });
          if (r.status !== 200) {
            const log = apis[i % 2]!.proc.lines.filter((l) => /"level":(50|40)/.test(l)).slice(-3);
            throw new Error(`submit ${id}: ${r.status} ${r.text}\n${log.join('\n')}`);
          }
        }
      }),
    );
    let atKill = 0;
    for (let i = 0; i < 6000; i++) {
      atKill = await routed();
      if (atKill > 0) break;
      await sleep(10);
    }
    await workers[0]!.kill();
    await submitting;
    expect(atKill, 'the kill landed while cases were still waiting to be routed').toBeLessThan(APPEALS);

    for (let i = 0; i < 1200 && (await routed()) < APPEALS; i++) await sleep(100);
    expect(await routed()).toBe(APPEALS);
    const [assignments, history, outbox] = await Promise.all([
      db.prisma.caseAssignment.groupBy({ by: ['appealId'], where: { appealId: { in: ids } }, _count: true }),
      db.prisma.caseHistory.groupBy({
        by: ['appealId'],
        where: { appealId: { in: ids }, action: 'ASSIGNED' },
        _count: true,
      }),
      db.prisma.outboxMessage.count({ where: { topic: 'case.route', status: { not: 'DONE' } } }),
    ]);
    expect(assignments).toHaveLength(APPEALS);
    expect(assignments.every((g) => g._count === 1)).toBe(true);
    expect(history).toHaveLength(APPEALS);
    expect(history.every((g) => g._count === 1)).toBe(true);
    expect(outbox).toBe(0);
    console.log(
      `scale-out: worker 1 SIGKILLed with ${atKill}/${APPEALS} cases routed; the survivor routed the rest`,
    );
  });

  it('`npm start` with DATABASE_URL, REDIS_URL and STORAGE_URL runs as one more instance', {
    timeout: 180_000,
  }, async () => {
    const port = await freePort();
    const dataDir = machineDir();
    const start = spawnNode('src/start.ts', {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
    });
    procs.push(start);
    try {
      await start.waitForLine(/Press Ctrl-C to stop\./, 150_000);
      const out = start.lines.join('\n');
      expect(out).toContain('Appeal desk is running.');
      expect(out).toContain('PostgreSQL (DATABASE_URL)');
      expect(out).not.toContain('private redis-server');
      expect(out).not.toMatch(/applied \d+ migration/);
      const base = `http://127.0.0.1:${port}`;
      const call = client(base);
      expect((await call('GET', '/readyz')).status).toBe(200);

      // a document uploaded through API A (case submitted there), viewed through this instance
      const a = await openAppeal(apis[0]!.call);
      const up = await upload(apis[0]!.call, a, { slot: 'ID_FRONT', file: await goodImage('ID_FRONT') });
      expect(up.status, up.text).toBe(201);
      await withDocumentRows(a.appealId, ['CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT']);
      const sub = await apis[0]!.call('POST', `/api/v1/appeals/${a.appealId}/submit`, { token: a.token });
      expect(sub.status, sub.text).toBe(200);
      const seen = await viewImage(base, a.appealId, up.body.id, await assigneeToken(a.appealId));
      expect(seen.status).toBe(200);
      expect(seen.bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');

      // a case submitted through this instance is routed once (its workers and worker 2 share the queue)
      const b = await openAppeal(call);
      await withDocumentRows(b.appealId);
      expect((await call('POST', `/api/v1/appeals/${b.appealId}/submit`, { token: b.token })).status).toBe(
        200,
      );
      for (let i = 0; i < 600; i++) {
        const r = await db.prisma.appeal.findUniqueOrThrow({ where: { id: b.appealId } });
        if (r.assigneeId) break;
        await sleep(100);
      }
      expect(await db.prisma.caseAssignment.count({ where: { appealId: b.appealId } })).toBe(1);
      expect(existsSync(path.join(dataDir, 'documents'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'pglite'))).toBe(false);
    } finally {
      start.child.kill('SIGINT');
      await start.exited;
    }
  });
});
