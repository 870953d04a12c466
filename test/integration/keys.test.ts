// Encryption at rest end to end: documents stored through the real file store under master key A,
// rotated to key B by the keys-rotate command, then readable with a keyring holding only B.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { rotateDocumentKeys } from '../../src/modules/security/security.keys.ts';
import { decryptDocument, encryptDocument, parseKeyring, sha256Hex } from '../../src/platform/crypto.ts';
import { createBlobStore, type FileBlobStore, newBlobKey } from '../../src/platform/storage.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { client, listen } from '../support/http.ts';
import { REAL_WORLD_DIR } from '../support/shared.ts';

const k = () => randomBytes(32).toString('base64');
const A = `A:${k()}`;
const B = `B:${k()}`;
const C = `C:${k()}`;
const ringA = parseKeyring(A);
const ringBA = parseKeyring(`${B},${A}`);
const ringB = parseKeyring(B);
const JPEG_SIG = Buffer.from('ffd8ff', 'hex');
const PNG_SIG = Buffer.from('89504e470d0a1a0a', 'hex');

let env: TestEnv;
let store: FileBlobStore;
let appealId: string;
let jpeg: Buffer;
let png: Buffer;

async function storeDocument(plain: Buffer, ring = ringA, mimeType = 'image/jpeg') {
  const { blob, wrappedKey, keyId } = encryptDocument(plain, ring);
  const blobKey = newBlobKey();
  await store.put(blobKey, blob);
  const doc = await env.deps.prisma.document.create({
    data: {
      appealId,
      slot: 'ID_FRONT',
      blobKey,
      wrappedKey: new Uint8Array(wrappedKey),
      keyId,
      mimeType,
      byteSize: plain.length,
      contentHash: sha256Hex(plain),
      checks: [],
    },
  });
  return { id: doc.id, blobKey, blobHash: sha256Hex(blob) };
}

const fileOf = (blobKey: string) => path.join(store.root, blobKey.slice(0, 2), blobKey);

beforeAll(async () => {
  env = await createTestEnv({ DOCUMENT_MASTER_KEY: A });
  store = createBlobStore(env.config.STORAGE_URL) as FileBlobStore;
  const server = await listen(createApp(env.deps));
  const r = await client(server.url)('POST', '/api/v1/blocked-orders', {
    token: RISK_KEY,
    body: blockedOrder(),
  });
  await server.close();
  appealId = r.body.appealId;
  jpeg = await readFile(path.join(REAL_WORLD_DIR, 'Landscape_1.jpg'));
  png = await sharp(jpeg).resize({ width: 400 }).png().toBuffer();
});
afterAll(async () => {
  await env.close();
});

describe('documents at rest', () => {
  it('hold no image signature anywhere on disk, and a tampered blob does not decrypt', async () => {
    const docs = [await storeDocument(jpeg), await storeDocument(png, ringA, 'image/png')];
    for (const d of docs) {
      const onDisk = await readFile(fileOf(d.blobKey));
      // long signatures (the first 12 bytes of each image) so random ciphertext cannot match by chance
      expect(onDisk.indexOf(jpeg.subarray(0, 12))).toBe(-1);
      expect(onDisk.indexOf(png.subarray(0, 16))).toBe(-1);
      expect(onDisk.subarray(0, 3).equals(JPEG_SIG)).toBe(false);
      expect(onDisk[0]).toBe(0x01); // the format version byte, never an image magic number
      expect(onDisk.length).toBe((d === docs[0] ? jpeg : png).length + 29);
    }
    // the plain images do carry the signatures this test looks for
    expect(jpeg.subarray(0, 3).equals(JPEG_SIG)).toBe(true);
    expect(png.subarray(0, 8).equals(PNG_SIG)).toBe(true);

    const row = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: docs[0]!.id } });
    const good = await store.get(docs[0]!.blobKey);
    expect(sha256Hex(decryptDocument(good, Buffer.from(row.wrappedKey!), row.keyId!, ringA))).toBe(
      sha256Hex(jpeg),
    );
    // flip one bit in the middle of the file on disk
    const tampered = Buffer.from(good);
    tampered[Math.floor(tampered.length / 2)]! ^= 0x01;
    await writeFile(fileOf(docs[0]!.blobKey), tampered);
    expect(() => decryptDocument(tampered, Buffer.from(row.wrappedKey!), row.keyId!, ringA)).toThrow(
      /tampered/,
    );
    await writeFile(fileOf(docs[0]!.blobKey), good);
  });

  it('keys-rotate re-wraps every data key under the new key; blobs unchanged; only B is then needed', async () => {
    await env.deps.prisma.document.deleteMany();
    const docs = [];
    for (let i = 0; i < 7; i++) docs.push(await storeDocument(i % 2 ? png : jpeg));
    const before = await env.deps.prisma.document.findMany({ orderBy: { id: 'asc' } });
    expect(new Set(before.map((d) => d.keyId))).toEqual(new Set(['A']));
    // with only B, nothing can be read yet
    expect(() =>
      decryptDocument(Buffer.alloc(64), Buffer.from(before[0]!.wrappedKey!), before[0]!.keyId!, ringB),
    ).toThrow(/not in the keyring/);

    const out = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/keys-rotate.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: env.dbUrl,
        DOCUMENT_MASTER_KEY: `${B},${A}`,
        ROTATE_BATCH: '3',
      },
    });
    expect(out.stdout).toContain('active key B: scanned 7, re-wrapped 7, failed 0, remaining 0');
    expect(out.stdout).toContain('  re-wrapped 3\n  re-wrapped 6\n  re-wrapped 7\n');
    expect(out.stdout + out.stderr).not.toContain(B.slice(2));

    const after = await env.deps.prisma.document.findMany({ orderBy: { id: 'asc' } });
    expect(after.map((d) => d.keyId)).toEqual(after.map(() => 'B'));
    for (const [i, d] of after.entries()) {
      expect(Buffer.from(d.wrappedKey!).equals(Buffer.from(before[i]!.wrappedKey!))).toBe(false);
      expect(d.blobKey).toBe(before[i]!.blobKey);
      const doc = docs.find((x) => x.blobKey === d.blobKey)!;
      const blob = await store.get(d.blobKey!);
      expect(sha256Hex(blob)).toBe(doc.blobHash); // the blob bytes were not rewritten
      const plain = decryptDocument(blob, Buffer.from(d.wrappedKey!), d.keyId!, ringB);
      expect(sha256Hex(plain)).toBe(d.contentHash);
    }

    // idempotent: a second run finds nothing to do and changes nothing
    const again = await rotateDocumentKeys(env.deps.prisma, ringBA);
    expect(again).toEqual({ activeKeyId: 'B', scanned: 0, rewrapped: 0, failed: [], remaining: 0 });
    const unchanged = await env.deps.prisma.document.findMany({ orderBy: { id: 'asc' } });
    expect(unchanged.map((d) => Buffer.from(d.wrappedKey!).toString('hex'))).toEqual(
      after.map((d) => Buffer.from(d.wrappedKey!).toString('hex')),
    );
  });

  it('reports rows it cannot re-wrap (key missing from the ring) and leaves purged rows alone', async () => {
    await env.deps.prisma.document.deleteMany();
    const underC = await storeDocument(jpeg, parseKeyring(C));
    const underA = await storeDocument(jpeg, ringA);
    const purged = await storeDocument(png, ringA);
    await env.deps.prisma.document.update({
      where: { id: purged.id },
      data: { blobKey: null, wrappedKey: null, purgedAt: new Date() },
    });
    const r = await rotateDocumentKeys(env.deps.prisma, ringBA);
    expect(r.rewrapped).toBe(1);
    expect(r.remaining).toBe(1);
    expect(r.failed).toEqual([
      { documentId: underC.id, keyId: 'C', reason: 'Master key "C" is not in the keyring' },
    ]);
    const rows = await env.deps.prisma.document.findMany();
    const byId = new Map(rows.map((d) => [d.id, d]));
    expect(byId.get(underA.id)!.keyId).toBe('B');
    expect(byId.get(underC.id)!.keyId).toBe('C');
    expect(byId.get(purged.id)!.keyId).toBe('A'); // metadata of a purged document is left as it was
  });
});
