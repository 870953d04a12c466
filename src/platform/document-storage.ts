// Stored documents: the sanitised bytes, encrypted under a per-document data key (crypto.ts) and put in
// the blob store under a random key (storage.ts). One store and one keyring per process and STORAGE_URL.
import type { Config } from '../config.ts';
import { decryptDocument, encryptDocument, type Keyring, parseKeyring } from './crypto.ts';
import type { Logger } from './logger.ts';
import { type BlobStore, createBlobStore, newBlobKey, type S3Env } from './storage.ts';

export interface DocumentStorage {
  blobs: BlobStore;
  keyring: Keyring;
}

const stores = new Map<string, DocumentStorage>();

/** The process's store for this config (built once: parsing the keyring and the URL fails at boot). */
export function documentStorage(
  config: Pick<Config, 'STORAGE_URL' | 'DOCUMENT_MASTER_KEY'> & S3Env,
): DocumentStorage {
  const id = [config.STORAGE_URL, config.AWS_ENDPOINT_URL_S3, config.DOCUMENT_MASTER_KEY].join('\u0000');
  let s = stores.get(id);
  if (!s) {
    s = {
      blobs: createBlobStore(config.STORAGE_URL, config),
      keyring: parseKeyring(config.DOCUMENT_MASTER_KEY),
    };
    stores.set(id, s);
  }
  return s;
}

export interface StoredBlob {
  blobKey: string;
  wrappedKey: Buffer;
  keyId: string;
}

/** Encrypts and writes; the caller must delete the blob if the row that should point at it is not written. */
export async function putEncrypted(storage: DocumentStorage, plaintext: Buffer): Promise<StoredBlob> {
  const { blob, wrappedKey, keyId } = encryptDocument(plaintext, storage.keyring);
  const blobKey = newBlobKey();
  await storage.blobs.put(blobKey, blob);
  return { blobKey, wrappedKey, keyId };
}

/** Writes a copy the intake pool encrypted (documents.intake-task.ts); the same contract as putEncrypted. */
export async function putSealed(
  storage: DocumentStorage,
  sealed: { blob: Buffer; wrappedKey: Buffer; keyId: string },
): Promise<StoredBlob> {
  const blobKey = newBlobKey();
  await storage.blobs.put(blobKey, sealed.blob);
  return { blobKey, wrappedKey: sealed.wrappedKey, keyId: sealed.keyId };
}

export async function readDecrypted(
  storage: DocumentStorage,
  doc: { blobKey: string; wrappedKey: Uint8Array; keyId: string },
): Promise<Buffer> {
  const blob = await storage.blobs.get(doc.blobKey);
  return decryptDocument(blob, Buffer.from(doc.wrappedKey), doc.keyId, storage.keyring);
}

/**
 * Best effort: a blob whose delete fails is an orphan without a row, found by an orphan sweep over
 * BlobStore.list(); the request that caused it must not fail for it.
 */
export async function deleteBlobQuietly(
  storage: DocumentStorage,
  key: string,
  logger: Logger,
): Promise<void> {
  try {
    await storage.blobs.delete(key);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'document blob delete failed; left for the orphan sweep');
  }
}
