// The card-data guard at intake (issue 12 points 2-4, issue 15 points 3 and 6): it runs whatever the
// other rules say (a small photo with a full number gets the card-number answer and an incident), refuses
// a readable CVV on CARD_BACK, scans PDFs (text layer and rendered pages), and fails closed with
// SERVICE.BUSY (503, Retry-After) when the reader cannot answer. Real PostgreSQL, the real line reader.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { errorHandler } from '../../src/http/error-handler.ts';
import { ocrPoolOf } from '../../src/modules/documents/documents.ocr-pool.ts';
import { uploadDocument } from '../../src/modules/documents/documents.service.ts';
import { documentStorage } from '../../src/platform/document-storage.ts';
import { createOcrPool, type OcrEngineFactory } from '../../src/modules/documents/ocr.ts';
import { AppError, isAppError } from '../../src/platform/errors.ts';
import { makeCardBack } from '../support/card-backs.ts';
import { makeCardImage, TEST_NUMBERS } from '../support/card-images.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { type Call, openAppeal, upload } from '../support/intake.ts';
import { REAL_CARDS_DIR } from '../support/shared.ts';

const REAL_CARDS = REAL_CARDS_DIR;

let env: TestEnv;
let server: TestServer;
let call: Call;

beforeAll(async () => {
  env = await createTestEnv({ OCR_ENABLED: 'true', OCR_WORKERS: '1' });
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterAll(async () => {
  await server?.close();
  await env?.close();
});

async function documents(appealId: string): Promise<number> {
  return env.deps.prisma.document.count({ where: { appealId } });
}

describe('the guard runs regardless of the other rules', () => {
  it('a photo too small for the resolution rule but showing a full number: card-number answer + incident', async () => {
    const a = await openAppeal(call);
    const small = await sharp(await makeCardImage({ number: TEST_NUMBERS.visa, details: true }))
      .resize({ width: 700 })
      .jpeg()
      .toBuffer();
    const r = await upload(call, a, { slot: 'CARD_FRONT', file: small, fields: { cardLast4: '4242' } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('DOCUMENT.CARD_NUMBER_VISIBLE');
    const rules = r.body.error.details.checks.map((c: { rule: string; passed: boolean }) => [
      c.rule,
      c.passed,
    ]);
    expect(rules).toContainEqual(['resolution', false]);
    expect(rules).toContainEqual(['card-number', false]);
    expect(await documents(a.appealId)).toBe(0);
    const incidents = await env.deps.prisma.securityIncident.findMany({ where: { appealId: a.appealId } });
    expect(incidents.map((i) => i.kind)).toEqual(['FULL_CARD_NUMBER']);
  });
});

describe('the CVV rule on CARD_BACK', () => {
  it('a card back with a readable security code is refused and nothing is stored', async () => {
    const a = await openAppeal(call);
    const r = await upload(call, a, { slot: 'CARD_BACK', file: await makeCardBack({ strip: '4242 123' }) });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('DOCUMENT.CVV_VISIBLE');
    const guard = r.body.error.details.checks.find((c: { rule: string }) => c.rule === 'cvv');
    expect(guard).toMatchObject({ passed: false, hard: true });
    expect(await documents(a.appealId)).toBe(0);
    const incidents = await env.deps.prisma.securityIncident.findMany({ where: { appealId: a.appealId } });
    expect(incidents.map((i) => i.kind)).toEqual(['CVV_VISIBLE']);
  });

  it('the same card back with the code covered, and phone numbers on it, is accepted', async () => {
    const a = await openAppeal(call);
    const file = await makeCardBack({ strip: '4242 123', coverCode: true });
    const r = await upload(call, a, { slot: 'CARD_BACK', file });
    expect(r.status).toBe(201);
    expect(await documents(a.appealId)).toBe(1);
  });
});

describe('PDF statements', () => {
  it('a statement PDF whose text layer holds a full number is refused (text layer)', async () => {
    const a = await openAppeal(call);
    const file = await readFile(path.join(REAL_CARDS, 'st_example.pdf'));
    const r = await upload(call, a, {
      slot: 'BILLING_STATEMENT',
      file,
      filename: 'st.pdf',
      contentType: 'application/pdf',
    });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('DOCUMENT.CARD_NUMBER_VISIBLE');
    expect(await documents(a.appealId)).toBe(0);
  });

  it('a blank statement PDF passes the scan and is stored', async () => {
    const a = await openAppeal(call);
    const file = await readFile(path.join(REAL_CARDS, 'st_blank4.pdf'));
    const r = await upload(call, a, {
      slot: 'BILLING_STATEMENT',
      file,
      filename: 'st.pdf',
      contentType: 'application/pdf',
    });
    expect(r.status).toBe(201);
  });
});

describe('fail closed', () => {
  /** a pool whose engine dies on every read, as a crashed or saturated reader looks to the intake */
  const broken: OcrEngineFactory = Object.assign(
    async (onCrash: (why: string) => void) => ({
      async recognize(): Promise<never> {
        throw new Error('unused');
      },
      analyse() {
        setImmediate(() => onCrash('exit'));
        return new Promise<never>(() => {});
      },
      async terminate() {},
    }),
    { lineReader: true },
  );

  it.each(['CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'] as const)(
    '%s: the reader crashes -> SERVICE.BUSY with retryAfterSeconds, nothing stored',
    async (slot) => {
      const a = await openAppeal(call);
      const file = path.join(os.tmpdir(), `guard-${slot}-${process.pid}.jpg`);
      await writeFile(file, await makeCardImage({ number: '**** **** **** 4242', details: true }));
      const pool = createOcrPool({ workers: 1, maxQueue: 0, engineFactory: broken });
      const err = await uploadDocument(
        {
          ...env.deps,
          storage: documentStorage(env.config),
          // the broken line reader, and no second reader (as this test always ran)
          pools: { ...env.deps.pools, ocr: () => pool, secondOcr: () => null },
        },
        {
          appealId: a.appealId,
          fields: { slot, ...(slot === 'CARD_FRONT' ? { cardLast4: '4242' } : {}) } as never,
          filePath: file,
        },
      ).catch((e: unknown) => e);
      await pool.close();
      expect(isAppError(err) && err.code).toBe('SERVICE.BUSY');
      expect((err as AppError).details).toMatchObject({
        retryAfterSeconds: expect.any(Number),
        reason: 'worker_crashed',
      });
      expect(await documents(a.appealId)).toBe(0);
    },
  );

  it('the error handler answers SERVICE.BUSY with 503 and Retry-After', async () => {
    const app = express();
    app.get('/x', () => {
      throw new AppError('SERVICE.BUSY', 'busy', { retryAfterSeconds: 10, reason: 'queue_full' });
    });
    app.use(errorHandler);
    const s = await listen(app);
    const res = await fetch(`${s.url}/x`);
    await s.close();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('10');
    expect((await res.json()).error.code).toBe('SERVICE.BUSY');
  });

  it('the process pool is the line reader and is warm after start', async () => {
    const pool = ocrPoolOf(env.deps);
    expect(pool).not.toBeNull();
    const r = await pool!.read(await makeCardImage({ number: '**** **** **** 4242' }), { cardFront: true });
    expect(r.last4).toBe('4242');
  });
});
