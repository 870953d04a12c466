// The whole flow with STORAGE_URL=s3://... and AWS_ENDPOINT_URL_S3 at a real S3 protocol server on
// loopback (s3rver): registration, uploads (three photos and a PDF), a document the buyer removes,
// submission, routing, the reviewer's watermarked view, the decision. Then: the bucket holds only
// ciphertext (no JPEG/PNG/PDF signature, no window of any uploaded file), nothing was written to the
// local documents folder, the removed document left the bucket, and with the storage down an upload
// answers 503 with the error shape and leaves neither a row nor an object behind.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { sweepOrphanBlobs } from '../../src/modules/documents/documents.orphans.ts';
import { documentStorage } from '../../src/platform/document-storage.ts';
import { newBlobKey } from '../../src/platform/storage.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage, statementPdf } from '../support/images.ts';
import { type Call, openAppeal, upload } from '../support/intake.ts';
import { makeStaff, processRouting, type TestStaff } from '../support/review.ts';
import { startTestS3, type TestS3 } from '../support/s3.ts';

let s3: TestS3;
let env: TestEnv;
let server: TestServer;
let call: Call;
let reviewer: TestStaff;

const SIGNATURES: [string, Buffer][] = [
  ['PNG', Buffer.from('89504e470d0a1a0a', 'hex')],
  ['PDF', Buffer.from('%PDF-')],
  ['JFIF', Buffer.from('JFIF\u0000')],
  ['Exif', Buffer.from('Exif\u0000\u0000')],
];

/** Object bodies in the bucket (s3rver keeps one `<key>._S3rver_object` file per object). */
const objects = () => s3.objectBodies().filter((o) => o.name.endsWith('._S3rver_object'));
const objectKeys = () =>
  objects()
    .map((o) => path.basename(o.name, '._S3rver_object'))
    .sort();

beforeAll(async () => {
  s3 = await startTestS3('flow-bucket');
  env = await createTestEnv(s3.env('documents'));
  server = await listen(createApp(env.deps));
  call = client(server.url);
  reviewer = await makeStaff(env.deps, ['REVIEWER'], { maxOpenCases: 10 });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await env?.close();
  await s3?.stop();
});

describe('STORAGE_URL=s3://flow-bucket/documents', () => {
  it('registration to decision works with every document in the bucket, encrypted', {
    timeout: 120_000,
  }, async () => {
    expect(env.config.STORAGE_URL).toBe('s3://flow-bucket/documents');
    const a = await openAppeal(call);
    const idType = await call('PUT', `/api/v1/appeals/${a.appealId}/id-type`, {
      token: a.token,
      body: { idType: 'PASSPORT' },
    });
    expect(idType.status, idType.text).toBe(200);

    const uploaded: Buffer[] = [];
    const docIds: Record<string, string> = {};
    for (const slot of ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK'] as const) {
      const file = await goodImage(slot);
      uploaded.push(file);
      const r = await upload(call, a, {
        slot,
        file,
        ...(slot === 'CARD_FRONT' ? { fields: { cardLast4: '4242' } } : {}),
      });
      expect(r.status, r.text).toBe(201);
      docIds[slot] = r.body.id;
    }
    const pdf = statementPdf(2);
    uploaded.push(pdf);
    const st = await upload(call, a, {
      slot: 'BILLING_STATEMENT',
      file: pdf,
      filename: 'statement.pdf',
      contentType: 'application/pdf',
    });
    expect(st.status, st.text).toBe(201);

    // the buyer removes the card back and uploads another: the removed one's object leaves the bucket
    const rows = () => env.deps.prisma.document.findMany({ where: { appealId: a.appealId } });
    const removed = (await rows()).find((d) => d.id === docIds.CARD_BACK)!;
    expect(objectKeys()).toContain(removed.blobKey);
    const del = await call('DELETE', `/api/v1/appeals/${a.appealId}/documents/${removed.id}`, {
      token: a.token,
    });
    expect(del.status, del.text).toBe(204);
    expect(objectKeys()).not.toContain(removed.blobKey);
    const again = await upload(call, a, { slot: 'CARD_BACK', file: await goodImage('CARD_BACK') });
    expect(again.status, again.text).toBe(201);

    // every ACTIVE document's object is in the bucket, and nothing else is
    const active = (await rows()).filter((d) => d.status === 'ACTIVE');
    expect(active).toHaveLength(4);
    expect(objectKeys()).toEqual(active.map((d) => d.blobKey!).sort());

    const sub = await call('POST', `/api/v1/appeals/${a.appealId}/submit`, { token: a.token });
    expect(sub.status, sub.text).toBe(200);
    expect(await processRouting(env.deps)).toBeGreaterThan(0);
    const routed = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } });
    expect([routed.status, routed.assigneeId]).toEqual(['IN_REVIEW', reviewer.id]);

    // the reviewer's view decrypts the object from the bucket and watermarks it
    const res = await fetch(`${server.url}/api/v1/cases/${a.appealId}/documents/${docIds.ID_FRONT}/image`, {
      headers: { authorization: `Bearer ${reviewer.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/jpeg/);
    const view = Buffer.from(await res.arrayBuffer());
    expect(view.subarray(0, 3).toString('hex')).toBe('ffd8ff');

    const dec = await call('POST', `/api/v1/cases/${a.appealId}/decision`, {
      token: reviewer.token,
      body: { decision: 'APPROVE', buyerMessage: 'Thank you', internalNote: 'documents fine' },
    });
    expect(dec.status, dec.text).toBe(200);
    expect(dec.body.status).toBe('APPROVED');

    // the bucket: only ciphertext
    const bodies = objects();
    expect(bodies).toHaveLength(4);
    for (const o of bodies) {
      expect(o.bytes.subarray(0, 3).toString('hex'), o.name).not.toBe('ffd8ff');
      for (const [what, sig] of SIGNATURES) expect(o.bytes.includes(sig), `${what} in ${o.name}`).toBe(false);
      for (const plain of uploaded) {
        for (const at of [0, 512, Math.floor(plain.length / 2), plain.length - 64]) {
          expect(o.bytes.includes(plain.subarray(at, at + 32)), `window of an upload in ${o.name}`).toBe(
            false,
          );
        }
      }
    }
    // the signature scan can fail: the uploads themselves carry them
    expect(uploaded[0]!.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    expect(pdf.includes(SIGNATURES[1]![1])).toBe(true);

    // and nothing went to the local documents folder
    expect(existsSync(path.join(env.dataDir, 'documents'))).toBe(false);
    expect(readdirSync(env.dataDir)).not.toContain('documents');
  });

  it('storage down: an upload answers 503 with the error shape; no row, no history, no object', {
    timeout: 120_000,
  }, async () => {
    const a = await openAppeal(call);
    const before = {
      docs: await env.deps.prisma.document.count(),
      history: await env.deps.prisma.caseHistory.count({ where: { appealId: a.appealId } }),
      objects: objectKeys(),
    };
    const file = await goodImage('ID_FRONT');
    await s3.kill();
    try {
      const r = await upload(call, a, { slot: 'ID_FRONT', file });
      expect(r.status, r.text).toBe(503);
      expect(r.body).toEqual({
        error: {
          code: 'DEPENDENCY.UNAVAILABLE',
          message: expect.any(String),
          details: { dependency: 'storage', operation: 'put' },
        },
      });
      expect(r.text).not.toContain('flow-bucket');
    } finally {
      await s3.start();
    }
    expect(await env.deps.prisma.document.count()).toBe(before.docs);
    expect(await env.deps.prisma.caseHistory.count({ where: { appealId: a.appealId } })).toBe(before.history);
    expect(objectKeys()).toEqual(before.objects);
    // back up: the same upload goes through
    const ok = await upload(call, a, { slot: 'ID_FRONT', file });
    expect(ok.status, ok.text).toBe(201);
    expect(objectKeys()).toHaveLength(before.objects.length + 1);
  });

  it('the orphan sweep lists and heads the bucket: removes a blob no row claims, once old enough', async () => {
    const blobs = documentStorage(env.config).blobs;
    const orphan = newBlobKey();
    await blobs.put(orphan, Buffer.from('written, then its upload transaction failed'));
    const claimed = (await env.deps.prisma.document.findMany({ where: { blobKey: { not: null } } })).map(
      (d) => d.blobKey!,
    );
    expect(claimed.length).toBeGreaterThan(0);
    // young: spared (an upload may still be committing its row)
    expect((await sweepOrphanBlobs(env.deps)).deleted).toBe(0);
    expect(objectKeys()).toContain(orphan);
    // an hour later: the orphan goes, every claimed blob stays
    const later = new Date(Date.now() + 3_600_000);
    const swept = await sweepOrphanBlobs(env.deps, { now: later });
    expect(swept).toEqual({ scanned: claimed.length + 1, deleted: 1 });
    expect(objectKeys()).toEqual([...claimed].sort());
  });
});
