// One contract for every BlobStore: the same cases run against FileBlobStore (a temp directory) and
// S3BlobStore (a real S3 protocol server, s3rver, started on loopback by this file). What the
// documents module relies on: whole-object reads and writes, NOT_FOUND for missing and deleted keys,
// idempotent deletes, concurrent writers, list + writtenAt for the orphan sweep, and the wrapped key's
// blob digest refusing a corrupted or swapped object whatever the store returned.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptDocument, parseKeyring } from '../../src/platform/crypto.ts';
import { isAppError } from '../../src/platform/errors.ts';
import { type BlobStore, createBlobStore, FileBlobStore, newBlobKey } from '../../src/platform/storage.ts';
import { S3BlobStore } from '../../src/platform/storage.s3.ts';
import { readDecrypted } from '../../src/platform/document-storage.ts';
import { startTestS3, type TestS3 } from '../support/s3.ts';

let tmp: string;
let s3: TestS3;
const ring = parseKeyring(`k1:${Buffer.alloc(32, 9).toString('base64')}`);

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'appeal-contract-'));
  s3 = await startTestS3('contract-bucket');
}, 60_000);
afterAll(async () => {
  await s3?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

let n = 0;
const s3Store = () => {
  const e = s3.env(`run-${++n}`);
  return createBlobStore(e.STORAGE_URL!, { ...e, S3_FORCE_PATH_STYLE: true });
};
const stores: [string, () => BlobStore][] = [
  ['FileBlobStore', () => new FileBlobStore(path.join(tmp, `store-${++n}`))],
  ['S3BlobStore', s3Store],
];

const errCode = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (isAppError(e) ? e.code : String(e)),
  );

async function listAll(store: BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.list!()) out.push(k);
  return out.sort();
}

describe.each(stores)('BlobStore contract: %s', (_name, make) => {
  it('writes, reads back, checks and deletes; deleting twice or a never-written key is fine', async () => {
    const store = make();
    const key = newBlobKey();
    const bytes = Buffer.from([0, 1, 2, 255, 254, 0x0d, 0x0a, 0x1a]);
    expect(await store.exists(key)).toBe(false);
    await store.put(key, bytes);
    expect(await store.exists(key)).toBe(true);
    expect((await store.get(key)).equals(bytes)).toBe(true);
    await store.delete(key);
    await store.delete(key);
    await store.delete(newBlobKey());
    expect(await store.exists(key)).toBe(false);
  });

  it('round-trips a 10 MB object byte for byte', { timeout: 60_000 }, async () => {
    const store = make();
    const key = newBlobKey();
    const big = randomBytes(10 * 1024 * 1024);
    await store.put(key, big);
    const back = await store.get(key);
    expect(back.length).toBe(big.length);
    expect(back.equals(big)).toBe(true);
  });

  it('answers NOT_FOUND for a missing key and for a deleted one; both are gone from list and head', async () => {
    const store = make();
    const kept = newBlobKey();
    const gone = newBlobKey();
    await store.put(kept, Buffer.from('kept'));
    await store.put(gone, Buffer.from('gone'));
    await store.delete(gone);
    expect(await errCode(store.get(newBlobKey()))).toBe('NOT_FOUND');
    expect(await errCode(store.get(gone))).toBe('NOT_FOUND');
    expect(await store.writtenAt!(gone)).toBeNull();
    expect(await listAll(store)).toEqual([kept]);
  });

  it('lists exactly the stored keys, with a recent write time for each', async () => {
    const store = make();
    const keys = Array.from({ length: 7 }, () => newBlobKey());
    const before = Date.now() - 5_000; // s3rver keeps second precision
    for (const k of keys) await store.put(k, Buffer.from(k));
    expect(await listAll(store)).toEqual([...keys].sort());
    for (const k of keys) {
      const at = (await store.writtenAt!(k))!.getTime();
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(Date.now() + 5_000);
    }
  });

  // Same-key concurrency is not part of the contract: every blob gets a fresh 160-bit key and is
  // never rewritten while in use (AWS S3 is last-writer-wins atomic; s3rver interleaves two writers of
  // one key, and storage.test.ts covers the file store's atomic rename).
  it('takes 24 concurrent puts of distinct keys, each landing whole', async () => {
    const store = make();
    const keys = Array.from({ length: 24 }, () => newBlobKey());
    await Promise.all(keys.map((k, i) => store.put(k, Buffer.alloc(100_000 + i, i))));
    const back = await Promise.all(keys.map((k) => store.get(k)));
    for (const [i, b] of back.entries()) {
      expect(b.length).toBe(100_000 + i);
      expect(new Set(b)).toEqual(new Set([i]));
    }
    expect(await listAll(store)).toEqual([...keys].sort());
  });

  it('refuses keys outside the allow-list before any I/O', async () => {
    const store = make();
    for (const key of ['', '../x', 'a/b', '.hidden', 'a b', 'x'.repeat(129)]) {
      const err = await store.put(key, Buffer.from('x')).catch((e: unknown) => e);
      expect(isAppError(err) && err.message, key).toMatch(/Invalid blob key/);
    }
    expect(await listAll(store)).toEqual([]);
  });

  it('a corrupted or swapped object is refused by the digest inside the wrapped key', async () => {
    const store = make();
    const storage = { blobs: store, keyring: ring };
    const plainA = randomBytes(50_000);
    const plainB = randomBytes(50_000);
    const a = encryptDocument(plainA, ring);
    const b = encryptDocument(plainB, ring);
    const keyA = newBlobKey();
    await store.put(keyA, a.blob);
    const docA = { blobKey: keyA, wrappedKey: a.wrappedKey, keyId: a.keyId };
    expect((await readDecrypted(storage, docA)).equals(plainA)).toBe(true);

    // one flipped bit in the middle of the stored object (what a bad disk or a buggy server returns)
    const flipped = Buffer.from(a.blob);
    flipped[flipped.length >> 1]! ^= 0x01;
    await store.put(keyA, flipped);
    const e1 = await readDecrypted(storage, docA).catch((e: unknown) => e);
    expect(isAppError(e1) && e1.code).toBe('INTERNAL');
    expect((e1 as Error).message).toMatch(/does not belong to this wrapped key/);

    // another document's valid blob under this key: decrypts under neither key
    await store.put(keyA, b.blob);
    const e2 = await readDecrypted(storage, docA).catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/does not belong to this wrapped key/);
    // a truncated object
    await store.put(keyA, a.blob.subarray(0, a.blob.length - 100));
    expect(await errCode(readDecrypted(storage, docA))).toBe('INTERNAL');
    // and back to the original: readable again
    await store.put(keyA, a.blob);
    expect((await readDecrypted(storage, docA)).equals(plainA)).toBe(true);
  });
});

describe('S3BlobStore specifics', () => {
  it('keeps objects under the prefix, as the encrypted bytes put in (no chunk framing)', async () => {
    const e = s3.env('nested/prefix');
    const store = createBlobStore(e.STORAGE_URL!, { ...e, S3_FORCE_PATH_STYLE: true });
    expect(store).toBeInstanceOf(S3BlobStore);
    const key = newBlobKey();
    const bytes = randomBytes(200_000);
    await store.put(key, bytes);
    const files = s3.objectBodies().filter((o) => o.name.includes(key));
    const body = files.find((o) => o.name.endsWith('_S3rver_object'));
    expect(body?.name).toBe(`contract-bucket/nested/prefix/${key}._S3rver_object`);
    expect(body!.bytes.equals(bytes)).toBe(true);
  });

  it('storage down: every operation fails as DEPENDENCY.UNAVAILABLE naming neither key nor bucket; back up, all is there', {
    timeout: 60_000,
  }, async () => {
    const store = s3Store();
    const key = newBlobKey();
    await store.put(key, Buffer.from('before the outage'));
    await s3.kill();
    try {
      for (const op of [
        () => store.put(newBlobKey(), Buffer.from('x')),
        () => store.get(key),
        () => store.exists(key),
        () => store.writtenAt!(key),
        () => store.delete(key),
        () => listAll(store),
      ]) {
        const err = await op().catch((e: unknown) => e);
        expect(isAppError(err) && err.code).toBe('DEPENDENCY.UNAVAILABLE');
        expect((err as Error).message).not.toContain(key);
        expect((err as Error).message).not.toContain('contract-bucket');
      }
    } finally {
      await s3.start();
    }
    expect((await store.get(key)).toString()).toBe('before the outage');
    expect(await listAll(store)).toEqual([key]);
  });
});

describe('createBlobStore for s3:// URLs', () => {
  it('reads bucket and prefix, and refuses credentials in the URL or a bad bucket without echoing them', () => {
    const st = createBlobStore('s3://my-bucket/documents/', {
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1',
    }) as S3BlobStore;
    expect([st.bucket, st.prefix]).toEqual(['my-bucket', 'documents']);
    expect((createBlobStore('s3://my-bucket') as S3BlobStore).prefix).toBe('');
    const msg = (url: string) => {
      try {
        createBlobStore(url);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    const withCreds = msg('s3://AKIAEXAMPLE:secret@my-bucket/documents');
    expect(withCreds).toMatch(/must not carry credentials: set AWS_ACCESS_KEY_ID/);
    expect(withCreds).not.toMatch(/secret|AKIAEXAMPLE|my-bucket/);
    expect(msg('s3://UPPER_case/x')).toMatch(/s3:\/\/bucket\/prefix/);
    expect(msg('s3://my-bucket:9000/x')).toMatch(/no port/);
  });
});
