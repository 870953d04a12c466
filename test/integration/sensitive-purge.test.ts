// SECURITY and ADMIN mark a document "contains sensitive card data": its blob goes at once (legal hold or
// not), an incident with its alert e-mails and an audit record are written; other roles are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptDocument, parseKeyring, sha256Hex } from '../../src/platform/crypto.ts';
import { createBlobStore, newBlobKey } from '../../src/platform/storage.ts';
import type { TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import type { TestServer } from '../support/http.ts';
import { makeStaff } from '../support/review.ts';
import { type Call, startApiEnv, stopApiEnv } from '../support/api-env.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;

beforeAll(async () => {
  ({ env, server, call } = await startApiEnv());
});
afterAll(() => stopApiEnv(env, server));

async function storedCardBack() {
  const reg = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
  const appealId: string = reg.body.appealId;
  const plain = Buffer.from('a card back with a readable CVV');
  const { blob, wrappedKey, keyId } = encryptDocument(plain, parseKeyring(env.config.DOCUMENT_MASTER_KEY));
  const blobKey = newBlobKey();
  await createBlobStore(env.config.STORAGE_URL).put(blobKey, blob);
  const doc = await env.deps.prisma.document.create({
    data: {
      appealId,
      slot: 'CARD_BACK',
      status: 'ACTIVE',
      blobKey,
      wrappedKey: new Uint8Array(wrappedKey),
      keyId,
      mimeType: 'image/jpeg',
      byteSize: plain.length,
      contentHash: sha256Hex(plain),
      checks: [],
    },
  });
  // a legal hold does not keep sensitive card data
  await env.deps.prisma.appeal.update({ where: { id: appealId }, data: { legalHold: true } });
  return { appealId, docId: doc.id, blobKey };
}

describe('POST /api/v1/documents/:docId/sensitive-card-data', () => {
  it('purges the blob at once and writes an incident and an audit record', async () => {
    const { appealId, docId, blobKey } = await storedCardBack();
    const security = await makeStaff(env.deps, ['SECURITY']);
    const reviewer = await makeStaff(env.deps, ['REVIEWER']);
    const path = `/api/v1/documents/${docId}/sensitive-card-data`;
    expect((await call('POST', path, { token: reviewer.token, body: {} })).status).toBe(403);
    expect((await createBlobStore(env.config.STORAGE_URL).get(blobKey)).length).toBeGreaterThan(0);

    const r = await call('POST', path, { token: security.token, body: { kind: 'SECURITY_CODE' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ documentId: docId, appealId });
    await expect(createBlobStore(env.config.STORAGE_URL).get(blobKey)).rejects.toThrow();
    const doc = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: docId } });
    expect([doc.blobKey, doc.wrappedKey, doc.purgedAt?.toISOString()]).toEqual([
      null,
      null,
      env.clock.now().toISOString(),
    ]);
    const incident = await env.deps.prisma.securityIncident.findUniqueOrThrow({
      where: { id: r.body.incidentId },
    });
    expect(incident).toMatchObject({
      appealId,
      slot: 'CARD_BACK',
      kind: 'SECURITY_CODE',
      detector: 'staff-report',
    });
    const audit = await env.deps.prisma.auditLog.findMany({
      where: { appealId, action: { in: ['DOCUMENT_PURGED_SENSITIVE', 'SECURITY_INCIDENT_RECORDED'] } },
    });
    expect(audit.map((a) => [a.action, a.actorId]).sort()).toEqual(
      [
        ['DOCUMENT_PURGED_SENSITIVE', security.id],
        ['SECURITY_INCIDENT_RECORDED', security.id],
      ].sort(),
    );
    const again = await call('POST', path, { token: security.token, body: {} });
    expect([again.status, again.body.error.code]).toEqual([410, 'DOCUMENT.PURGED']);
    // an unknown document is 404
    const admin = await makeStaff(env.deps, ['ADMIN']);
    expect(
      (
        await call('POST', `/api/v1/documents/${crypto.randomUUID()}/sensitive-card-data`, {
          token: admin.token,
          body: {},
        })
      ).status,
    ).toBe(404);
  });
});
