// Intake off the event loop, with admission control (issue 18): a full intake queue answers 503
// SERVICE.BUSY with Retry-After at once and writes nothing; the pool gives the verdict the checker gives
// in-process; the event loop answers /healthz while uploads hold every intake thread.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { DEFAULT_THRESHOLDS, inspectUpload, type Slot } from '../../src/modules/documents/checks.sharp.ts';
import {
  checkOnPool,
  createIntakePool,
  type IntakePool,
} from '../../src/modules/documents/documents.intake-pool.ts';
import { documentStorage, readDecrypted } from '../../src/platform/document-storage.ts';
import { decryptDocument } from '../../src/platform/crypto.ts';
import { taskPoolMetricLines } from '../../src/platform/task-pool.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import {
  blurredImage,
  gifImage,
  goodImage,
  PHOTO,
  pngImage,
  statementPdf,
  tiffImage,
} from '../support/images.ts';
import { type Call, eventually, heldIntakePool, openAppeal, upload } from '../support/intake.ts';

let env: TestEnv;
const storage = () => documentStorage(env.config);

async function blobCount(): Promise<number> {
  let n = 0;
  for await (const _ of storage().blobs.list!()) n += 1;
  return n;
}

async function rowsOf(appealId: string) {
  const [documents, attempts] = await Promise.all([
    env.deps.prisma.document.count({ where: { appealId } }),
    env.deps.prisma.uploadAttempt.count({ where: { appealId } }),
  ]);
  return { documents, attempts };
}

beforeAll(async () => {
  // one thread and one waiting place: the third upload in flight finds the queue full
  env = await createTestEnv({ INTAKE_WORKERS: '1', INTAKE_MAX_QUEUE: '1', INTAKE_RETRY_AFTER_SECONDS: '7' });
});
afterAll(async () => {
  await env?.close();
});

describe('admission control', () => {
  let server: TestServer;
  let call: Call;
  let pool: IntakePool;
  let release: () => void = () => {};

  beforeAll(async () => {
    // the real task, held until the test lets it go: the slow pool the queue fills behind
    ({ pool, release } = heldIntakePool(env.config));
    server = await listen(createApp({ ...env.deps, pools: { ...env.deps.pools, intake: () => pool } }));
    call = client(server.url);
  });
  afterAll(async () => {
    release();
    await server?.close();
    await pool?.close();
  });

  it('a full queue answers 503 SERVICE.BUSY with Retry-After at once, and writes nothing', async () => {
    const a = await openAppeal(call);
    const b = await openAppeal(call);
    const blobsBefore = await blobCount();
    let settled = 0;
    const inFlight = [
      upload(call, a, { slot: 'ID_FRONT', file: await goodImage('ID_FRONT') }),
      upload(call, a, { slot: 'ID_BACK', file: await goodImage('ID_BACK') }),
    ].map((p) => p.finally(() => (settled += 1)));
    await eventually(() => pool.stats().running === 1 && pool.stats().queued === 1);
    expect(pool.stats()).toMatchObject({ running: 1, queued: 1 });

    const refused = await upload(call, b, { slot: 'ID_FRONT', file: await goodImage('ID_FRONT') });
    // answered while the two admitted uploads are still held in the pool: no waiting behind them
    expect(settled).toBe(0);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(refused.body.error).toMatchObject({
      code: 'SERVICE.BUSY',
      details: { retryAfterSeconds: 7, reason: 'intake-queue-full' },
    });
    expect(await rowsOf(b.appealId)).toEqual({ documents: 0, attempts: 0 });
    expect(await blobCount()).toBe(blobsBefore);
    expect(pool.stats().refused).toBeGreaterThanOrEqual(1);
    // the metrics carry the queue and the refusals
    const metrics = taskPoolMetricLines();
    expect(metrics).toContain('task_pool_queue_length{pool="intake"} 1');
    expect(metrics).toContain(`task_pool_refused_total{pool="intake"} ${pool.stats().refused}`);

    release();
    const done = await Promise.all(inFlight);
    expect(done.map((r) => r.status)).toEqual([201, 201]);
    expect(await rowsOf(a.appealId)).toEqual({ documents: 2, attempts: 2 });
    expect(await blobCount()).toBe(blobsBefore + 2);
    expect(pool.stats().waitCount).toBe(2);

    // room again: the refused upload goes through when retried
    const retried = await upload(call, b, { slot: 'ID_FRONT', file: await goodImage('ID_FRONT') });
    expect(retried.status).toBe(201);
  });

  it('a client gone before its turn gives its place back (it would be held for good)', async () => {
    const a = await openAppeal(call);
    const port = Number(new URL(server.url).port);
    // ten clients send the head and a little of the body, then leave while the buyer check still reads
    // the database: their response is closed before the admission step runs
    const gone = Array.from(
      { length: 10 },
      () =>
        new Promise<void>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => {
            s.write(
              `POST /api/v1/appeals/${a.appealId}/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
                `Authorization: Bearer ${a.token}\r\nContent-Type: multipart/form-data; boundary=x\r\n` +
                'Content-Length: 100000\r\n\r\n--x\r\n',
              () => s.destroy(),
            );
          });
          s.on('error', () => {});
          s.on('close', () => resolve());
        }),
    );
    await Promise.all(gone);
    await eventually(() => pool.stats().admitted === 0);
    expect(pool.stats().admitted).toBe(0);
    // and the two places are there for real uploads
    const ok = await Promise.all([
      upload(call, a, { slot: 'ID_FRONT', file: await goodImage('ID_FRONT') }),
      upload(call, a, { slot: 'ID_BACK', file: await goodImage('ID_BACK') }),
    ]);
    expect(ok.map((r) => r.status)).toEqual([201, 201]);
  });

  it('the place is given back once the checks are done, while the database writes still run', async () => {
    release();
    const a = await openAppeal(call);
    // the upload's store transaction locks the appeal row: hold that lock so its writes wait
    let unlock: () => void = () => {};
    const unlocked = new Promise<void>((r) => {
      unlock = r;
    });
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const holder = env.deps.prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM appeals WHERE id = ${a.appealId}::uuid FOR UPDATE`;
        locked();
        await unlocked;
      },
      { timeout: 30_000 },
    );
    await isLocked;
    const completed = pool.stats().completed;
    let answered = false;
    const pending = upload(call, a, { slot: 'ID_FRONT', file: await goodImage('ID_FRONT') }).finally(() => {
      answered = true;
    });
    // checked (the task ran) and its place free again, though the upload is not answered yet
    await eventually(() => pool.stats().completed === completed + 1 && pool.stats().admitted === 0);
    expect(answered).toBe(false);
    expect(pool.stats()).toMatchObject({ admitted: 0, running: 0, queued: 0 });
    unlock();
    await holder;
    expect((await pending).status).toBe(201);
    expect(await rowsOf(a.appealId)).toEqual({ documents: 1, attempts: 1 });
  });

  it('the pool refuses on its own when the queue filled while the body was read', async () => {
    const p = createIntakePool(env.config, { execute: () => new Promise(() => {}) });
    const task = { path: '/nonexistent', slot: 'ID_FRONT' as Slot, thresholds: DEFAULT_THRESHOLDS };
    const args = { ...task, ocrInput: false, activeKey: { id: 'k', key: new Uint8Array(32) } };
    const ignore = () => {};
    p.run(args).catch(ignore);
    p.run(args).catch(ignore);
    await expect(p.run(args)).rejects.toMatchObject({
      code: 'SERVICE.BUSY',
      details: { retryAfterSeconds: 7, reason: 'intake-queue-full' },
    });
    // work no client waits on (the e-mail channel) queues instead
    p.run(args, { admit: false }).catch(ignore);
    expect(p.stats().queued).toBe(2);
    await p.close();
  });
});

describe('the pool gives the in-process verdict', () => {
  let pool: IntakePool;
  let dir: string;
  beforeAll(() => {
    // the real worker file (piscina threads), two of them
    pool = createIntakePool({ ...env.config, INTAKE_WORKERS: 2, INTAKE_MAX_QUEUE: 8 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'intake-pool-'));
  });
  afterAll(async () => {
    await pool?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('same checks, hash, sizes, OCR input and (decrypted) stored copy for every kind of file', async () => {
    const truncated = (await goodImage('ID_FRONT')).subarray(0, 20_000);
    const files: [string, Slot, Buffer][] = [
      ['good.jpg', 'ID_FRONT', await goodImage('ID_FRONT')],
      ['photo.jpg', 'ID_BACK', await import('node:fs').then((fs) => fs.readFileSync(PHOTO))],
      ['blurred.jpg', 'ID_FRONT', await blurredImage('ID_FRONT')],
      ['image.png', 'ID_BACK', await pngImage()],
      ['anim.gif', 'ID_FRONT', await gifImage()],
      ['scan.tiff', 'ID_FRONT', await tiffImage()],
      ['truncated.jpg', 'ID_FRONT', truncated],
      ['statement.pdf', 'BILLING_STATEMENT', await statementPdf()],
      ['empty.jpg', 'ID_FRONT', Buffer.alloc(0)],
    ];
    const deps = { pools: { intake: () => pool }, storage: storage() };
    const ring = storage().keyring;
    for (const [name, slot, bytes] of files) {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      const local = await inspectUpload({ path: file }, slot, DEFAULT_THRESHOLDS, { ocrInput: true });
      const pooled = await checkOnPool(
        deps,
        { path: file, slot, thresholds: DEFAULT_THRESHOLDS, ocrInput: true },
        { admit: true },
      );
      const { inspection } = pooled;
      expect({ name, checks: inspection.checks }).toEqual({ name, checks: local.checks });
      const facts = (i: typeof local) => ({
        name,
        kind: i.kind,
        format: i.format,
        passed: i.passed,
        width: i.width,
        height: i.height,
        pageCount: i.pageCount,
        perceptualHash: i.perceptualHash,
      });
      expect(facts(inspection)).toEqual(facts(local));
      expect(Buffer.isBuffer(inspection.ocrInput ?? Buffer.alloc(0))).toBe(true);
      expect(inspection.ocrInput?.equals(local.ocrInput!) ?? local.ocrInput).toBe(
        local.ocrInput ? true : undefined,
      );
      if (!local.sanitised) {
        expect(pooled.sealed).toBeUndefined();
        continue;
      }
      const sealed = pooled.sealed!;
      expect(sealed.byteSize).toBe(local.sanitised.bytes.length);
      expect(sealed.mimeType).toBe(local.sanitised.mimeType);
      const plain = decryptDocument(sealed.blob, sealed.wrappedKey, sealed.keyId, ring);
      expect(plain.equals(local.sanitised.bytes)).toBe(true);
    }
    expect(pool.stats().completed).toBeGreaterThan(0);
    // the intake threads turn libvips' operation cache off (one per process: seen from here too), so
    // it does not keep the last uploads' pixels alive
    const { default: sharp } = await import('sharp');
    expect(sharp.cache()).toMatchObject({ memory: { max: 0 }, items: { max: 0 } });
  });
});

describe('the event loop stays free while uploads hold every intake thread', () => {
  let server: TestServer;
  let call: Call;
  let pool: IntakePool;
  beforeAll(async () => {
    pool = createIntakePool(
      { ...env.config, INTAKE_WORKERS: 2, INTAKE_MAX_QUEUE: 8 },
      { filename: new URL('../support/intake-slow-worker.mjs', import.meta.url) },
    );
    server = await listen(createApp({ ...env.deps, pools: { ...env.deps.pools, intake: () => pool } }));
    call = client(server.url);
  });
  afterAll(async () => {
    await server?.close();
    await pool?.close();
  });

  it('/healthz answers while both threads are busy, before any upload finished', async () => {
    const a = await openAppeal(call);
    const slots: Slot[] = ['ID_FRONT', 'ID_BACK', 'CARD_BACK', 'BILLING_STATEMENT'];
    const files = await Promise.all(slots.map((s) => goodImage(s)));
    let finished = 0;
    const uploads = slots.map((slot, i) =>
      upload(call, a, { slot, file: files[i]! }).finally(() => (finished += 1)),
    );
    await eventually(() => pool.stats().running === 2);
    const answers: { status: number; finishedBefore: number }[] = [];
    for (let i = 0; i < 5; i += 1) {
      const r = await call('GET', '/healthz');
      answers.push({ status: r.status, finishedBefore: finished });
    }
    expect(answers.every((x) => x.status === 200)).toBe(true);
    // each slow task holds its thread's CPU for 400 ms: on the event loop, no health check could have
    // been answered before the first upload was done
    expect(answers[0]!.finishedBefore).toBe(0);
    const done = await Promise.all(uploads);
    expect(done.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const stored = await env.deps.prisma.document.findFirstOrThrow({
      where: { appealId: a.appealId, slot: 'ID_FRONT' },
    });
    const bytes = await readDecrypted(storage(), {
      blobKey: stored.blobKey!,
      wrappedKey: stored.wrappedKey!,
      keyId: stored.keyId!,
    });
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
  });
});
