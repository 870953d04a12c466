// Retention: blobs of closed cases are deleted RETENTION_DAYS (90) after closing unless a legal hold is
// set; document rows, case history and the audit trail remain. FakeClock drives the days.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { newToken, sha256, STAFF_TOKEN_PREFIX } from '../../src/http/auth.ts';
import type { StaffRole } from '../../src/http/types.ts';
import { verifyAuditChain } from '../../src/modules/audit/audit.service.ts';
import { purgeExpiredDocuments } from '../../src/modules/security/retention.service.ts';
import { encryptDocument, parseKeyring, sha256Hex } from '../../src/platform/crypto.ts';
import type { DirectHandler } from '../../src/platform/jobs.ts';
import { createBlobStore, newBlobKey } from '../../src/platform/storage.ts';
import { handlers, SCHEDULES } from '../../workers/handlers.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';

const DAY = 86_400_000;
let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let admin: string;
let lead: string;

async function staffToken(roles: StaffRole[]): Promise<string> {
  const user = await env.deps.prisma.staffUser.create({
    data: { email: `${randomUUID()}@staff.test`, name: 'Staff', passwordHash: 'x', roles: { set: roles } },
  });
  const token = newToken(STAFF_TOKEN_PREFIX);
  await env.deps.prisma.staffSession.create({
    data: { id: sha256(token), userId: user.id, csrfToken: 'csrf', expiresAt: new Date(Date.UTC(2100, 0)) },
  });
  return token;
}

const store = () => createBlobStore(env.config.STORAGE_URL);

/** An appeal closed (status, decidedAt) at the current fake time, with `docs` stored documents. */
async function closedAppeal(status: 'APPROVED' | 'REJECTED' | 'EXPIRED' | 'WITHDRAWN', docs = 2) {
  const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
  const appealId: string = r.body.appealId;
  const ring = parseKeyring(env.config.DOCUMENT_MASTER_KEY);
  const keys: string[] = [];
  for (let i = 0; i < docs; i++) {
    const plain = Buffer.from(`document ${i} of ${appealId}`);
    const { blob, wrappedKey, keyId } = encryptDocument(plain, ring);
    const blobKey = newBlobKey();
    await store().put(blobKey, blob);
    keys.push(blobKey);
    await env.deps.prisma.document.create({
      data: {
        appealId,
        slot: i === 0 ? 'ID_FRONT' : 'CARD_FRONT',
        status: i === 2 ? 'SUPERSEDED' : 'ACTIVE',
        blobKey,
        wrappedKey: new Uint8Array(wrappedKey),
        keyId,
        mimeType: 'image/jpeg',
        byteSize: plain.length,
        contentHash: sha256Hex(plain),
        checks: [{ rule: 'format', passed: true }],
      },
    });
  }
  await env.deps.prisma.appeal.update({
    where: { id: appealId },
    data: { status, decidedAt: env.clock.now() },
  });
  return { appealId, keys };
}

async function blobsLeft(keys: string[]): Promise<number> {
  let n = 0;
  for (const k of keys) if (await store().exists(k)) n += 1;
  return n;
}

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
  admin = await staffToken(['ADMIN']);
  lead = await staffToken(['LEAD', 'REVIEWER', 'SECURITY']);
});
afterAll(async () => {
  await server.close();
  await env.close();
});

describe('retention.purge', () => {
  it('is a scheduled daily job on the maintenance queue with a handler', () => {
    expect(SCHEDULES).toContainEqual({ id: 'retention-purge', name: 'retention.purge', everyMs: DAY });
  });

  it('purges 90 days after closing, not a millisecond before; keeps metadata; idempotent', async () => {
    env.clock.set('2026-03-02T09:00:00Z');
    const a = await closedAppeal('REJECTED', 3);
    const open = await closedAppeal('APPROVED', 1);
    await env.deps.prisma.appeal.update({ where: { id: open.appealId }, data: { status: 'IN_REVIEW' } });

    env.clock.set(new Date(Date.parse('2026-03-02T09:00:00Z') + 90 * DAY - 1));
    expect(await purgeExpiredDocuments(env.deps)).toEqual({ appeals: 0, documents: 0 });
    expect(await blobsLeft(a.keys)).toBe(3);

    env.clock.advance(1);
    // through the worker's handler map, as the scheduler runs it
    const handler = (await (
      handlers({ deps: env.deps, mailer: {} as never }) as unknown as Record<
        string,
        () => Promise<DirectHandler>
      >
    )['retention.purge']!()) as DirectHandler;
    await handler({}, { deps: env.deps, job: {} as never, attempt: 1 });

    expect(await blobsLeft(a.keys)).toBe(0);
    expect(await blobsLeft(open.keys)).toBe(1); // not in a final status: never purged
    const docs = await env.deps.prisma.document.findMany({ where: { appealId: a.appealId } });
    expect(docs).toHaveLength(3);
    for (const d of docs) {
      expect(d.blobKey).toBeNull();
      expect(d.wrappedKey).toBeNull();
      expect(d.purgedAt?.toISOString()).toBe('2026-05-31T09:00:00.000Z');
      expect(d.contentHash).toMatch(/^[0-9a-f]{64}$/); // metadata stays
      expect(d.checks).toEqual([{ rule: 'format', passed: true }]);
    }
    const appeal = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } });
    expect(appeal.blobsPurgedAt?.toISOString()).toBe('2026-05-31T09:00:00.000Z');
    const history = await env.deps.prisma.caseHistory.findMany({
      where: { appealId: a.appealId, action: 'DOCUMENTS_PURGED' },
    });
    expect(history).toHaveLength(1);
    const audit = await env.deps.prisma.auditLog.findMany({
      where: { appealId: a.appealId, action: 'DOCUMENTS_PURGED' },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: 'SYSTEM', actorId: 'retention', data: { documents: 3 } });

    env.clock.advance(DAY);
    expect(await purgeExpiredDocuments(env.deps)).toEqual({ appeals: 0, documents: 0 });
    expect(
      await env.deps.prisma.auditLog.count({ where: { appealId: a.appealId, action: 'DOCUMENTS_PURGED' } }),
    ).toBe(1);
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: true });
  });

  it('uses closedAt first, then decidedAt, then updatedAt', async () => {
    env.clock.set('2027-01-01T00:00:00Z');
    const byClosed = await closedAppeal('WITHDRAWN', 1);
    await env.deps.prisma.appeal.update({
      where: { id: byClosed.appealId },
      data: { closedAt: new Date('2027-01-20T00:00:00Z') }, // closed later than decided
    });
    const byUpdated = await closedAppeal('EXPIRED', 1);
    await env.deps.prisma
      .$executeRaw`UPDATE appeals SET decided_at = NULL, updated_at = '2027-01-10T00:00:00Z' WHERE id = ${byUpdated.appealId}::uuid`;

    env.clock.set(new Date(Date.parse('2027-01-10T00:00:00Z') + 90 * DAY));
    expect(await purgeExpiredDocuments(env.deps)).toEqual({ appeals: 1, documents: 1 });
    expect(await blobsLeft(byUpdated.keys)).toBe(0);
    expect(await blobsLeft(byClosed.keys)).toBe(1); // decidedAt is 90 days past, but closedAt is not
    env.clock.set(new Date(Date.parse('2027-01-20T00:00:00Z') + 90 * DAY));
    expect(await purgeExpiredDocuments(env.deps)).toEqual({ appeals: 1, documents: 1 });
    expect(await blobsLeft(byClosed.keys)).toBe(0);
  });

  it('a legal hold (ADMIN, audited) keeps the blobs; releasing it lets the next run purge', async () => {
    env.clock.set('2028-01-03T09:00:00Z');
    const a = await closedAppeal('APPROVED', 2);
    const put = (token: string, body: unknown, id = a.appealId) =>
      call('PUT', `/api/v1/cases/${id}/legal-hold`, { token, body });

    const set = await put(admin, { hold: true });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ id: a.appealId, legalHold: true, blobsPurgedAt: null });
    expect((await put(lead, { hold: false })).status).toBe(403);
    expect(
      (await call('PUT', `/api/v1/cases/${a.appealId}/legal-hold`, { body: { hold: false } })).status,
    ).toBe(401);
    const bad = await put(admin, { hold: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('REQUEST.INVALID');
    expect((await put(admin, { hold: true }, randomUUID())).status).toBe(404);
    expect((await put(admin, { hold: true }, '..%2F..%2Fetc%2Fpasswd')).body.error.code).toBe(
      'CASE.NOT_FOUND',
    );

    env.clock.advance(400 * DAY);
    expect(await purgeExpiredDocuments(env.deps)).toEqual({ appeals: 0, documents: 0 });
    expect(await blobsLeft(a.keys)).toBe(2);

    expect((await put(admin, { hold: false })).body.legalHold).toBe(false);
    expect(await purgeExpiredDocuments(env.deps)).toEqual({ appeals: 1, documents: 2 });
    expect(await blobsLeft(a.keys)).toBe(0);

    const audit = await env.deps.prisma.auditLog.findMany({
      where: { appealId: a.appealId },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((r) => r.action)).toEqual(['LEGAL_HOLD_SET', 'LEGAL_HOLD_RELEASED', 'DOCUMENTS_PURGED']);
    expect(audit[0]).toMatchObject({ actorType: 'STAFF', ip: '127.0.0.1', data: { legalHold: true } });
    // setting the hold that is already set writes nothing more
    const before = await env.deps.prisma.auditLog.count();
    await put(admin, { hold: false });
    expect(await env.deps.prisma.auditLog.count()).toBe(before);
  });
});
