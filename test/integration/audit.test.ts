import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { newToken, sha256, STAFF_TOKEN_PREFIX } from '../../src/http/auth.ts';
import type { StaffRole } from '../../src/http/types.ts';
import {
  appendAudit,
  auditHash,
  GENESIS_HASH,
  verifyAuditChain,
} from '../../src/modules/audit/audit.service.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;

async function staffToken(roles: StaffRole[]): Promise<{ token: string; userId: string }> {
  const user = await env.deps.prisma.staffUser.create({
    data: { email: `${randomUUID()}@staff.test`, name: 'Staff', passwordHash: 'x', roles: { set: roles } },
  });
  const token = newToken(STAFF_TOKEN_PREFIX);
  await env.deps.prisma.staffSession.create({
    data: {
      id: sha256(token),
      userId: user.id,
      csrfToken: 'csrf',
      expiresAt: new Date(env.clock.now().getTime() + 3_600_000),
    },
  });
  return { token, userId: user.id };
}

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterAll(async () => {
  await server.close();
  await env.close();
});
/**
 * What an attacker with superuser rights does: the append-only trigger is skipped (replica mode), the
 * change goes through. The application role cannot do this (see 'the database refuses changes').
 */
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
  actor: { type: 'STAFF' as const, id: `user-${i % 3}`, label: `u${i % 3}@staff.test` },
  action: i % 2 ? 'DOCUMENT_VIEWED' : 'LOGIN_SUCCEEDED',
  ip: '203.0.113.7',
  userAgent: 'test',
  data: { n: i, nested: { z: true, a: [1, 'x'] } },
});

describe('audit chain', () => {
  it('links each record to the previous hash, starting from the genesis hash, and verifies', async () => {
    for (let i = 0; i < 5; i++) await appendAudit(env.deps.prisma, entry(i));
    const rows = await env.deps.prisma.auditLog.findMany({ orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(5);
    expect(rows[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    expect(await verifyAuditChain(env.deps.prisma)).toEqual({
      ok: true,
      checked: 5,
      headHash: rows[4]!.hash,
    });
  });

  it('40 concurrent appends (separate transactions on a pool) never fork the chain', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => appendAudit(env.deps.prisma, entry(i))));
    const rows = await env.deps.prisma.auditLog.findMany({ orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(40);
    const v = await verifyAuditChain(env.deps.prisma, { batch: 7 });
    expect(v).toMatchObject({ ok: true, checked: 40 });
  });

  it('an append inside a rolled-back transaction leaves no trace and no gap in the links', async () => {
    await appendAudit(env.deps.prisma, entry(0));
    await expect(
      env.deps.prisma.$transaction(async (tx) => {
        await appendAudit(tx, entry(1));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await appendAudit(env.deps.prisma, entry(2));
    const rows = await env.deps.prisma.auditLog.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.id)).toEqual([1n, 3n]); // the sequence skipped 2
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: true, checked: 2 });
  });

  it('detects an edited record (hash mismatch) at that record', async () => {
    for (let i = 0; i < 6; i++) await appendAudit(env.deps.prisma, entry(i));
    await tamper("UPDATE audit_log SET actor_id = 'someone-else' WHERE id = 4");
    expect(await verifyAuditChain(env.deps.prisma)).toEqual({
      ok: false,
      checked: 4,
      firstBadId: '4',
      reason: 'HASH_MISMATCH',
    });
  });

  it('detects an edit in the JSON data and in the time', async () => {
    for (let i = 0; i < 3; i++) await appendAudit(env.deps.prisma, entry(i));
    await tamper("UPDATE audit_log SET data = jsonb_set(data, '{n}', '99') WHERE id = 2");
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: false, firstBadId: '2' });
    await tamper("UPDATE audit_log SET data = jsonb_set(data, '{n}', '1') WHERE id = 2");
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: true });
    await tamper("UPDATE audit_log SET at = at + interval '1 millisecond' WHERE id = 3");
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: false, firstBadId: '3' });
  });

  it('detects a deleted record (the next record no longer links), including the first one', async () => {
    for (let i = 0; i < 6; i++) await appendAudit(env.deps.prisma, entry(i));
    await tamper('DELETE FROM audit_log WHERE id = 3');
    expect(await verifyAuditChain(env.deps.prisma)).toEqual({
      ok: false,
      checked: 3,
      firstBadId: '4',
      reason: 'BROKEN_LINK',
    });
    await tamper('TRUNCATE audit_log RESTART IDENTITY');
    for (let i = 0; i < 3; i++) await appendAudit(env.deps.prisma, entry(i));
    await tamper('DELETE FROM audit_log WHERE id = 1');
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({
      ok: false,
      firstBadId: '2',
      reason: 'BROKEN_LINK',
    });
  });

  it('an edited record whose hash was recomputed still breaks the link of the next one', async () => {
    for (let i = 0; i < 3; i++) await appendAudit(env.deps.prisma, entry(i));
    // forge: change record 2 and give it the hash its new fields deserve
    const r = await env.deps.prisma.auditLog.findUniqueOrThrow({ where: { id: 2n } });
    const forged = auditHash(r.prevHash, {
      at: r.at.toISOString(),
      actorType: r.actorType,
      actorId: r.actorId,
      actorLabel: r.actorLabel,
      action: 'NOTHING_HAPPENED',
      appealId: r.appealId,
      targetType: r.targetType,
      targetId: r.targetId,
      ip: r.ip,
      userAgent: r.userAgent,
      data: r.data,
    });
    await tamper(`UPDATE audit_log SET action = 'NOTHING_HAPPENED', hash = '${forged}' WHERE id = 2`);
    // without the key the forger can only compute the unkeyed hash: refused at the record itself
    expect(await verifyAuditChain(env.deps.prisma)).toEqual({
      ok: false,
      checked: 2,
      firstBadId: '2',
      reason: 'HASH_MISMATCH',
    });
  });
});

describe('scripts/audit-verify.ts', () => {
  const run = (dbUrl: string) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        NODE_ENV: 'test',
        REDIS_URL: '',
        AUDIT_HMAC_KEY: env.config.AUDIT_HMAC_KEY,
        AUDIT_HEAD_DIR: env.config.AUDIT_HEAD_DIR,
      },
    }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        out: e.stdout,
        err: e.stderr,
      }),
    );

  it('prints OK and exits 0 on an intact chain, names the record and exits 1 on a broken one', async () => {
    for (let i = 0; i < 4; i++) await appendAudit(env.deps.prisma, entry(i));
    const good = await run(env.dbUrl);
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/^audit chain OK: 4 records, head [0-9a-f]{64}; 0 signed heads match\n$/);
    await tamper('DELETE FROM audit_log WHERE id = 2');
    const bad = await run(env.dbUrl);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('audit chain BROKEN at record 3 (a record before it was deleted or reordered)');
  });
});

describe('wired into other modules', () => {
  it('a staff login writes LOGIN_SUCCEEDED with the address and user agent, in the chain', async () => {
    const r = await call('POST', '/api/v1/auth/login', {
      body: { email: env.config.ADMIN_EMAIL, password: env.config.ADMIN_PASSWORD },
      headers: { 'user-agent': 'audit-test/1.0' },
    });
    expect(r.status).toBe(200);
    const rows = await env.deps.prisma.auditLog.findMany({ where: { action: 'LOGIN_SUCCEEDED' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorType: 'STAFF',
      actorId: r.body.user.id,
      actorLabel: env.config.ADMIN_EMAIL,
      userAgent: 'audit-test/1.0',
    });
    expect(rows[0]!.ip).toMatch(/127\.0\.0\.1$/);
    expect(JSON.stringify({ ...rows[0], id: String(rows[0]!.id) })).not.toContain(env.config.ADMIN_PASSWORD);
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: true, checked: 1 });
  });
});

describe('GET /api/v1/audit', () => {
  it('ADMIN reads newest first with filters and a cursor; other roles and anonymous are refused', async () => {
    const admin = await staffToken(['ADMIN']);
    const reviewer = await staffToken(['REVIEWER', 'LEAD', 'SECURITY', 'FINANCE']);
    const appealId = randomUUID();
    for (let i = 0; i < 7; i++)
      await appendAudit(env.deps.prisma, { ...entry(i), ...(i < 4 ? { appealId } : {}) });

    const all = await call('GET', '/api/v1/audit?limit=3', { token: admin.token });
    expect(all.status).toBe(200);
    expect(all.headers.get('cache-control')).toBe('no-store');
    expect(all.body.items.map((r: { id: string }) => r.id)).toEqual(['7', '6', '5']);
    expect(all.body.nextCursor).toBe('5');
    expect(all.body.items[0]).toMatchObject({
      action: 'LOGIN_SUCCEEDED',
      actor: { type: 'STAFF', id: 'user-0', label: 'u0@staff.test' },
      ip: '203.0.113.7',
      data: { n: 6, nested: { z: true, a: [1, 'x'] } },
      at: '2026-03-02T09:00:00.006Z',
    });
    const next = await call('GET', '/api/v1/audit?limit=3&cursor=5', { token: admin.token });
    expect(next.body.items.map((r: { id: string }) => r.id)).toEqual(['4', '3', '2']);
    const last = await call('GET', '/api/v1/audit?limit=3&cursor=2', { token: admin.token });
    expect(last.body).toMatchObject({ nextCursor: null });
    expect(last.body.items).toHaveLength(1);

    const byAppeal = await call('GET', `/api/v1/audit?appealId=${appealId}&action=DOCUMENT_VIEWED`, {
      token: admin.token,
    });
    expect(byAppeal.body.items.map((r: { id: string }) => r.id)).toEqual(['4', '2']);
    const byActor = await call('GET', '/api/v1/audit?actor=user-1', { token: admin.token });
    expect(byActor.body.items.map((r: { id: string }) => r.id)).toEqual(['5', '2']);

    const bad = await call('GET', '/api/v1/audit?cursor=1;DROP', { token: admin.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('REQUEST.INVALID');
    const forbidden = await call('GET', '/api/v1/audit', { token: reviewer.token });
    expect(forbidden.status).toBe(403);
    expect((await call('GET', '/api/v1/audit')).status).toBe(401);
  });
});
