import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptDocument, encryptDocument, parseKeyring } from '../../src/platform/crypto.ts';
import { isAppError } from '../../src/platform/errors.ts';
import { createBlobStore, FileBlobStore, newBlobKey } from '../../src/platform/storage.ts';
import { REAL_WORLD_DIR } from '../support/shared.ts';

const FIXTURES = REAL_WORLD_DIR;
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'appeal-storage-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Every file under dir, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

let n = 0;
const freshRoot = () => path.join(tmp, `store-${++n}`);

describe('newBlobKey', () => {
  it('is 160 random bits of lowercase hex, unique', () => {
    const keys = Array.from({ length: 2000 }, () => newBlobKey());
    for (const key of keys.slice(0, 50)) expect(key).toMatch(/^[0-9a-f]{40}$/);
    expect(new Set(keys).size).toBe(keys.length);
    // All 16 hex digits show up in the first position across 2000 keys (a constant prefix would not).
    expect(new Set(keys.map((k) => k[0])).size).toBe(16);
  });
});

describe('FileBlobStore', () => {
  it('stores, reads, checks and deletes a blob; deleting twice is fine', async () => {
    const root = freshRoot();
    const store = new FileBlobStore(root);
    const key = newBlobKey();
    const bytes = Buffer.from('some encrypted bytes \u0000\u00ff');

    expect(await store.exists(key)).toBe(false);
    await store.put(key, bytes);
    expect(await store.exists(key)).toBe(true);
    expect((await store.get(key)).equals(bytes)).toBe(true);

    await store.delete(key);
    expect(await store.exists(key)).toBe(false);
    await store.delete(key);
    await store.delete(newBlobKey());

    const err = await store.get(key).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('NOT_FOUND');
  });

  it('shards by the first two characters, files 0600 and directories 0700', async () => {
    const root = freshRoot();
    const store = new FileBlobStore(root);
    const key = `ab${newBlobKey()}`;
    await store.put(key, Buffer.from('x'));

    expect(await tree(root)).toEqual([path.join('ab', key)]);
    expect((await fs.stat(path.join(root, 'ab', key))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(root, 'ab'))).mode & 0o777).toBe(0o700);
    expect((await fs.stat(root)).mode & 0o777).toBe(0o700);
  });

  it('overwrites atomically and leaves no temp files behind', async () => {
    const root = freshRoot();
    const store = new FileBlobStore(root);
    const keys = Array.from({ length: 20 }, () => newBlobKey());
    await Promise.all(keys.map((k, i) => store.put(k, Buffer.alloc(1000 + i, i))));
    const same = keys[0]!;
    await Promise.all([store.put(same, Buffer.alloc(5000, 0xaa)), store.put(same, Buffer.alloc(7000, 0xbb))]);

    const files = await tree(root);
    expect(files).toHaveLength(20);
    expect(files.some((f) => path.basename(f).startsWith('.') || f.endsWith('.tmp'))).toBe(false);
    const last = await store.get(same);
    // One writer won entirely; never a mix or a truncation.
    expect([5000, 7000]).toContain(last.length);
    expect(new Set(last).size).toBe(1);
  });

  it('never lets a reader see a partly written blob', async () => {
    const store = new FileBlobStore(freshRoot());
    const key = newBlobKey();
    const big = Buffer.alloc(8 * 1024 * 1024, 0x5a);
    const writing = store.put(key, big);
    const seen: number[] = [];
    let done = false;
    void writing.finally(() => {
      done = true;
    });
    while (!done) {
      const got = await store.get(key).catch(() => null);
      if (got) seen.push(got.length);
    }
    await writing;
    expect(seen.every((len) => len === big.length)).toBe(true);
    expect((await store.get(key)).length).toBe(big.length);
  });

  it('removes its temp file when the final rename fails', async () => {
    const root = freshRoot();
    const store = new FileBlobStore(root);
    const key = newBlobKey();
    // A directory where the file should go makes rename() fail after the temp file was written.
    await fs.mkdir(path.join(root, key.slice(0, 2), key), { recursive: true });
    await expect(store.put(key, Buffer.from('data'))).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    const left = await fs.readdir(path.join(root, key.slice(0, 2)));
    expect(left).toEqual([key]);
  });

  it('rejects keys that could leave the root or mean something to the file system', async () => {
    const root = freshRoot();
    const store = new FileBlobStore(root);
    const outside = path.join(tmp, 'outside-target');
    await fs.writeFile(outside, 'secret');
    const bad = [
      '',
      '.',
      '..',
      '../outside-target',
      '../../etc/passwd',
      'ab/../../outside-target',
      'a/b',
      'a\\b',
      '/etc/passwd',
      '.hidden',
      'C:',
      'abc.tmp',
      'ab%2F..',
      'a b',
      'ab\u0000c',
      'äbc',
      'x'.repeat(129),
    ];
    for (const key of bad) {
      const ops: (() => Promise<unknown>)[] = [
        () => store.put(key, Buffer.from('pwned')),
        () => store.get(key),
        () => store.exists(key),
        () => store.delete(key),
      ];
      for (const op of ops) {
        const err = await op().then(
          () => null,
          (e: unknown) => e,
        );
        expect(isAppError(err) && err.message, JSON.stringify(key)).toMatch(/Invalid blob key/);
      }
    }
    expect(await fs.readFile(outside, 'utf8')).toBe('secret');
    expect(await fs.readdir(root).catch(() => [])).toEqual([]);
  });

  it('lists stored keys and nothing else', async () => {
    const root = freshRoot();
    const store = new FileBlobStore(root);
    const keys = Array.from({ length: 5 }, () => newBlobKey());
    for (const k of keys) await store.put(k, Buffer.from(k));
    // Stray files a crash or a person could leave: not keys.
    await fs.writeFile(path.join(root, keys[0]!.slice(0, 2), `.${keys[0]}.deadbeef.tmp`), 'partial');
    await fs.writeFile(path.join(root, 'README'), 'not a shard');
    const listed: string[] = [];
    for await (const k of store.list()) listed.push(k);
    expect(listed.sort()).toEqual([...keys].sort());
    expect(
      await (async () => {
        const l: string[] = [];
        for await (const k of new FileBlobStore(path.join(tmp, 'never-created')).list()) l.push(k);
        return l;
      })(),
    ).toEqual([]);
  });

  it('refuses a relative root', () => {
    expect(() => new FileBlobStore('data/documents')).toThrow(/absolute/);
  });
});

describe('encrypted documents on disk', () => {
  it('holds no image signature and no plaintext, and decrypts back to the original', async () => {
    const ring = parseKeyring(`k1:${Buffer.alloc(32, 1).toString('base64')}`);
    const root = freshRoot();
    const store = new FileBlobStore(root);
    const jpeg = readFileSync(path.join(FIXTURES, '2569067123_aca715a2ee_o.jpg'));
    const png = Buffer.concat([
      Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
      Buffer.alloc(20000, 7),
    ]);

    for (const plain of [jpeg, png]) {
      const key = newBlobKey();
      const { blob, wrappedKey, keyId } = encryptDocument(plain, ring);
      await store.put(key, blob);

      const onDisk = await fs.readFile(path.join(root, key.slice(0, 2), key));
      expect(onDisk.equals(blob)).toBe(true);
      const head = onDisk.subarray(0, 32);
      expect(head.includes(Buffer.from('ffd8ff', 'hex'))).toBe(false);
      expect(head.includes(Buffer.from('89504e47', 'hex'))).toBe(false);
      for (const at of [0, 64, 4096, Math.floor(plain.length / 2), plain.length - 32]) {
        expect(onDisk.includes(plain.subarray(at, at + 32)), `window at ${at}`).toBe(false);
      }
      expect(onDisk.includes(Buffer.from('Exif\u0000\u0000'))).toBe(false);

      const back = decryptDocument(await store.get(key), wrappedKey, keyId, ring);
      expect(back.equals(plain)).toBe(true);
    }
    expect(jpeg.subarray(0, 3).toString('hex')).toBe('ffd8ff');
  });
});

describe('createBlobStore', () => {
  it('gives a FileBlobStore for file:///abs/dir', async () => {
    const dir = path.join(tmp, 'from url', 'docs');
    const store = createBlobStore(pathToFileURL(dir).href);
    expect(store).toBeInstanceOf(FileBlobStore);
    expect((store as FileBlobStore).root).toBe(dir);
    const key = newBlobKey();
    await store.put(key, Buffer.from('hello'));
    expect(await fs.readFile(path.join(dir, key.slice(0, 2), key), 'utf8')).toBe('hello');
    expect((createBlobStore('file://localhost/srv/docs') as FileBlobStore).root).toBe('/srv/docs');
  });

  it.each([
    ['file://relative/dir', /three slashes/],
    ['ftp://example.com/x', /scheme "ftp:" is not supported: use file:\/\/\/absolute\/dir or s3:/],
    ['/abs/dir', /not a URL/],
    ['', /not a URL/],
  ])('rejects %j', (url, message) => {
    expect(() => createBlobStore(url)).toThrow(message);
  });
});
