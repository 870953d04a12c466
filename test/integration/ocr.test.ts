// Card digits read offline by the tesseract.js pool, on synthetic card photos (test/support/card-images.ts),
// plus the pool's queue, timeout, crash and close behaviour with a scripted engine. No network: the
// language data comes from @tesseract.js-data/eng.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isAppError } from '../../src/platform/errors.ts';
import {
  binarise,
  type CardReading,
  createOcrPool,
  defaultLangPath,
  estimateSkew,
  findBlobs,
  hasLegacyModel,
  type OcrEngine,
  type OcrEngineFactory,
  type OcrPool,
  toWorkingGrey,
} from '../../src/modules/documents/ocr.ts';
import { makeCardImage, TEST_NUMBERS } from '../support/card-images.ts';
import { REAL_WORLD_DIR } from '../support/shared.ts';

const MASKED = '**** **** **** 4242';
const FIXTURES = REAL_WORLD_DIR;

/** lets a finished read leave its worker slot (that happens a few promise hops after it settles) */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The reading carries exactly the contract's fields and no digit run longer than the last 4. */
function expectNoDigitsBeyondLast4(reading: CardReading): void {
  expect(Object.keys(reading).sort()).toEqual([
    'confidence',
    'fullNumberDetected',
    'last4',
    'ms',
    'suspiciousDigitRun',
  ]);
  // ms stays below 5 digits: a read that takes 10 s is rejected by the default timeout instead.
  expect(JSON.stringify(reading)).not.toMatch(/\d{5,}/);
  expect(reading.last4 === null || /^\d{4}$/.test(reading.last4)).toBe(true);
}

async function expectUnavailable(p: Promise<unknown>, reason: string): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isAppError(err)).toBe(true);
  if (!isAppError(err)) throw new Error('expected an AppError');
  expect(err.code).toBe('DEPENDENCY.UNAVAILABLE');
  expect(err.details).toMatchObject({ reason });
  return err;
}

describe('card digits read by the tesseract pool', () => {
  let pool: OcrPool;
  const logged: { msg: string; obj: object }[] = [];
  const images: Record<string, Buffer> = {};
  const readings: Record<string, CardReading> = {};

  beforeAll(async () => {
    const cases = {
      masked: { number: MASKED },
      visa: { number: TEST_NUMBERS.visa },
      mastercard: { number: TEST_NUMBERS.mastercard, details: true, noisy: true },
      rotated8: { number: MASKED, rotate: 8 },
      rotatedMinus15: { number: MASKED, rotate: -15, details: true },
      blurred: { number: MASKED, blur: 4 },
      small: { number: MASKED, width: 400 },
      visaRotated15: { number: TEST_NUMBERS.visa, rotate: 15 },
      blank: { number: '', details: true },
    };
    await Promise.all(
      Object.entries(cases).map(async ([name, opts]) => {
        images[name] = await makeCardImage(opts);
      }),
    );
    pool = createOcrPool({
      workers: 1,
      maxQueue: 16,
      logger: {
        info: (obj, msg) => logged.push({ obj, msg }),
        warn: (obj, msg) => logged.push({ obj, msg }),
      },
    });
  });

  afterAll(async () => {
    await pool?.close();
    const rows = Object.entries(readings).map(
      ([name, r]) => `${name}: ${r.ms} ms, confidence ${r.confidence}`,
    );
    const start = logged.find((l) => l.msg === 'OCR worker started')?.obj;
    // Figures for the report (not asserted: timings depend on the machine and its load).
    console.log(
      `[ocr] worker start ${JSON.stringify(start)}; rss ${Math.round(process.memoryUsage().rss / 1e6)} MB\n  ${rows.join('\n  ')}`,
    );
  });

  async function read(name: string): Promise<CardReading> {
    const reading = await pool.read(images[name]!);
    readings[name] = reading;
    expectNoDigitsBeyondLast4(reading);
    return reading;
  }

  it('reads the last 4 of a masked number and sees no full number', async () => {
    const r = await read('masked');
    expect(r).toMatchObject({ last4: '4242', fullNumberDetected: false, suspiciousDigitRun: false });
    expect(r.confidence).toBeGreaterThan(50);
  });

  it.each(['visa', 'mastercard'])('detects an unmasked %s test number without returning it', async (name) => {
    const r = await read(name);
    expect(r.fullNumberDetected).toBe(true);
    expect(r.last4).toBeNull();
  });

  it.each(['rotated8', 'rotatedMinus15', 'blurred', 'small'])(
    'reads the last 4 on a %s card',
    async (name) => {
      const r = await read(name);
      expect(r).toMatchObject({ last4: '4242', fullNumberDetected: false });
    },
  );

  it('detects a full number on a card rotated 15 degrees', async () => {
    const r = await read('visaRotated15');
    expect(r.fullNumberDetected).toBe(true);
  });

  it('reports "nothing read" for a card without a number', async () => {
    const r = await read('blank');
    expect(r).toMatchObject({ last4: null, fullNumberDetected: false, suspiciousDigitRun: false });
  });

  it('reads nothing on a camera photo that is not a card, in a bounded time', async () => {
    // Textured photos are what made single tesseract passes take 2-14 s before text-like blob
    // filtering and chop_enable=0; the read must now finish well inside the default 10 s timeout.
    images.photo = await readFile(path.join(FIXTURES, '2569067123_aca715a2ee_o.jpg'));
    const r = await read('photo');
    expect(r).toMatchObject({ last4: null, fullNumberDetected: false, suspiciousDigitRun: false });
  });

  it('misses an upside-down full number by default, and finds it with a rotation budget', async () => {
    images.upsideDown = await makeCardImage({ number: TEST_NUMBERS.visa, rotate: 180 });
    expect((await read('upsideDown')).fullNumberDetected).toBe(false);
    const r = await pool.read(images.upsideDown, { rotationBudgetMs: 5_000 });
    expectNoDigitsBeyondLast4(r);
    expect(r.fullNumberDetected).toBe(true);
  });

  it('logs no digits beyond what the result has', () => {
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(logged)).not.toMatch(/\d{5,}|4111|5555|4242/);
  });

  it('rejects an image that does not decode', async () => {
    const err = await pool.read(Buffer.from('not an image at all')).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('UPLOAD.INVALID');
  });

  it('estimates the skew of a rotated card to within a degree', async () => {
    const skewOf = async (rotate: number) =>
      estimateSkew(
        findBlobs(await binarise(await toWorkingGrey(await makeCardImage({ number: MASKED, rotate })))),
      );
    const [upright, plus8, minus15] = await Promise.all([skewOf(0), skewOf(8), skewOf(-15)]);
    expect(upright.degrees).toBe(0);
    expect(Math.abs(plus8.degrees - 8)).toBeLessThanOrEqual(1);
    expect(Math.abs(minus15.degrees + 15)).toBeLessThanOrEqual(1);
    expect(plus8.gain).toBeGreaterThan(1.5);
  });
});

describe('language data check', () => {
  it('accepts the full 4.0.0 model and refuses the LSTM-only one before a worker starts', async () => {
    const bestInt = path.join(path.dirname(defaultLangPath()), '4.0.0_best_int');
    expect(await hasLegacyModel(defaultLangPath())).toBe(true);
    expect(await hasLegacyModel(bestInt)).toBe(false);
    expect(await hasLegacyModel('/nonexistent')).toBe(false);
    // With this model tesseract.js 7 would kill the process; the pool turns it into a failed read.
    const pool = createOcrPool({ workers: 1, maxQueue: 1, langPath: bestInt });
    await expectUnavailable(
      pool.read(await makeCardImage({ number: MASKED, width: 400 })),
      'worker_start_failed',
    );
    await pool.close();
  });
});

// A scripted engine: each recognize() waits until the test settles it, so queue states are exact.
interface ScriptedEngine extends OcrEngine {
  terminated: boolean;
  crash(): void;
  calls: { png: Buffer; settle(text: string): void }[];
}

function scriptedFactory() {
  const engines: ScriptedEngine[] = [];
  let onCall: (() => void) | null = null;
  const factory: OcrEngineFactory = async (onCrash) => {
    const engine: ScriptedEngine = {
      terminated: false,
      calls: [],
      crash: () => onCrash('exit'),
      recognize: (png) =>
        new Promise((resolve) => {
          engine.calls.push({ png, settle: (text) => resolve({ text, confidence: 90 }) });
          onCall?.();
        }),
      async terminate() {
        engine.terminated = true;
      },
    };
    engines.push(engine);
    return engine;
  };
  /** resolves when some engine has been asked to recognize `n` images in total */
  const calls = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (engines.reduce((s, e) => s + e.calls.length, 0) >= n) resolve();
      };
      onCall = check;
      check();
    });
  return { factory, engines, calls };
}

describe('pool: bounded queue, timeouts, crashes, close', () => {
  let image: Buffer;
  beforeAll(async () => {
    image = await makeCardImage({ number: MASKED, width: 400 });
  });

  it('runs one read per worker, queues up to maxQueue and rejects the next one at once', async () => {
    const s = scriptedFactory();
    const pool = createOcrPool({ workers: 1, maxQueue: 1, engineFactory: s.factory });
    const first = pool.read(image);
    const second = pool.read(image);
    expect(pool.stats()).toEqual({ busy: 1, queued: 1 });
    const err = await expectUnavailable(pool.read(image), 'queue_full');
    expect(err.message).toBe('OCR queue is full');
    expect(pool.stats()).toEqual({ busy: 1, queued: 1 });

    await s.calls(1);
    s.engines[0]!.calls[0]!.settle('**** **** **** 4242');
    expect(await first).toMatchObject({ last4: '4242', fullNumberDetected: false });
    await s.calls(2);
    await tick();
    expect(pool.stats()).toEqual({ busy: 1, queued: 0 });
    s.engines[0]!.calls[1]!.settle('4111 1111 1111 1111\n**** **** **** 1881');
    const r = await second;
    expect(r).toMatchObject({ last4: '1881', fullNumberDetected: true });
    expectNoDigitsBeyondLast4(r);
    expect(s.engines).toHaveLength(1); // one engine, started once, reused
    await tick();
    expect(pool.stats()).toEqual({ busy: 0, queued: 0 });
    await pool.close();
    expect(s.engines[0]!.terminated).toBe(true);
  });

  // The pool's deadline timers are faked so a slow machine cannot move the timeout before recognition.
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times out a read stuck in recognition and replaces the worker it was on', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = scriptedFactory();
    const pool = createOcrPool({ workers: 1, maxQueue: 1, engineFactory: s.factory });
    const stuck = pool.read(image, { timeoutMs: 1500 });
    await s.calls(1);
    expect(s.engines[0]!.terminated).toBe(false);
    vi.advanceTimersByTime(1500);
    await expectUnavailable(stuck, 'timeout');
    expect(s.engines[0]!.terminated).toBe(true);
    await tick();
    expect(pool.stats()).toEqual({ busy: 0, queued: 0 });

    const next = pool.read(image);
    await s.calls(2);
    expect(s.engines).toHaveLength(2);
    s.engines[1]!.calls[0]!.settle('XXXX XXXX XXXX 1234');
    expect((await next).last4).toBe('1234');
    await pool.close();
  });

  it('times out a read still waiting in the queue without touching the running one', async () => {
    const s = scriptedFactory();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pool = createOcrPool({ workers: 1, maxQueue: 2, engineFactory: s.factory });
    const running = pool.read(image);
    await s.calls(1);
    const waiting = pool.read(image, { timeoutMs: 50 });
    expect(pool.stats()).toEqual({ busy: 1, queued: 1 });
    vi.advanceTimersByTime(50);
    await expectUnavailable(waiting, 'timeout');
    expect(pool.stats()).toEqual({ busy: 1, queued: 0 });
    expect(s.engines[0]!.terminated).toBe(false);
    s.engines[0]!.calls[0]!.settle('nothing here');
    expect(await running).toMatchObject({
      last4: null,
      fullNumberDetected: false,
      suspiciousDigitRun: false,
    });
    await pool.close();
  });

  it('fails the read on a crashed worker and starts a new one for the next read', async () => {
    const s = scriptedFactory();
    const pool = createOcrPool({ workers: 1, maxQueue: 1, engineFactory: s.factory });
    const doomed = pool.read(image);
    await s.calls(1);
    s.engines[0]!.crash();
    await expectUnavailable(doomed, 'worker_crashed');
    expect(s.engines[0]!.terminated).toBe(true); // whatever is left of its thread is ended

    const next = pool.read(image);
    await s.calls(2);
    expect(s.engines).toHaveLength(2);
    s.engines[1]!.calls[0]!.settle('**** 4242');
    expect((await next).last4).toBe('4242');
    await pool.close();
  });

  it('uses both workers for two concurrent reads', async () => {
    const s = scriptedFactory();
    const pool = createOcrPool({ workers: 2, maxQueue: 0, engineFactory: s.factory });
    const a = pool.read(image);
    const b = pool.read(image);
    expect(pool.stats()).toEqual({ busy: 2, queued: 0 });
    await expectUnavailable(pool.read(image), 'queue_full');
    await s.calls(2);
    expect(s.engines).toHaveLength(2);
    for (const e of s.engines) e.calls[0]!.settle('**** 4242');
    expect((await a).last4).toBe('4242');
    expect((await b).last4).toBe('4242');
    await pool.close();
  });

  it('close() fails running and queued reads, terminates every worker and refuses new reads', async () => {
    const s = scriptedFactory();
    const pool = createOcrPool({ workers: 1, maxQueue: 1, engineFactory: s.factory });
    const running = pool.read(image);
    const queued = pool.read(image);
    await s.calls(1);
    await pool.close();
    await expectUnavailable(running, 'closed');
    await expectUnavailable(queued, 'closed');
    expect(s.engines.every((e) => e.terminated)).toBe(true);
    await expectUnavailable(pool.read(image), 'closed');
  });

  it('fails reads when a worker cannot start, and tries again on the next read', async () => {
    let attempts = 0;
    const warnings: object[] = [];
    const pool = createOcrPool({
      workers: 1,
      maxQueue: 1,
      logger: { info: () => {}, warn: (obj, msg) => warnings.push({ obj, msg }) },
      engineFactory: async () => {
        attempts++;
        throw new Error('boom 4111111111111111'); // whatever it says must not reach the caller
      },
    });
    const err = await expectUnavailable(pool.read(image), 'worker_start_failed');
    expect(JSON.stringify({ m: err.message, d: (err as { details?: unknown }).details })).not.toMatch(
      /\d{5,}/,
    );
    await expectUnavailable(pool.read(image), 'worker_start_failed');
    expect(attempts).toBe(2);
    expect(warnings).toHaveLength(2);
    expect(JSON.stringify(warnings)).toContain('boom');
    expect(JSON.stringify(warnings)).not.toMatch(/\d{5,}/);
    await pool.close();
  });
});
