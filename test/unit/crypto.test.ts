import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import {
  decryptDocument,
  encryptDocument,
  type Keyring,
  parseKeyring,
  rewrapKey,
  sha256Hex,
  WRAPPED_KEY_LENGTH,
} from '../../src/platform/crypto.ts';
import { isAppError } from '../../src/platform/errors.ts';
import { REAL_WORLD_DIR } from '../support/shared.ts';

const FIXTURES = REAL_WORLD_DIR;
const k = (fill: number) => Buffer.alloc(32, fill).toString('base64');
const ring1 = parseKeyring(`k1:${k(1)}`);
const JPEG = readFileSync(`${FIXTURES}/Landscape_1.jpg`);
const JPEG_SIG = Buffer.from('ffd8ff', 'hex');
const PNG_SIG = Buffer.from('89504e47', 'hex');

function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] = c[at]! ^ 0x01;
  return c;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('parseKeyring', () => {
  it('reads one key, or several with the first one active', () => {
    const one = parseKeyring(`prod-2026:${k(7)}`);
    expect(one.activeKeyId).toBe('prod-2026');
    expect([...one.keys.keys()]).toEqual(['prod-2026']);
    expect(one.keys.get('prod-2026')).toEqual(Buffer.alloc(32, 7));

    const many = parseKeyring(` new:${k(2)} , old.1:${k(1)},, `);
    expect(many.activeKeyId).toBe('new');
    expect([...many.keys.keys()]).toEqual(['new', 'old.1']);
    expect(many.keys.get('old.1')).toEqual(Buffer.alloc(32, 1));
  });

  it('accepts the development default from config.ts', () => {
    const ring = parseKeyring(loadConfig({ NODE_ENV: 'test' }).DOCUMENT_MASTER_KEY);
    expect(ring.activeKeyId).toBe('dev');
    expect(ring.keys.get('dev')?.length).toBe(32);
  });

  it.each([
    ['', /empty/],
    ['  , ', /empty/],
    [k(1), /no "keyId:" prefix/],
    [`:${k(1)}`, /key id must be/],
    [`a/b:${k(1)}`, /key id must be/],
    [`k1:${Buffer.alloc(16, 1).toString('base64')}`, /16 bytes, AES-256 needs exactly 32/],
    [`k1:${Buffer.alloc(33, 1).toString('base64')}`, /33 bytes/],
    ['k1:not base64!!', /not valid base64/],
    [`k1:${k(1).slice(0, -1)}`, /not valid base64/],
    [`k1:${k(1)},k1:${k(2)}`, /duplicate key id "k1"/],
    [`k1:${k(1)},k2`, /entry 2 has no "keyId:" prefix/],
  ])('rejects %j', (spec, message) => {
    expect(() => parseKeyring(spec)).toThrow(message);
  });

  it('never echoes key material in its errors', () => {
    const secret = Buffer.alloc(31, 9).toString('base64');
    const e = errorOf(() => parseKeyring(`k1:${secret}`));
    expect(e.message).toMatch(/31 bytes/);
    expect(e.message).not.toContain(secret);
  });
});

describe('encryptDocument / decryptDocument', () => {
  it('round-trips a real JPEG, an empty document and 1 MiB of random bytes', () => {
    for (const plain of [JPEG, Buffer.alloc(0), randomBytes(1024 * 1024)]) {
      const { blob, wrappedKey, keyId } = encryptDocument(plain, ring1);
      expect(keyId).toBe('k1');
      expect(decryptDocument(blob, wrappedKey, keyId, ring1).equals(plain)).toBe(true);
    }
  });

  it('lays out the blob as version | IV | ciphertext | tag and the wrapped key at a fixed size', () => {
    const { blob, wrappedKey } = encryptDocument(JPEG, ring1);
    expect(blob[0]).toBe(1);
    expect(blob.length).toBe(1 + 12 + JPEG.length + 16);
    expect(wrappedKey.length).toBe(WRAPPED_KEY_LENGTH);
    expect(WRAPPED_KEY_LENGTH).toBe(93);
  });

  it('uses a fresh data key and IV every time', () => {
    const a = encryptDocument(JPEG, ring1);
    const b = encryptDocument(JPEG, ring1);
    expect(a.blob.subarray(1, 13).equals(b.blob.subarray(1, 13))).toBe(false);
    expect(a.blob.subarray(13, 13 + 64).equals(b.blob.subarray(13, 13 + 64))).toBe(false);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
  });

  it('leaves no image signature or plaintext run in the blob', () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(4096)]);
    for (const plain of [JPEG, png]) {
      const { blob } = encryptDocument(plain, ring1);
      const head = blob.subarray(0, 32);
      expect(head.includes(JPEG_SIG)).toBe(false);
      expect(head.includes(PNG_SIG)).toBe(false);
      // 32-byte windows of the plaintext: a chance match in random bytes is out of the question.
      for (const at of [0, 100, 1000, Math.floor(plain.length / 2), plain.length - 32]) {
        expect(blob.includes(plain.subarray(at, at + 32)), `window at ${at}`).toBe(false);
      }
    }
    expect(JPEG.subarray(0, 3).equals(JPEG_SIG)).toBe(true); // the fixture really is a JPEG
  });

  it('fails on a flipped bit anywhere in the blob', () => {
    const { blob, wrappedKey, keyId } = encryptDocument(JPEG, ring1);
    const spots = {
      version: 0,
      iv: 5,
      ciphertextStart: 13,
      ciphertextMiddle: 13 + 5000,
      tag: blob.length - 1,
    };
    for (const [name, at] of Object.entries(spots)) {
      const e = errorOf(() => decryptDocument(flip(blob, at), wrappedKey, keyId, ring1));
      expect(isAppError(e), name).toBe(true);
      expect(e.message, name).toMatch(/tampered/);
    }
    expect(() => decryptDocument(blob.subarray(0, blob.length - 1), wrappedKey, keyId, ring1)).toThrow(
      /tampered/,
    );
    expect(() => decryptDocument(Buffer.concat([blob, Buffer.of(0)]), wrappedKey, keyId, ring1)).toThrow(
      /tampered/,
    );
  });

  it('fails on a flipped bit anywhere in the wrapped key', () => {
    const { blob, wrappedKey, keyId } = encryptDocument(JPEG, ring1);
    for (const at of [0, 1, 12, 13, 50, 76, 77, 92]) {
      expect(() => decryptDocument(blob, flip(wrappedKey, at), keyId, ring1), `byte ${at}`).toThrow(
        /Wrapped document key does not authenticate/,
      );
    }
    expect(() => decryptDocument(blob, wrappedKey.subarray(0, 92), keyId, ring1)).toThrow(
      /does not authenticate/,
    );
  });

  it('fails when a wrapped key is paired with another document', () => {
    const a = encryptDocument(JPEG, ring1);
    const b = encryptDocument(JPEG, ring1);
    expect(() => decryptDocument(a.blob, b.wrappedKey, 'k1', ring1)).toThrow(
      /does not belong to this wrapped key/,
    );
  });

  it('fails on an unknown key id, and on a key id that is not the one it was wrapped under', () => {
    const { blob, wrappedKey } = encryptDocument(JPEG, ring1);
    expect(() => decryptDocument(blob, wrappedKey, 'k9', ring1)).toThrow(
      /Master key "k9" is not in the keyring/,
    );
    // Same key bytes under another name: the key id is authenticated data, so the label matters too.
    const aliased = parseKeyring(`k1:${k(1)},alias:${k(1)}`);
    expect(() => decryptDocument(blob, wrappedKey, 'alias', aliased)).toThrow(/does not authenticate/);
    const otherBytes = parseKeyring(`k1:${k(3)}`);
    expect(() => decryptDocument(blob, wrappedKey, 'k1', otherBytes)).toThrow(/does not authenticate/);
  });
});

describe('key rotation', () => {
  it('re-wraps under the new active key without touching the blob; the old key can then go', () => {
    const { blob, wrappedKey, keyId } = encryptDocument(JPEG, ring1);
    const blobBefore = Buffer.from(blob);

    const rotating: Keyring = parseKeyring(`k2:${k(2)},k1:${k(1)}`);
    const re = rewrapKey(wrappedKey, keyId, rotating);
    expect(re.keyId).toBe('k2');
    expect(re.wrappedKey.length).toBe(WRAPPED_KEY_LENGTH);
    expect(re.wrappedKey.equals(wrappedKey)).toBe(false);
    expect(blob.equals(blobBefore)).toBe(true);

    const afterRotation = parseKeyring(`k2:${k(2)}`);
    expect(decryptDocument(blob, re.wrappedKey, re.keyId, afterRotation).equals(JPEG)).toBe(true);
    // ...while the old wrapping is gone with its key.
    expect(() => decryptDocument(blob, wrappedKey, 'k1', afterRotation)).toThrow(/not in the keyring/);
    // The blob binding travelled with the re-wrapped key.
    const other = encryptDocument(JPEG, afterRotation);
    expect(() => decryptDocument(other.blob, re.wrappedKey, 'k2', afterRotation)).toThrow(/does not belong/);
  });

  it('new documents use the active key; older keys only unwrap', () => {
    const rotating = parseKeyring(`k2:${k(2)},k1:${k(1)}`);
    const doc = encryptDocument(JPEG, rotating);
    expect(doc.keyId).toBe('k2');
    const old = encryptDocument(JPEG, ring1);
    expect(decryptDocument(old.blob, old.wrappedKey, 'k1', rotating).equals(JPEG)).toBe(true);
  });

  it('refuses to re-wrap a tampered or mislabelled wrapped key', () => {
    const { wrappedKey } = encryptDocument(JPEG, ring1);
    const rotating = parseKeyring(`k2:${k(2)},k1:${k(1)}`);
    expect(() => rewrapKey(flip(wrappedKey, 40), 'k1', rotating)).toThrow(/does not authenticate/);
    expect(() => rewrapKey(wrappedKey, 'k2', rotating)).toThrow(/does not authenticate/);
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vector for Buffer and string input', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256Hex('abc')).toBe(abc);
    expect(sha256Hex(Buffer.from('abc'))).toBe(abc);
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
