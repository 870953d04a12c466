// The audit trail against someone who can reach the database: keyed links (HMAC under a key the database
// does not hold), an append-only trigger, an application role without UPDATE/DELETE (deploy/app-role.sql,
// tried with a real non-superuser role created here), and signed head files that catch a cut-off tail,
// a rewritten chain and reordered records. `npm run audit:verify` reads both.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportAuditHead, verifyAuditHeads } from '../../src/modules/audit/audit.head.ts';
import { appendAudit, verifyAuditChain } from '../../src/modules/audit/audit.service.ts';
import { ADMIN_URL, createTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
let headDir: string;
const role = `appeal_app_t${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  env = await createTestEnv();
  headDir = env.config.AUDIT_HEAD_DIR;
});
afterAll(async () => {
  await env.close();
  const a = new pg.Client({ connectionString: ADMIN_URL });
  await a.connect();
  await a.query(`DROP ROLE IF EXISTS ${role}`);
  await a.end();
});

async function tamper(sql: string) {
  await env.deps.prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
    await tx.$executeRawUnsafe(sql);
  });
}
beforeEach(async () => {
  await tamper('TRUNCATE audit_log RESTART IDENTITY');
});

const entry = (i: number) => ({
  at: new Date(Date.UTC(2026, 2, 2, 9, 0, 0, i)),
  actor: { type: 'SYSTEM' as const, id: null, label: 'test' },
  action: `STEP_${i}`,
  data: { n: i },
});

describe('the database refuses changes', () => {
  it('the append-only trigger refuses UPDATE, DELETE and TRUNCATE, even to the owner', async () => {
    await appendAudit(env.deps.prisma, entry(0));
    for (const sql of ["UPDATE audit_log SET action = 'X'", 'DELETE FROM audit_log', 'TRUNCATE audit_log'])
      await expect(env.deps.prisma.$executeRawUnsafe(sql), sql).rejects.toThrow(/append-only/);
    expect(await env.deps.prisma.auditLog.count()).toBe(1);
  });

  it('the application role of deploy/app-role.sql can append but not change, delete or unlock', async () => {
    const owner = new pg.Client({ connectionString: env.dbUrl });
    await owner.connect();
    await owner.query(`CREATE ROLE ${role} LOGIN`);
    const grants = readFileSync(new URL('../../deploy/app-role.sql', import.meta.url), 'utf8').replaceAll(
      'appeal_app',
      role,
    );
    await owner.query(grants);
    await owner.end();
    const u = new URL(env.dbUrl);
    u.username = role;
    const app = new pg.Client({ connectionString: u.toString() });
    await app.connect();
    try {
      const su = await app.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
      expect(su.rows[0].rolsuper).toBe(false);
      await app.query(
        `INSERT INTO audit_log (at, actor_type, action, prev_hash, hash) VALUES (now(), 'SYSTEM', 'APP', $1, $2)`,
        ['0'.repeat(64), randomBytes(32).toString('hex')],
      );
      expect((await app.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(1);
      for (const sql of [
        "UPDATE audit_log SET action = 'X'",
        'DELETE FROM audit_log',
        'TRUNCATE audit_log',
        'ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change',
        'SET session_replication_role = replica',
      ])
        await expect(app.query(sql), sql).rejects.toThrow(/permission denied|must be owner/);
      // the rest of the schema is the application's to use
      expect((await app.query('SELECT count(*)::int AS n FROM staff_users')).rows[0].n).toBeGreaterThan(0);
    } finally {
      await app.end();
    }
  });
});

describe('keyed chain and signed heads', () => {
  it('the chain verifies only under its key', async () => {
    for (let i = 0; i < 3; i++) await appendAudit(env.deps.prisma, entry(i));
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: true, checked: 3 });
    expect(await verifyAuditChain(env.deps.prisma, { key: Buffer.from('another key') })).toMatchObject({
      ok: false,
      firstBadId: '1',
      reason: 'HASH_MISMATCH',
    });
  });

  it('heads are new read-only files; a cut tail, a rewritten record or a reorder is caught', async () => {
    for (let i = 0; i < 4; i++) await appendAudit(env.deps.prisma, entry(i));
    const file = await exportAuditHead(env.deps.prisma, headDir, env.clock.now());
    expect(file).toBeTruthy();
    expect(statSync(file!).mode & 0o777).toBe(0o444);
    expect(() => writeFileSync(file!, 'x', { flag: 'wx' })).toThrow(/EEXIST/);
    expect(await exportAuditHead(env.deps.prisma, headDir, env.clock.now())).toBeNull(); // same head: kept
    expect(await verifyAuditHeads(env.deps.prisma, headDir)).toEqual({ ok: true, heads: 1 });

    // the newest record cut off: the chain alone still verifies, the head does not
    await tamper('DELETE FROM audit_log WHERE id = 4');
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: true, checked: 3 });
    expect(await verifyAuditHeads(env.deps.prisma, headDir)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('record 4 is gone'),
    });
    const tampered = JSON.parse(readFileSync(file!, 'utf8'));
    const forged = path.join(headDir, 'audit-head-00000000000000000003.json');
    writeFileSync(forged, JSON.stringify({ ...tampered, id: '3' }));
    expect((await verifyAuditHeads(env.deps.prisma, headDir)).problem).toMatch(/signature does not verify/);
  });

  it('records swapped in place (reordered) break the chain', async () => {
    for (let i = 0; i < 4; i++) await appendAudit(env.deps.prisma, entry(i));
    // records 2 and 3 trade places (ids swapped), every field and hash intact
    await tamper('UPDATE audit_log SET id = 100 WHERE id = 2');
    await tamper('UPDATE audit_log SET id = 2 WHERE id = 3');
    await tamper('UPDATE audit_log SET id = 3 WHERE id = 100');
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({
      ok: false,
      firstBadId: '2',
      reason: 'BROKEN_LINK',
    });
  });

  it('npm run audit:verify fails on a cut tail that only the head shows', async () => {
    const dir = `${headDir}-script`;
    for (let i = 0; i < 3; i++) await appendAudit(env.deps.prisma, entry(i));
    await exportAuditHead(env.deps.prisma, dir, env.clock.now());
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: env.dbUrl,
          NODE_ENV: 'test',
          REDIS_URL: '',
          AUDIT_HMAC_KEY: env.config.AUDIT_HMAC_KEY,
          AUDIT_HEAD_DIR: dir,
        },
      }).then(
        (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({
          code: e.code,
          out: e.stdout,
          err: e.stderr,
        }),
      );
    const good = await run();
    expect([good.code, good.out]).toEqual([0, expect.stringMatching(/3 records.*1 signed heads match/)]);
    await tamper('DELETE FROM audit_log WHERE id = 3');
    const bad = await run();
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('audit head check FAILED');
  });
});
