import { describe, expect, it } from 'vitest';
import { isOnLeave, lockUntil, retryAfterSeconds } from '../../src/modules/staff/staff.rules.ts';

const now = new Date('2026-03-02T09:00:00Z');

describe('lockUntil', () => {
  it('no lock under 5 failures; then 1 min doubling to a 15 min ceiling', () => {
    expect(lockUntil(4, now)).toBeNull();
    const minutes = [5, 6, 7, 8, 9, 10, 20].map(
      (n) => (lockUntil(n, now)!.getTime() - now.getTime()) / 60_000,
    );
    expect(minutes).toEqual([1, 2, 4, 8, 15, 15, 15]);
  });
});

describe('retryAfterSeconds', () => {
  it('rounds up and is at least 1', () => {
    expect(retryAfterSeconds(new Date(now.getTime() + 59_001), now)).toBe(60);
    expect(retryAfterSeconds(new Date(now.getTime() + 1), now)).toBe(1);
    expect(retryAfterSeconds(new Date(now.getTime() - 5_000), now)).toBe(1);
  });
});

describe('isOnLeave', () => {
  it('on leave until the instant given, not after', () => {
    expect(isOnLeave(null, now)).toBe(false);
    expect(isOnLeave(new Date(now.getTime() + 1), now)).toBe(true);
    expect(isOnLeave(now, now)).toBe(false);
  });
});
