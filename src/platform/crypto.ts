// Envelope encryption for stored documents. Every document gets its own random 256-bit data key; the
// document is sealed with it (AES-256-GCM) and the data key is sealed with a master key from the
// keyring (AES-256-GCM again, the key id as associated data). Rotating the master key therefore means
// re-wrapping a 93-byte wrapped key per document, never re-encrypting the documents themselves.
//
//   blob        = 0x01 | iv(12) | ciphertext | tag(16)           AAD "appeal-desk/doc" | 0x01
//   wrappedKey  = 0x01 | iv(12) | enc(dataKey(32) | sha256(blob)(32)) | tag(16)
//                                                                AAD "appeal-desk/key" | 0x01 | keyId
//
// The wrapped key carries the SHA-256 of its blob. GCM alone is not key-committing: with two known data
// keys, one ciphertext can be built that authenticates under both, so "this blob decrypts" would not
// prove "this is the blob that was stored with this key". Checking the digest, which only a master-key
// holder can write, binds each blob to exactly one wrapped key, and survives re-wrapping untouched.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { AppError } from './errors.ts';

export interface Keyring {
  /** the key that wraps new documents; the others only unwrap */
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer /* 32 bytes */>;
}

const VERSION = 0x01;
const IV_LEN = 12;
const TAG_LEN = 16;
const KEY_LEN = 32;
const DIGEST_LEN = 32;
const HEADER_LEN = 1 + IV_LEN;
/** 1 + 12 + 64 + 16 */
export const WRAPPED_KEY_LENGTH = HEADER_LEN + KEY_LEN + DIGEST_LEN + TAG_LEN;

const BLOB_AAD = Buffer.concat([Buffer.from('appeal-desk/doc'), Buffer.of(VERSION)]);
const wrapAad = (keyId: string) =>
  Buffer.concat([Buffer.from('appeal-desk/key'), Buffer.of(VERSION), Buffer.from(keyId, 'utf8')]);

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * "keyId:base64(32 bytes)[,keyId:base64...]"; the first key is the active one. Errors name the entry
 * by position and id but never echo key material (the message may end up in a boot log).
 */
export function parseKeyring(spec: string): Keyring {
  const entries = spec
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) {
    throw new Error('Master keyring is empty: expected "keyId:base64(32 bytes)[,keyId:base64...]"');
  }
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, i) => {
    const where = `master keyring entry ${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${where} has no "keyId:" prefix: expected "keyId:base64(32 bytes)"`);
    const id = entry.slice(0, colon).trim();
    const b64 = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) {
      throw new Error(`${where}: the key id must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    }
    if (!BASE64.test(b64)) throw new Error(`${where} (id "${id}"): the key is not valid base64`);
    const key = Buffer.from(b64, 'base64');
    if (key.length !== KEY_LEN) {
      throw new Error(
        `${where} (id "${id}"): the key is ${key.length} bytes, AES-256 needs exactly ${KEY_LEN}`,
      );
    }
    if (keys.has(id)) throw new Error(`${where}: duplicate key id "${id}"`);
    keys.set(id, key);
  });
  const activeKeyId = entries[0]!.slice(0, entries[0]!.indexOf(':')).trim();
  return { activeKeyId, keys };
}

function masterKey(ring: Keyring, keyId: string): Buffer {
  const key = ring.keys.get(keyId);
  if (!key) throw new AppError('INTERNAL', `Master key "${keyId}" is not in the keyring`, { keyId });
  if (key.length !== KEY_LEN) throw new AppError('INTERNAL', `Master key "${keyId}" is not ${KEY_LEN} bytes`);
  return key;
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_LEN);
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, body, c.getAuthTag()]);
}

/** Returns null when the bytes do not authenticate (tampered, wrong key or wrong AAD). */
function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer | null {
  if (sealed.length < HEADER_LEN + TAG_LEN || sealed[0] !== VERSION) return null;
  const iv = sealed.subarray(1, HEADER_LEN);
  const body = sealed.subarray(HEADER_LEN, sealed.length - TAG_LEN);
  const tag = sealed.subarray(sealed.length - TAG_LEN);
  const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
  d.setAAD(aad);
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    return null;
  }
}

function wrap(dataKey: Buffer, blobDigest: Buffer, ring: Keyring): { wrappedKey: Buffer; keyId: string } {
  const keyId = ring.activeKeyId;
  const inner = Buffer.concat([dataKey, blobDigest]);
  try {
    return { wrappedKey: seal(masterKey(ring, keyId), inner, wrapAad(keyId)), keyId };
  } finally {
    inner.fill(0);
  }
}

function unwrap(wrappedKey: Buffer, keyId: string, ring: Keyring): { dataKey: Buffer; blobDigest: Buffer } {
  const key = masterKey(ring, keyId);
  const inner = wrappedKey.length === WRAPPED_KEY_LENGTH ? open(key, wrappedKey, wrapAad(keyId)) : null;
  if (!inner || inner.length !== KEY_LEN + DIGEST_LEN) {
    throw new AppError(
      'INTERNAL',
      `Wrapped document key does not authenticate under master key "${keyId}" (tampered or wrong key id)`,
      { keyId },
    );
  }
  return { dataKey: inner.subarray(0, KEY_LEN), blobDigest: inner.subarray(KEY_LEN) };
}

export function encryptDocument(
  plaintext: Buffer,
  ring: Keyring,
): { blob: Buffer; wrappedKey: Buffer; keyId: string } {
  const dataKey = randomBytes(KEY_LEN);
  try {
    const blob = seal(dataKey, plaintext, BLOB_AAD);
    const { wrappedKey, keyId } = wrap(dataKey, sha256Bytes(blob), ring);
    return { blob, wrappedKey, keyId };
  } finally {
    dataKey.fill(0);
  }
}

/** Throws AppError('INTERNAL') on an unknown key id, a tampered wrapped key or blob, or a mismatched pair. */
export function decryptDocument(blob: Buffer, wrappedKey: Buffer, keyId: string, ring: Keyring): Buffer {
  const { dataKey, blobDigest } = unwrap(wrappedKey, keyId, ring);
  try {
    if (!timingSafeEqual(sha256Bytes(blob), blobDigest)) {
      throw new AppError(
        'INTERNAL',
        'Document blob does not belong to this wrapped key (tampered or swapped)',
      );
    }
    const plain = open(dataKey, blob, BLOB_AAD);
    if (!plain) throw new AppError('INTERNAL', 'Document blob does not authenticate (tampered)');
    return plain;
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Re-wraps a document key under the active master key (fresh IV), carrying the blob digest over, so the
 * blob itself is never read or rewritten. Always re-wraps, even when keyId is already the active one.
 */
export function rewrapKey(
  wrappedKey: Buffer,
  keyId: string,
  ring: Keyring,
): { wrappedKey: Buffer; keyId: string } {
  const { dataKey, blobDigest } = unwrap(wrappedKey, keyId, ring);
  try {
    return wrap(dataKey, blobDigest, ring);
  } finally {
    dataKey.fill(0);
  }
}

function sha256Bytes(b: Buffer | string): Buffer {
  return createHash('sha256').update(b).digest();
}

export function sha256Hex(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

// Small secrets at rest (webhook signing secrets, TOTP seeds): sealed with a key derived from the active
// master key for one purpose (HKDF-SHA256), stored as "s1:keyId:base64(0x01|iv|ct|tag)". The purpose and
// key id are associated data, so a sealed webhook secret cannot be replayed as a TOTP seed.
const SECRET_PREFIX = 's1';
const secretCache = new Map<string, Keyring>();

function secretKey(ring: Keyring, keyId: string, purpose: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', masterKey(ring, keyId), Buffer.alloc(0), `appeal-desk/secret/${purpose}`, KEY_LEN),
  );
}

/** The keyring of a DOCUMENT_MASTER_KEY spec, parsed once per spec. */
export function keyringOf(spec: string): Keyring {
  let ring = secretCache.get(spec);
  if (!ring) {
    ring = parseKeyring(spec);
    secretCache.set(spec, ring);
  }
  return ring;
}

export function sealSecret(plaintext: string, ring: Keyring, purpose: string): string {
  const keyId = ring.activeKeyId;
  const aad = Buffer.from(`${purpose}|${keyId}`);
  const sealed = seal(secretKey(ring, keyId, purpose), Buffer.from(plaintext, 'utf8'), aad);
  return `${SECRET_PREFIX}:${keyId}:${sealed.toString('base64')}`;
}

/** The plaintext of a sealed secret; throws when it does not authenticate or its key is unknown. */
export function openSecret(stored: string, ring: Keyring, purpose: string): string {
  const [prefix, keyId, b64] = stored.split(':');
  if (prefix !== SECRET_PREFIX || !keyId || !b64)
    throw new AppError('INTERNAL', 'A stored secret is not in the sealed format');
  const out = open(
    secretKey(ring, keyId, purpose),
    Buffer.from(b64, 'base64'),
    Buffer.from(`${purpose}|${keyId}`),
  );
  if (!out) throw new AppError('INTERNAL', `A stored secret does not authenticate under key "${keyId}"`);
  return out.toString('utf8');
}

export function isSealedSecret(stored: string): boolean {
  return stored.startsWith(`${SECRET_PREFIX}:`);
}

// Hashing and token helpers of the domain (issue 14: they were in src/http/auth.ts). Token kinds are told
// apart by prefix: appeal link tokens `apl_`, staff session tokens `stf_`.
export const APPEAL_TOKEN_PREFIX = 'apl_';
export const STAFF_TOKEN_PREFIX = 'stf_';

/** Hex SHA-256 of a string (token hashes, request hashes). */
export function sha256(s: string): string {
  return sha256Hex(s);
}

/** A random token with its kind's prefix. */
export function newToken(prefix: string, bytes = 24): string {
  return prefix + randomBytes(bytes).toString('base64url');
}
