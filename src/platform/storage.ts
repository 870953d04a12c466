// Where encrypted document blobs live. The store only sees opaque, already-encrypted bytes under random
// keys; it knows nothing about appeals, buyers or plaintext. The database row holds the key, the
// wrapped data key and the key id (see crypto.ts).
import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from './errors.ts';
import { S3BlobStore } from './storage.s3.ts';

export interface BlobStore {
  put(key: string, bytes: Buffer): Promise<void>;
  /** throws AppError('NOT_FOUND') when there is no such blob */
  get(key: string): Promise<Buffer>;
  /** deleting a missing key is a no-op, so purge jobs can be retried */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** every stored key, in no particular order (for orphan sweeps and retention checks) */
  list?(): AsyncIterable<string>;
  /** when the blob was written, or null if it does not exist (orphan sweeps spare young blobs) */
  writtenAt?(key: string): Promise<Date | null>;
}

/**
 * 160 random bits as lowercase hex. Hex rather than base64url because a file store may sit on a
 * case-insensitive file system (macOS, Windows), where "aB" and "Ab" would be the same file.
 */
export function newBlobKey(): string {
  return randomBytes(20).toString('hex');
}

// Keys become file names: an allow-list of characters rules out "..", "/", "\", NUL, drive letters and
// anything a file system could reinterpret. Temp files start with "." and so can never be a key.
export const BLOB_KEY = /^[A-Za-z0-9_-]{1,128}$/;
const KEY = BLOB_KEY;

export function assertKey(key: string): void {
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new AppError('INTERNAL', 'Invalid blob key: 1-128 characters of A-Z a-z 0-9 _ - only');
  }
}

const isErrno = (e: unknown, ...codes: string[]) =>
  e instanceof Error && codes.includes((e as NodeJS.ErrnoException).code ?? '');

export class FileBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    if (!path.isAbsolute(root)) throw new Error(`FileBlobStore needs an absolute directory, got "${root}"`);
    this.root = path.resolve(root);
  }

  /** root/<first 2 chars>/<key>: keeps directories small once there are millions of blobs. */
  private pathOf(key: string): { dir: string; file: string } {
    assertKey(key);
    const dir = path.join(this.root, key.slice(0, 2));
    return { dir, file: path.join(dir, key) };
  }

  /**
   * Atomic: the bytes go to a temp file in the target directory, are fsynced, and only then renamed
   * over the final name (rename is atomic within one directory), and the directory is fsynced so the
   * rename survives a crash. A reader sees the whole blob or none of it.
   */
  async put(key: string, bytes: Buffer): Promise<void> {
    const { dir, file } = this.pathOf(key);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.${key}.${randomBytes(8).toString('hex')}.tmp`);
    let renamed = false;
    try {
      const fh = await fs.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, file);
      renamed = true;
      await syncDir(dir);
    } finally {
      if (!renamed) await fs.rm(tmp, { force: true });
    }
  }

  async get(key: string): Promise<Buffer> {
    const { file } = this.pathOf(key);
    try {
      return await fs.readFile(file);
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'EISDIR')) throw new AppError('NOT_FOUND', 'Blob not found', { key });
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    const { file } = this.pathOf(key);
    try {
      await fs.unlink(file);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
  }

  async writtenAt(key: string): Promise<Date | null> {
    const { file } = this.pathOf(key);
    try {
      return (await fs.stat(file)).mtime;
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) return null;
      throw e;
    }
  }

  async exists(key: string): Promise<boolean> {
    const { file } = this.pathOf(key);
    try {
      return (await fs.stat(file)).isFile();
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) return false;
      throw e;
    }
  }

  async *list(): AsyncIterable<string> {
    let shards: string[];
    try {
      shards = await fs.readdir(this.root);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return;
      throw e;
    }
    for (const shard of shards.sort()) {
      if (shard.startsWith('.')) continue;
      let names: string[];
      try {
        names = await fs.readdir(path.join(this.root, shard));
      } catch (e) {
        if (isErrno(e, 'ENOENT', 'ENOTDIR')) continue;
        throw e;
      }
      for (const name of names.sort()) {
        if (KEY.test(name) && name.slice(0, 2) === shard) yield name;
      }
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, fsc.O_RDONLY);
    await fh.sync();
  } catch (e) {
    // Some platforms (Windows) cannot open or fsync a directory; the rename itself is still atomic.
    if (!isErrno(e, 'EISDIR', 'EPERM', 'EINVAL', 'EACCES')) throw e;
  } finally {
    await fh?.close();
  }
}

/** The S3 settings of the config (the SDK's own variable names, plus S3_FORCE_PATH_STYLE). */
export interface S3Env {
  AWS_REGION?: string;
  AWS_ENDPOINT_URL_S3?: string;
  AWS_ACCESS_KEY_ID?: string;
  AWS_SECRET_ACCESS_KEY?: string;
  S3_FORCE_PATH_STYLE?: boolean;
}

/**
 * STORAGE_URL -> a store. `file:///abs/dir` is the local encrypted store; `s3://bucket/prefix` an S3 or
 * S3-compatible bucket (credentials, region and endpoint from the SDK's variables in `s3`). Fails at
 * boot with a clear message rather than at the first upload. The URL is never echoed: it may carry
 * credentials.
 */
export function createBlobStore(storageUrl: string, s3: S3Env = {}): BlobStore {
  let url: URL;
  try {
    url = new URL(storageUrl);
  } catch {
    throw new Error('STORAGE_URL is not a URL: expected file:///absolute/dir or s3://bucket/prefix');
  }
  if (url.protocol === 'file:') {
    if (url.host !== '' && url.host !== 'localhost') {
      throw new Error(
        'STORAGE_URL file URL must be absolute with three slashes (file:///absolute/dir); ' +
          `"${url.host}" was read as a host name`,
      );
    }
    return new FileBlobStore(fileURLToPath(url));
  }
  if (url.protocol === 's3:') {
    if (url.username || url.password) {
      throw new Error(
        'STORAGE_URL must not carry credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ' +
          '(or use an instance/task role) and STORAGE_URL=s3://bucket/prefix',
      );
    }
    // bucket names: 3-63 of a-z 0-9 . - (S3's rules); the prefix is an optional path below it
    const bucket = url.hostname;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || url.port || url.search || url.hash) {
      throw new Error(
        'STORAGE_URL must look like s3://bucket/prefix (a valid bucket name, no port or query)',
      );
    }
    const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
    const credentials =
      s3.AWS_ACCESS_KEY_ID && s3.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: s3.AWS_ACCESS_KEY_ID, secretAccessKey: s3.AWS_SECRET_ACCESS_KEY }
        : undefined;
    return new S3BlobStore({
      bucket,
      prefix,
      endpoint: s3.AWS_ENDPOINT_URL_S3,
      region: s3.AWS_REGION,
      forcePathStyle: s3.S3_FORCE_PATH_STYLE,
      credentials,
    });
  }
  throw new Error(
    `STORAGE_URL scheme "${url.protocol}" is not supported: use file:///absolute/dir or s3://bucket/prefix`,
  );
}
