// The orphan sweep removes stored blobs no document row points at, spares young ones (uploads in
// flight) and never touches a claimed blob.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOrphanBlobs } from '../../src/modules/documents/documents.orphans.ts';
import { documentStorage, putEncrypted } from '../../src/platform/document-storage.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

describe('orphan blob sweep', () => {
  it('deletes unclaimed blobs older than the minimum age and keeps claimed and young ones', async () => {
    const storage = documentStorage(env.config);
    const orphan = await putEncrypted(storage, Buffer.from('orphan bytes'));
    const young = await putEncrypted(storage, Buffer.from('upload in flight'));
    const claimed = await putEncrypted(storage, Buffer.from('claimed bytes'));
    const order = await env.deps.prisma.blockedOrder.create({
      data: {
        orderId: 'ORPHAN-1',
        buyerId: 'b',
        buyerEmail: 'b@example.com',
        buyerName: 'B',
        buyerLocale: 'en',
        amountMinor: 100n,
        currency: 'EUR',
        cardBrand: 'VISA',
        cardLast4: '4242',
        cardIssuerCountry: 'GB',
        errorCode: 'ISC_RS_5100102051',
        paymentCaptured: true,
        blockedAt: new Date(),
        requestHash: 'x',
      },
    });
    const appeal = await env.deps.prisma.appeal.create({
      data: {
        orderId: order.id,
        tokenHash: 'h-orphan',
        tokenNonce: 'n',
        tokenExpiresAt: new Date(Date.now() + 1e9),
      },
    });
    await env.deps.prisma.document.create({
      data: {
        appealId: appeal.id,
        slot: 'ID_FRONT',
        blobKey: claimed.blobKey,
        wrappedKey: new Uint8Array(claimed.wrappedKey),
        keyId: claimed.keyId,
        mimeType: 'image/jpeg',
        byteSize: 13,
        contentHash: 'c',
        checks: [],
        flags: [],
      },
    });
    // "now" one hour on: the orphan and the claimed blob are old; `young` is treated as just written
    const { utimes } = await import('node:fs/promises');
    const path = await import('node:path');
    const fileOf = (k: string) => path.join(new URL(env.config.STORAGE_URL).pathname, k.slice(0, 2), k);
    const old = new Date(Date.now() - 3600_000);
    await utimes(fileOf(orphan.blobKey), old, old);
    await utimes(fileOf(claimed.blobKey), old, old);
    const r = await sweepOrphanBlobs(env.deps, { minAgeMs: 10 * 60_000 });
    expect(r).toEqual({ scanned: 3, deleted: 1 });
    expect(await storage.blobs.exists(orphan.blobKey)).toBe(false);
    expect(await storage.blobs.exists(young.blobKey)).toBe(true);
    expect(await storage.blobs.exists(claimed.blobKey)).toBe(true);
    // a second pass has nothing more to do
    expect((await sweepOrphanBlobs(env.deps, { minAgeMs: 10 * 60_000 })).deleted).toBe(0);
  });
});
