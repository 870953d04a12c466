// Document intake end to end over HTTP: the appeal link, the ID type, uploads through the checker into
// encrypted storage, replacement under concurrency, removal and submission. OCR is off here (see
// intake-ocr.test.ts for the card-number guard).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { documentStorage, readDecrypted } from '../../src/platform/document-storage.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import {
  appendZip,
  blurredImage,
  gifImage,
  goodImage,
  imageWithGps,
  PHOTO,
  pngImage,
  REAL_WORLD,
  randomBytesBuffer,
  statementPdf,
  reencoded,
  svgWithScript,
  tiffImage,
  ZIP_MARKER,
} from '../support/images.ts';
import {
  type Call,
  eventually,
  type OpenedAppeal,
  openAppeal,
  tmpEntries,
  upload,
  uploadForm,
  uploadRoot,
} from '../support/intake.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;
let tmp: string;
let savedTmpdir: string | undefined;
const good: Record<string, Buffer> = {};

beforeAll(async () => {
  // a private temp root, so "no temporary file left" is about this file's requests only
  savedTmpdir = process.env.TMPDIR;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'intake-tmp-'));
  process.env.TMPDIR = tmp;
  // room in the intake queue for the 10 concurrent uploads below (admission has its own test:
  // intake-admission.test.ts)
  env = await createTestEnv({ INTAKE_MAX_QUEUE: '16' });
  server = await listen(createApp(env.deps));
  call = client(server.url);
  for (const v of [
    'ID_FRONT',
    'ID_BACK',
    'CARD_FRONT',
    'CARD_BACK',
    'BILLING_STATEMENT',
    'OTHER',
    'SPARE',
    'SPARE2',
  ] as const) {
    good[v] = await goodImage(v);
  }
});
afterAll(async () => {
  await server?.close();
  await env?.close();
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(tmp, { recursive: true, force: true });
});

const storage = () => documentStorage(env.config);

async function blobCount(): Promise<number> {
  let n = 0;
  for await (const _ of storage().blobs.list!()) n += 1;
  return n;
}

async function storedBytes(docId: string): Promise<Buffer> {
  const row = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: docId } });
  return readDecrypted(storage(), { blobKey: row.blobKey!, wrappedKey: row.wrappedKey!, keyId: row.keyId! });
}

function failedRules(body: {
  error: { details: { checks: { rule: string; passed: boolean }[] } };
}): string[] {
  return body.error.details.checks.filter((c) => !c.passed).map((c) => c.rule);
}

function check(body: any, rule: string) {
  const list = body.checks ?? body.error.details.checks;
  return list.find((c: { rule: string }) => c.rule === rule);
}

describe('the appeal link and the buyer session', () => {
  it('GET /a/:token sets an httpOnly SameSite=Strict cookie and redirects to /appeal', async () => {
    const a = await openAppeal(call);
    const r = await call('GET', `/a/${a.token}`);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/appeal');
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`ad_buyer=${a.token}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i); // plain http in tests
    const headers = { cookie: `ad_buyer=${a.token}` };
    const view = await call('GET', `/api/v1/appeals/${a.appealId}`, { headers });
    expect(view.status).toBe(200);
    expect(view.body.status).toBe('AWAITING_DOCUMENTS');

    const s = await call('GET', `/api/v1/appeals/${a.appealId}/session`, { headers });
    expect(s.status).toBe(200);
    expect(s.body.appealId).toBe(a.appealId);
    expect(s.body.csrfToken).toMatch(/^[0-9a-f]{32}$/);
    const s2 = await call('GET', '/api/v1/buyer/session', { headers });
    expect(s2.body).toEqual(s.body);

    // a cookie-authenticated change needs the CSRF token
    const noCsrf = await call('PUT', `/api/v1/appeals/${a.appealId}/id-type`, {
      headers,
      body: { idType: 'ID_CARD' },
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('AUTH.CSRF');
    const ok = await call('PUT', `/api/v1/appeals/${a.appealId}/id-type`, {
      headers: { ...headers, 'x-csrf-token': s.body.csrfToken },
      body: { idType: 'ID_CARD' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.idType).toBe('ID_CARD');
  });

  it('an unknown link answers 401 AUTH.INVALID, an expired one 401 AUTH.TOKEN_EXPIRED (HTML and API)', async () => {
    const bad = await call('GET', '/a/apl_notavalidtokenatallxxxxxxxxxxxxxxxxxxxx');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('x-error-code')).toBe('AUTH.INVALID');
    expect(bad.headers.get('set-cookie')).toBeNull();

    const a = await openAppeal(call);
    const before = env.clock.now();
    env.clock.advance(31 * 86_400_000);
    try {
      const r = await call('GET', `/a/${a.token}`);
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/text\/html/);
      expect(r.headers.get('x-error-code')).toBe('AUTH.TOKEN_EXPIRED');
      expect(r.text).toContain('This link has expired');
      expect(r.headers.get('set-cookie')).toBeNull();
      const api = await call('GET', `/api/v1/appeals/${a.appealId}`, { token: a.token });
      expect(api.status).toBe(401);
      expect(api.body.error.code).toBe('AUTH.TOKEN_EXPIRED');
    } finally {
      env.clock.set(before);
    }
  });
});

describe('PUT /api/v1/appeals/:id/id-type', () => {
  it('PASSPORT makes ID_BACK optional; bad values 400', async () => {
    const a = await openAppeal(call);
    const before = await call('GET', `/api/v1/appeals/${a.appealId}`, { token: a.token });
    expect(before.body.slots.find((s: any) => s.slot === 'ID_BACK').required).toBe(true);
    const r = await call('PUT', `/api/v1/appeals/${a.appealId}/id-type`, {
      token: a.token,
      body: { idType: 'PASSPORT' },
    });
    expect(r.status).toBe(200);
    expect(r.body.idType).toBe('PASSPORT');
    expect(r.body.slots.filter((s: any) => s.required).map((s: any) => s.slot)).toEqual([
      'ID_FRONT',
      'CARD_FRONT',
      'CARD_BACK',
      'BILLING_STATEMENT',
    ]);
    const bad = await call('PUT', `/api/v1/appeals/${a.appealId}/id-type`, {
      token: a.token,
      body: { idType: 'VISA' },
    });
    expect(bad.status).toBe(400);
    const history = await env.deps.prisma.caseHistory.count({
      where: { appealId: a.appealId, action: 'ID_TYPE_SET' },
    });
    expect(history).toBe(1);
  });
});

describe('POST /api/v1/appeals/:id/documents: the real-world fixtures', () => {
  // outcomes from ../shared/fixtures/real-world/README.md, uploaded as ID_FRONT
  const table: { file: string; status: number; code?: string; failed?: string[]; measured?: unknown }[] = [
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({
      file: `Landscape_${n}.jpg`,
      status: 422,
      code: 'DOCUMENT.CHECKS_FAILED',
      failed: ['resolution'],
      measured: { width: 600, height: 450 }, // auto-oriented
    })),
    {
      file: 'Portrait_6.jpg',
      status: 422,
      code: 'DOCUMENT.CHECKS_FAILED',
      failed: ['resolution'],
      measured: { width: 450, height: 600 },
    },
    { file: '2569067123_aca715a2ee_o.jpg', status: 201 },
    { file: 'truncated.jpg', status: 422, code: 'DOCUMENT.CHECKS_FAILED', failed: ['integrity'] },
    { file: 'corrupt-header.jpg', status: 422, code: 'DOCUMENT.CHECKS_FAILED', failed: ['integrity'] },
    {
      file: 'giant-image.jpg',
      status: 422,
      code: 'DOCUMENT.CHECKS_FAILED',
      failed: ['pixels'],
      measured: { width: 20000, height: 14000, megapixels: 280 },
    },
    {
      file: 'Channel_digital_image_CMYK_color.jpg',
      status: 422,
      code: 'DOCUMENT.CHECKS_FAILED',
      failed: ['resolution'],
      measured: { width: 500, height: 333 },
    },
    {
      file: 'gamma_dalai_lama_gray.jpg',
      status: 422,
      code: 'DOCUMENT.CHECKS_FAILED',
      failed: ['resolution', 'sharpness', 'exposure', 'colour'],
    },
    {
      file: 'low-contrast.jpg',
      status: 422,
      code: 'DOCUMENT.CHECKS_FAILED',
      failed: ['resolution', 'sharpness', 'exposure'],
    },
  ];

  let a: OpenedAppeal;
  beforeAll(async () => {
    a = await openAppeal(call);
  });

  for (const row of table) {
    it(`${row.file} -> ${row.status}${row.failed ? ` (${row.failed.join(', ')})` : ''}`, async () => {
      const r = await upload(call, a, {
        slot: 'ID_FRONT',
        file: readFileSync(path.join(REAL_WORLD, row.file)),
        filename: row.file,
      });
      expect(r.status).toBe(row.status);
      if (row.status === 201) {
        expect(r.body.slot).toBe('ID_FRONT');
        expect([r.body.width, r.body.height]).toEqual([2725, 2225]);
        expect(r.body.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
        return;
      }
      expect(r.body.error.code).toBe(row.code);
      expect(failedRules(r.body)).toEqual(row.failed);
      if (row.measured) expect(check(r.body, row.failed![0]!).measured).toEqual(row.measured);
    });
  }

  it('the CMYK photo decodes and the integrity check passes (only its size fails)', async () => {
    const r = await upload(call, a, {
      slot: 'ID_FRONT',
      file: readFileSync(path.join(REAL_WORLD, 'Channel_digital_image_CMYK_color.jpg')),
    });
    expect(check(r.body, 'integrity').passed).toBe(true);
  });

  it('nothing of a rejected upload is stored, and every attempt is recorded', async () => {
    const docs = await env.deps.prisma.document.findMany({ where: { appealId: a.appealId } });
    expect(docs.map((d) => [d.slot, d.status, d.width])).toEqual([['ID_FRONT', 'ACTIVE', 2725]]);
    const attempts = await env.deps.prisma.uploadAttempt.findMany({ where: { appealId: a.appealId } });
    expect(attempts.filter((t) => t.accepted)).toHaveLength(1);
    expect(attempts.filter((t) => !t.accepted).length).toBeGreaterThanOrEqual(table.length - 1);
    expect(tmpEntries(uploadRoot(tmp))).toEqual([]);
  });
});

describe('POST /api/v1/appeals/:id/documents: hostile and malformed uploads', () => {
  let a: OpenedAppeal;
  beforeAll(async () => {
    a = await openAppeal(call);
  });

  it('random bytes named .jpg: 415 (format from the bytes)', async () => {
    const r = await upload(call, a, { slot: 'ID_FRONT', file: randomBytesBuffer(), filename: 'photo.jpg' });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('UPLOAD.UNSUPPORTED_TYPE');
    expect(check(r.body, 'format').measured).toEqual({ detected: 'unknown' });
  });

  it('a PNG named .pdf is read as the PNG it is, and stored as a sanitised JPEG', async () => {
    const b = await openAppeal(call);
    const r = await upload(call, b, {
      slot: 'ID_FRONT',
      file: await pngImage('OTHER'),
      filename: 'statement.pdf',
      contentType: 'application/pdf',
    });
    expect(r.status).toBe(201);
    expect(check(r.body, 'format').measured).toEqual({ detected: 'png', decoder: 'png' });
    expect(r.body.mimeType).toBe('image/jpeg');
    const bytes = await storedBytes(r.body.id);
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('a JPEG with a ZIP appended is stored without the ZIP', async () => {
    const b = await openAppeal(call);
    const polyglot = appendZip(good.ID_FRONT!);
    expect(polyglot.includes(Buffer.from(ZIP_MARKER))).toBe(true);
    const r = await upload(call, b, { slot: 'ID_FRONT', file: polyglot });
    expect(r.status).toBe(201);
    const bytes = await storedBytes(r.body.id);
    expect(bytes.includes(Buffer.from(ZIP_MARKER))).toBe(false);
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x03, 0x04]))).toBe(false);
    expect([...bytes.subarray(-2)]).toEqual([0xff, 0xd9]); // ends with the JPEG end marker
    // and the blob on disk is ciphertext: not even the JPEG marker is visible
    const row = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: r.body.id } });
    const raw = await storage().blobs.get(row.blobKey!);
    expect(raw.includes(bytes.subarray(0, 64))).toBe(false);
  });

  it('stored bytes carry no EXIF, GPS or camera data', async () => {
    const b = await openAppeal(call);
    const withGps = await imageWithGps('ID_FRONT');
    const meta = await sharp(withGps).metadata();
    expect(meta.exif).toBeDefined();
    expect(withGps.includes(Buffer.from('LeakyCam'))).toBe(true);
    const r = await upload(call, b, { slot: 'ID_FRONT', file: withGps });
    expect(r.status).toBe(201);
    const bytes = await storedBytes(r.body.id);
    const stored = await sharp(bytes).metadata();
    expect(stored.exif).toBeUndefined();
    expect(stored.xmp).toBeUndefined();
    expect(stored.icc).toBeUndefined();
    expect(stored.orientation).toBeUndefined();
    for (const s of ['LeakyCam', 'GPS-Model-9000', 'SECRET-DESCRIPTION', 'Exif']) {
      expect(bytes.includes(Buffer.from(s))).toBe(false);
    }
  });

  it.each([
    ['SVG with a script', () => Promise.resolve(svgWithScript()), 'svg', 'drawing.jpg'],
    ['GIF', gifImage, 'gif', 'anim.gif'],
    ['TIFF', tiffImage, 'tiff', 'scan.tiff'],
  ])('%s: 415', async (_label, make, detected, filename) => {
    const r = await upload(call, a, {
      slot: 'ID_FRONT',
      file: await make(),
      filename,
      contentType: 'image/jpeg',
    });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('UPLOAD.UNSUPPORTED_TYPE');
    expect(check(r.body, 'format').measured).toEqual({ detected });
  });

  it('an empty file: 422 with the size rule measuring 0 bytes', async () => {
    const r = await upload(call, a, { slot: 'ID_FRONT', file: Buffer.alloc(0) });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('DOCUMENT.CHECKS_FAILED');
    expect(check(r.body, 'size')).toMatchObject({ passed: false, measured: { bytes: 0 } });
  });

  it('a file one byte over MAX_UPLOAD_BYTES: 413, nothing left in the temp folder', async () => {
    const big = Buffer.alloc(env.config.MAX_UPLOAD_BYTES + 1, 0x41);
    big.set([0xff, 0xd8, 0xff], 0);
    const r = await upload(call, a, { slot: 'ID_FRONT', file: big });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('UPLOAD.TOO_LARGE');
    await eventually(() => tmpEntries(uploadRoot(tmp)).length === 0);
    expect(tmpEntries(uploadRoot(tmp))).toEqual([]);
  });

  it('two files in one request: 400', async () => {
    const r = await upload(call, a, { slot: 'ID_FRONT', file: good.ID_FRONT!, extraFiles: [good.ID_BACK!] });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('UPLOAD.INVALID');
  });

  it('multipart without a file: 400', async () => {
    const r = await upload(call, a, { slot: 'ID_FRONT' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('UPLOAD.INVALID');
  });

  it('not multipart at all: 400', async () => {
    const r = await call('POST', `/api/v1/appeals/${a.appealId}/documents`, {
      token: a.token,
      body: { slot: 'ID_FRONT' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('UPLOAD.INVALID');
  });

  it('an unknown slot or an unknown field: 400', async () => {
    const r = await upload(call, a, { slot: 'PASSPORT_PAGE', file: good.ID_FRONT! });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('REQUEST.INVALID');
    const f = await upload(call, a, { slot: 'ID_FRONT', file: good.ID_FRONT!, fields: { owner: 'x' } });
    expect(f.status).toBe(400);
  });

  it("an upload to someone else's appeal: 404, and nothing is stored there", async () => {
    const other = await openAppeal(call);
    const r = await call('POST', `/api/v1/appeals/${other.appealId}/documents`, {
      token: a.token,
      rawBody: uploadForm({ slot: 'ID_FRONT', file: good.ID_FRONT! }),
    });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('APPEAL.NOT_FOUND');
    expect(await env.deps.prisma.document.count({ where: { appealId: other.appealId } })).toBe(0);
    const anon = await call('POST', `/api/v1/appeals/${other.appealId}/documents`, {
      rawBody: uploadForm({ slot: 'ID_FRONT', file: good.ID_FRONT! }),
    });
    expect(anon.status).toBe(401);
  });

  it('a client that disconnects half-way leaves no temporary file', async () => {
    const root = uploadRoot(tmp);
    const boundary = '----intake-abort-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="slot"\r\n\r\nID_FRONT\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const file = good.ID_FRONT!;
    const total = head.length + file.length + Buffer.byteLength(`\r\n--${boundary}--\r\n`);
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(
      `POST /api/v1/appeals/${a.appealId}/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: Bearer ${a.token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
        `Content-Length: ${total}\r\n\r\n`,
    );
    socket.write(head);
    socket.write(file.subarray(0, Math.floor(file.length / 2)));
    // the temporary file exists while the body streams in ...
    await eventually(() => tmpEntries(root).some((d) => tmpEntries(path.join(root, d)).length > 0));
    const during = tmpEntries(root).flatMap((d) => tmpEntries(path.join(root, d)));
    expect(during).toHaveLength(1);
    socket.destroy();
    // ... and is gone once the client has disconnected
    await eventually(() => tmpEntries(root).length === 0);
    expect(tmpEntries(root)).toEqual([]);
    const attempts = await env.deps.prisma.uploadAttempt.count({
      where: { appealId: a.appealId, slot: 'ID_FRONT', accepted: true },
    });
    expect(attempts).toBe(0);
  });
});

describe('slot rules: duplicates, last 4, override, statement pages', () => {
  it('the same picture in two slots of one appeal is rejected; another buyer reusing it is flagged', async () => {
    const a = await openAppeal(call, {
      buyer: { id: 'buyer-dup-1', email: 'd1@example.com', name: 'D One', locale: 'en-GB' },
    });
    const first = await upload(call, a, { slot: 'ID_FRONT', file: good.SPARE! });
    expect(first.status).toBe(201);
    const copy = await reencoded(good.SPARE!);
    const again = await upload(call, a, { slot: 'ID_BACK', file: copy });
    expect(again.status).toBe(422);
    expect(failedRules(again.body)).toEqual(['duplicate']);
    expect(check(again.body, 'duplicate').measured).toMatchObject({ closestSlot: 'ID_FRONT' });
    expect(check(again.body, 'duplicate').measured.distance).toBeLessThanOrEqual(10);
    // replacing the same slot with the same picture is not a duplicate
    const replace = await upload(call, a, { slot: 'ID_FRONT', file: copy });
    expect(replace.status).toBe(201);
    expect(replace.body.flags).toEqual([]);
    // distinct good images in the other slots pass: their hashes are far apart
    const back = await upload(call, a, { slot: 'ID_BACK', file: good.SPARE2! });
    expect(back.status).toBe(201);
    expect(check(back.body, 'duplicate').passed).toBe(true);
    expect(check(back.body, 'duplicate').measured.distance).toBeGreaterThan(20);

    const b = await openAppeal(call, {
      buyer: { id: 'buyer-dup-2', email: 'd2@example.com', name: 'D Two', locale: 'en-GB' },
    });
    const other = await upload(call, b, { slot: 'ID_FRONT', file: good.SPARE! });
    expect(other.status).toBe(201);
    expect(other.body.flags).toEqual(['DUPLICATE_OTHER_BUYER']);
  });

  it('CARD_FRONT: cardLast4 required, 4 digits, and equal to the order card', async () => {
    const a = await openAppeal(call);
    const missing = await upload(call, a, { slot: 'CARD_FRONT', file: good.CARD_FRONT! });
    expect(missing.status).toBe(400);
    const letters = await upload(call, a, {
      slot: 'CARD_FRONT',
      file: good.CARD_FRONT!,
      fields: { cardLast4: '42a2' },
    });
    expect(letters.status).toBe(400);
    const wrong = await upload(call, a, {
      slot: 'CARD_FRONT',
      file: good.CARD_FRONT!,
      fields: { cardLast4: '1111' },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('DOCUMENT.LAST4_MISMATCH');
    expect(check(wrong.body, 'last4')).toMatchObject({
      passed: false,
      measured: { stated: '1111' },
      threshold: { expected: '4242' },
    });
    const ok = await upload(call, a, {
      slot: 'CARD_FRONT',
      file: good.CARD_FRONT!,
      fields: { cardLast4: '4242' },
    });
    expect(ok.status).toBe(201);
    expect(check(ok.body, 'last4').passed).toBe(true);
    const row = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: ok.body.id } });
    expect(row.cardLast4Stated).toBe('4242');
    expect(row.cardLast4Read).toBeNull(); // OCR is off in this file
    const onOther = await upload(call, a, {
      slot: 'CARD_BACK',
      file: good.CARD_BACK!,
      fields: { cardLast4: '4242' },
    });
    expect(onOther.status).toBe(400);
  });

  it('override: only after two heuristic-only failures, and never for a hard rule', async () => {
    const a = await openAppeal(call);
    const blurred = await blurredImage('CARD_BACK');
    const early = await upload(call, a, { slot: 'CARD_BACK', file: blurred, fields: { override: 'true' } });
    expect(early.status).toBe(422);
    expect(failedRules(early.body)).toEqual(['sharpness']);
    expect(early.body.error.details.overrideAvailable).toBe(false);
    expect(early.body.error.details.overrideRefused).toMatch(/after 2 failed attempts/);
    const second = await upload(call, a, { slot: 'CARD_BACK', file: blurred });
    expect(second.status).toBe(422);
    expect(second.body.error.details.overrideAvailable).toBe(true);
    // a hard rule (resolution) fails: even now override is refused
    const small = readFileSync(path.join(REAL_WORLD, 'Landscape_1.jpg'));
    const hard = await upload(call, a, { slot: 'CARD_BACK', file: small, fields: { override: 'true' } });
    expect(hard.status).toBe(422);
    expect(hard.body.error.details.overrideRefused).toBe('a rule that cannot be overridden failed');
    const third = await upload(call, a, { slot: 'CARD_BACK', file: blurred, fields: { override: 'true' } });
    expect(third.status).toBe(201);
    expect(third.body.override).toBe(true);
    expect(third.body.flags).toEqual(['OVERRIDDEN']);
    expect(check(third.body, 'sharpness').passed).toBe(false);
    // other slots keep their own count
    const otherSlot = await upload(call, a, {
      slot: 'ID_FRONT',
      file: await blurredImage('ID_FRONT'),
      fields: { override: 'true' },
    });
    expect(otherSlot.status).toBe(422);
  });

  it('the billing statement takes several pages: append, replace by page, cap', async () => {
    const a = await openAppeal(call);
    const p0 = await upload(call, a, { slot: 'BILLING_STATEMENT', file: good.BILLING_STATEMENT! });
    const p1 = await upload(call, a, { slot: 'BILLING_STATEMENT', file: good.OTHER! });
    expect([p0.status, p1.status]).toEqual([201, 201]);
    expect([p0.body.page, p1.body.page]).toEqual([0, 1]);
    // the same picture as another page is a duplicate
    const dup = await upload(call, a, { slot: 'BILLING_STATEMENT', file: good.OTHER! });
    expect(dup.status).toBe(422);
    expect(failedRules(dup.body)).toEqual(['duplicate']);
    // replacing page 1 with the same picture is fine
    const r1 = await upload(call, a, { slot: 'BILLING_STATEMENT', file: good.OTHER!, fields: { page: '1' } });
    expect(r1.status).toBe(201);
    expect(r1.body.page).toBe(1);
    const view = await call('GET', `/api/v1/appeals/${a.appealId}`, { token: a.token });
    const st = view.body.slots.find((s: any) => s.slot === 'BILLING_STATEMENT');
    expect(st.documents.map((d: any) => [d.id, d.page])).toEqual([
      [p0.body.id, 0],
      [r1.body.id, 1],
    ]);
    const pageOnId = await upload(call, a, { slot: 'ID_FRONT', file: good.ID_FRONT!, fields: { page: '1' } });
    expect(pageOnId.status).toBe(400);
    // the cap: pages 2..9 taken (rows without blobs stand in for eight more uploads), the 11th page is refused
    for (let page = 2; page < 10; page += 1) {
      await env.deps.prisma.document.create({
        data: {
          appealId: a.appealId,
          slot: 'BILLING_STATEMENT',
          page,
          mimeType: 'image/jpeg',
          byteSize: 1,
          contentHash: 'x',
          checks: [],
        },
      });
    }
    const eleventh = await upload(call, a, { slot: 'BILLING_STATEMENT', file: good.SPARE! });
    expect(eleventh.status).toBe(409);
    expect(eleventh.body.error.code).toBe('DOCUMENT.TOO_MANY_PAGES');
    const replace9 = await upload(call, a, {
      slot: 'BILLING_STATEMENT',
      file: good.SPARE!,
      fields: { page: '9' },
    });
    expect(replace9.status).toBe(201);
    const outOfRange = await upload(call, a, {
      slot: 'BILLING_STATEMENT',
      file: good.SPARE!,
      fields: { page: '10' },
    });
    expect(outOfRange.status).toBe(400);
  });
});

describe('replacement under concurrency and removal', () => {
  it('10 concurrent uploads to one slot leave exactly one ACTIVE document and no orphan blob', async () => {
    const a = await openAppeal(call);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => upload(call, a, { slot: 'ID_FRONT', file: good.ID_FRONT! })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const docs = await env.deps.prisma.document.findMany({ where: { appealId: a.appealId } });
    expect(docs).toHaveLength(10);
    expect(docs.filter((d) => d.status === 'ACTIVE')).toHaveLength(1);
    expect(docs.filter((d) => d.blobKey !== null)).toHaveLength(1);
    // store-wide: every blob has a row and every row's blob exists
    const rows = await env.deps.prisma.document.findMany({
      where: { blobKey: { not: null } },
      select: { blobKey: true },
    });
    expect(await blobCount()).toBe(rows.length);
    for (const r of rows) expect(await storage().blobs.exists(r.blobKey!)).toBe(true);
    expect(tmpEntries(uploadRoot(tmp))).toEqual([]);
  });

  it('DELETE removes a document before submission (blob deleted); unknown or foreign ids 404', async () => {
    const a = await openAppeal(call);
    const up = await upload(call, a, { slot: 'CARD_BACK', file: good.CARD_BACK! });
    const row = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: up.body.id } });
    expect(await storage().blobs.exists(row.blobKey!)).toBe(true);
    const del = await call('DELETE', `/api/v1/appeals/${a.appealId}/documents/${up.body.id}`, {
      token: a.token,
    });
    expect(del.status).toBe(204);
    const after = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: up.body.id } });
    expect(after.status).toBe('REMOVED');
    expect(after.blobKey).toBeNull();
    expect(await storage().blobs.exists(row.blobKey!)).toBe(false);
    const again = await call('DELETE', `/api/v1/appeals/${a.appealId}/documents/${up.body.id}`, {
      token: a.token,
    });
    expect(again.status).toBe(404);
    const other = await openAppeal(call);
    const foreign = await call('DELETE', `/api/v1/appeals/${other.appealId}/documents/${up.body.id}`, {
      token: a.token,
    });
    expect(foreign.status).toBe(404);
  });
});

describe('POST /api/v1/appeals/:id/submit', () => {
  it('409 ID_TYPE_REQUIRED, then MISSING_SLOTS with the list, then SUBMITTED with answerBy, then 409', async () => {
    const a = await openAppeal(call);
    const base = `/api/v1/appeals/${a.appealId}`;
    const noType = await call('POST', `${base}/submit`, { token: a.token });
    expect(noType.status).toBe(409);
    expect(noType.body.error.code).toBe('APPEAL.ID_TYPE_REQUIRED');
    await call('PUT', `${base}/id-type`, { token: a.token, body: { idType: 'ID_CARD' } });
    await upload(call, a, { slot: 'ID_FRONT', file: good.ID_FRONT! });
    const missing = await call('POST', `${base}/submit`, { token: a.token });
    expect(missing.status).toBe(409);
    expect(missing.body.error.code).toBe('APPEAL.MISSING_SLOTS');
    expect(missing.body.error.details.missing).toEqual([
      'ID_BACK',
      'CARD_FRONT',
      'CARD_BACK',
      'BILLING_STATEMENT',
    ]);

    // a passport needs no back; the ID_BACK slot stays empty
    await call('PUT', `${base}/id-type`, { token: a.token, body: { idType: 'PASSPORT' } });
    for (const [slot, fields] of [
      ['CARD_FRONT', { cardLast4: '4242' }],
      ['CARD_BACK', {}],
      ['BILLING_STATEMENT', {}],
    ] as const) {
      const r = await upload(call, a, { slot, file: good[slot]!, fields });
      expect(r.status).toBe(201);
    }
    const outboxBefore = await env.deps.prisma.outboxMessage.count();
    // the clock: Monday 2026-03-02 09:00 UTC (London) -> 3 working days -> Thursday 2026-03-05
    const r = await call('POST', `${base}/submit`, { token: a.token });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('SUBMITTED');
    expect(r.body.answerBy).toBe('2026-03-05');
    const row = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } });
    expect(row.submittedAt?.toISOString()).toBe('2026-03-02T09:00:00.000Z');
    expect(row.firstSubmittedAt?.toISOString()).toBe('2026-03-02T09:00:00.000Z');
    expect(row.slaStartAt?.toISOString()).toBe('2026-03-02T09:00:00.000Z');
    expect(row.targetAt?.toISOString()).toBe('2026-03-05T09:00:00.000Z');
    expect(row.warnAt?.toISOString()).toBe('2026-03-06T09:00:00.000Z');
    expect(row.breachAt?.toISOString()).toBe('2026-03-09T09:00:00.000Z');
    const outbox = await env.deps.prisma.outboxMessage.findMany({
      orderBy: { createdAt: 'asc' },
      skip: outboxBefore,
    });
    // routing, the buyer's e-mail and the SLA deadlines' wake-up calls (sla.subscriber.ts)
    expect(outbox.map((o) => o.topic).sort()).toEqual(['case.route', 'email.send', 'sla.schedule']);
    expect(outbox.find((o) => o.topic === 'case.route')!.payload).toEqual({ appealId: a.appealId });
    expect(outbox.find((o) => o.topic === 'sla.schedule')!.payload).toEqual({ appealId: a.appealId });
    const mail = outbox.find((o) => o.topic === 'email.send')!.payload as {
      message: Record<string, unknown>;
    };
    expect(mail.message).toMatchObject({ template: 'SUBMITTED', answerBy: '2026-03-05' });
    const history = await env.deps.prisma.caseHistory.findMany({
      where: { appealId: a.appealId, action: 'SUBMITTED' },
    });
    expect(history.map((h) => [h.fromStatus, h.toStatus, h.actorType])).toEqual([
      ['AWAITING_DOCUMENTS', 'SUBMITTED', 'BUYER'],
    ]);

    const twice = await call('POST', `${base}/submit`, { token: a.token });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('APPEAL.INVALID_TRANSITION');
    const late = await upload(call, a, { slot: 'ID_BACK', file: good.ID_BACK! });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('APPEAL.INVALID_TRANSITION');
    const idType = await call('PUT', `${base}/id-type`, { token: a.token, body: { idType: 'ID_CARD' } });
    expect(idType.status).toBe(409);
    const docs = await env.deps.prisma.document.findMany({
      where: { appealId: a.appealId, status: 'ACTIVE' },
    });
    const del = await call('DELETE', `${base}/documents/${docs[0]!.id}`, { token: a.token });
    expect(del.status).toBe(409);

    // more information requested for CARD_BACK (as the review module would set it), then resubmitted
    const pausedAt = new Date('2026-03-03T09:00:00Z');
    await env.deps.prisma.appeal.update({
      where: { id: a.appealId },
      data: {
        status: 'MORE_INFO_REQUESTED',
        round: 1,
        requestedSlots: { set: ['CARD_BACK'] },
        slaPausedAt: pausedAt,
      },
    });
    await env.deps.prisma.slaPause.create({ data: { appealId: a.appealId, startedAt: pausedAt } });
    env.clock.set('2026-03-04T09:00:00Z'); // the buyer answers a working day later
    try {
      const notRedone = await call('POST', `${base}/submit`, { token: a.token });
      expect(notRedone.status).toBe(409);
      expect(notRedone.body.error.details.missing).toEqual(['CARD_BACK']);
      const wrongSlot = await upload(call, a, { slot: 'ID_FRONT', file: good.ID_FRONT! });
      expect(wrongSlot.status).toBe(409);
      expect(wrongSlot.body.error.code).toBe('APPEAL.SLOT_NOT_REQUESTED');
      const redo = await upload(call, a, { slot: 'CARD_BACK', file: good.OTHER! });
      expect(redo.status).toBe(201);
      // the superseded CARD_BACK was submitted before: a reviewer saw it, so its blob is kept
      const old = await env.deps.prisma.document.findFirstOrThrow({
        where: { appealId: a.appealId, slot: 'CARD_BACK', status: 'SUPERSEDED' },
      });
      expect(old.blobKey).not.toBeNull();
      const re = await call('POST', `${base}/submit`, { token: a.token });
      expect(re.status).toBe(200);
      expect(re.body.status).toBe('SUBMITTED');
      const after = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } });
      expect(after.firstSubmittedAt?.toISOString()).toBe('2026-03-02T09:00:00.000Z');
      expect(after.submittedAt?.toISOString()).toBe('2026-03-04T09:00:00.000Z');
      // one working day paused: every deadline moves by one working day
      expect(after.targetAt?.toISOString()).toBe('2026-03-06T09:00:00.000Z');
      expect(after.breachAt?.toISOString()).toBe('2026-03-10T09:00:00.000Z');
      expect(re.body.answerBy).toBe('2026-03-06');
      const pauses = await env.deps.prisma.slaPause.findMany({ where: { appealId: a.appealId } });
      expect(pauses.map((p) => p.endedAt?.toISOString())).toEqual(['2026-03-04T09:00:00.000Z']);
    } finally {
      env.clock.set('2026-03-02T09:00:00Z');
    }
  });
});

it('the whole photo fixture is usable as a statement page (long side >= 1200)', async () => {
  const a = await openAppeal(call);
  const r = await upload(call, a, { slot: 'BILLING_STATEMENT', file: readFileSync(PHOTO) });
  expect(r.status).toBe(201);
  expect(check(r.body, 'resolution').measured).toEqual({ width: 2725, height: 2225 });
});

it('a PDF statement is stored as received (PDF rule passed); a PDF elsewhere is 415', async () => {
  const a = await openAppeal(call);
  const pdf = statementPdf(2);
  const r = await upload(call, a, {
    slot: 'BILLING_STATEMENT',
    file: pdf,
    filename: 's.pdf',
    contentType: 'application/pdf',
  });
  expect(r.status).toBe(201);
  expect([r.body.mimeType, r.body.pageCount, r.body.width]).toEqual(['application/pdf', 2, null]);
  expect(check(r.body, 'pdf')).toMatchObject({ passed: true, measured: { pageCount: 2, encrypted: false } });
  expect((await storedBytes(r.body.id)).equals(pdf)).toBe(true);
  const onId = await upload(call, a, { slot: 'ID_FRONT', file: pdf, filename: 's.pdf' });
  expect(onId.status).toBe(415);
  expect(check(onId.body, 'format').measured).toEqual({ detected: 'pdf' });
});
