import { describe, expect, it } from 'vitest';
import { workerTimingsFromEnv } from '../../workers/main.ts';

describe('worker timings from the environment', () => {
  it("unset: BullMQ's defaults (nothing passed)", () => {
    expect(workerTimingsFromEnv({})).toEqual({
      stalledIntervalMs: undefined,
      lockDurationMs: undefined,
      maxStalledCount: undefined,
    });
  });

  it('takes the fault tests’ short locks and a take-over count', () => {
    expect(
      workerTimingsFromEnv({
        WORKER_STALLED_INTERVAL_MS: '1000',
        WORKER_LOCK_DURATION_MS: '2000',
        WORKER_MAX_STALLED_COUNT: '50',
      }),
    ).toEqual({ stalledIntervalMs: 1000, lockDurationMs: 2000, maxStalledCount: 50 });
  });

  it('refuses values that are not whole numbers in range', () => {
    expect(() => workerTimingsFromEnv({ WORKER_LOCK_DURATION_MS: '50' })).toThrow(/WORKER_LOCK_DURATION_MS/);
    for (const v of ['0', '1.5', 'x', '1001'])
      expect(() => workerTimingsFromEnv({ WORKER_MAX_STALLED_COUNT: v }), v).toThrow(
        /WORKER_MAX_STALLED_COUNT/,
      );
  });
});
