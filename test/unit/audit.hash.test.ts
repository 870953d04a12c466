import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditHash, GENESIS_HASH } from '../../src/modules/audit/audit.service.ts';

const base = {
  at: '2026-03-02T09:00:00.000Z',
  actorType: 'STAFF' as const,
  actorId: 'u1',
  actorLabel: 'a@b.c',
  action: 'LOGIN_SUCCEEDED',
  appealId: null,
  targetType: null,
  targetId: null,
  ip: '127.0.0.1',
  userAgent: 'ua',
  data: { b: 2, a: 1 },
};

describe('auditHash', () => {
  it('is sha256(prevHash + canonical JSON with sorted keys)', () => {
    const expected = createHash('sha256')
      .update(
        GENESIS_HASH +
          '{"action":"LOGIN_SUCCEEDED","actorId":"u1","actorLabel":"a@b.c","actorType":"STAFF","appealId":null,' +
          '"at":"2026-03-02T09:00:00.000Z","data":{"a":1,"b":2},"ip":"127.0.0.1","targetId":null,"targetType":null,"userAgent":"ua"}',
      )
      .digest('hex');
    expect(auditHash(GENESIS_HASH, base)).toBe(expected);
  });

  it('does not depend on key order and changes with every field and with the previous hash', () => {
    const h = auditHash(GENESIS_HASH, base);
    expect(auditHash(GENESIS_HASH, { ...base, data: { a: 1, b: 2 } })).toBe(h);
    const variants = [
      { ...base, at: '2026-03-02T09:00:00.001Z' },
      { ...base, actorId: 'u2' },
      { ...base, action: 'LOGIN_FAILED' },
      { ...base, ip: '10.0.0.1' },
      { ...base, data: { a: 1, b: 3 } },
      { ...base, data: null },
      { ...base, appealId: '00000000-0000-0000-0000-000000000000' },
    ];
    const hashes = new Set([h, ...variants.map((v) => auditHash(GENESIS_HASH, v))]);
    expect(hashes.size).toBe(variants.length + 1);
    expect(auditHash('f'.repeat(64), base)).not.toBe(h);
  });
});
