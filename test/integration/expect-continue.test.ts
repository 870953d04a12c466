// Expect: 100-continue (src/http/expect-continue.ts, issue 18): an upload refused before its body is read
// (intake queue full, no valid token) is answered without "100 Continue", so the client never sends its
// file, and the connection is closed after the answer; an admitted upload and a JSON body get their
// "100 Continue" and go through as before.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { IntakePool } from '../../src/modules/documents/documents.intake-pool.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage } from '../support/images.ts';
import {
  type Call,
  eventually,
  heldIntakePool,
  openAppeal,
  type OpenedAppeal,
  upload,
  uploadForm,
} from '../support/intake.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** the server sent "100 Continue" (and so the body was sent) */
  continued: boolean;
  /** bytes of the body written to the socket */
  sent: number;
}

/** A POST that waits for "100 Continue" before it sends its body, as curl does for large bodies. */
function expectingPost(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  type: string,
): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let continued = false;
    let sent = 0;
    const req = request({
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      method: 'POST',
      headers: {
        ...headers,
        'content-type': type,
        'content-length': String(body.length),
        expect: '100-continue',
      },
    });
    req.on('continue', () => {
      continued = true;
      sent = body.length;
      req.end(body);
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, continued, sent });
        if (!req.writableEnded) req.destroy();
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

async function multipart(form: FormData): Promise<{ type: string; bytes: Buffer }> {
  const r = new Response(form);
  return { type: r.headers.get('content-type')!, bytes: Buffer.from(await r.arrayBuffer()) };
}

let env: TestEnv;
let server: TestServer;
let call: Call;
let pool: IntakePool;
let release: () => void = () => {};

beforeAll(async () => {
  // one thread and one waiting place, the task held until the test lets it go
  env = await createTestEnv({ INTAKE_WORKERS: '1', INTAKE_MAX_QUEUE: '1', INTAKE_RETRY_AFTER_SECONDS: '5' });
  ({ pool, release } = heldIntakePool(env.config));
  server = await listen(createApp({ ...env.deps, pools: { ...env.deps.pools, intake: () => pool } }));
  call = client(server.url);
});
afterAll(async () => {
  release();
  await server?.close();
  await pool?.close();
  await env?.close();
});

const documentsUrl = (a: OpenedAppeal) => `${server.url}/api/v1/appeals/${a.appealId}/documents`;

describe('Expect: 100-continue', () => {
  it('a full intake queue answers 503 with Retry-After before the file is sent, and closes the connection', async () => {
    const a = await openAppeal(call);
    const b = await openAppeal(call);
    const inFlight = [
      upload(call, a, { slot: 'ID_FRONT', file: await goodImage('ID_FRONT') }),
      upload(call, a, { slot: 'ID_BACK', file: await goodImage('ID_BACK') }),
    ];
    await eventually(() => pool.stats().running === 1 && pool.stats().queued === 1);
    const refusedBefore = pool.stats().refused;

    const form = await multipart(uploadForm({ slot: 'ID_FRONT', file: await goodImage('ID_FRONT') }));
    const refused = await expectingPost(
      documentsUrl(b),
      { authorization: `Bearer ${b.token}` },
      form.bytes,
      form.type,
    );
    expect(refused.status).toBe(503);
    expect(refused.continued).toBe(false);
    expect(refused.sent).toBe(0);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.headers.connection).toBe('close');
    expect(JSON.parse(refused.body).error).toMatchObject({
      code: 'SERVICE.BUSY',
      details: { retryAfterSeconds: 5, reason: 'intake-queue-full' },
    });
    expect(pool.stats().refused).toBe(refusedBefore + 1);
    // refused by the early gate (before authentication): it took no place
    expect(pool.stats().admitted).toBe(2);
    // and so is a request whose token is not even valid while the queue is full: 503, no place held
    const anonymous = await expectingPost(
      documentsUrl(b),
      { authorization: 'Bearer apl_not-a-token' },
      form.bytes,
      form.type,
    );
    expect(anonymous.status).toBe(503);
    expect(anonymous.continued).toBe(false);
    expect(pool.stats().admitted).toBe(2);
    expect(await env.deps.prisma.uploadAttempt.count({ where: { appealId: b.appealId } })).toBe(0);

    release();
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([201, 201]);

    // room again: the same request is told to continue, sends its file and is checked as usual
    const accepted = await expectingPost(
      documentsUrl(b),
      { authorization: `Bearer ${b.token}` },
      form.bytes,
      form.type,
    );
    expect(accepted.continued).toBe(true);
    expect(accepted.status).toBe(201);
    expect(accepted.headers.connection).not.toBe('close');
    expect(JSON.parse(accepted.body)).toMatchObject({ slot: 'ID_FRONT' });
    expect(await env.deps.prisma.document.count({ where: { appealId: b.appealId } })).toBe(1);
  });

  it('an upload without a valid token is refused before its body is sent', async () => {
    const a = await openAppeal(call);
    const form = await multipart(uploadForm({ slot: 'ID_FRONT', file: await goodImage('ID_FRONT') }));
    const r = await expectingPost(
      documentsUrl(a),
      { authorization: 'Bearer apl_not-a-token' },
      form.bytes,
      form.type,
    );
    expect(r.status).toBe(401);
    expect(r.continued).toBe(false);
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body).error.code).toMatch(/^AUTH\./);
  });

  it('a JSON body is asked for at once and read as usual', async () => {
    const body = Buffer.from(JSON.stringify(blockedOrder()));
    const r = await expectingPost(
      `${server.url}/api/v1/blocked-orders`,
      { authorization: `Bearer ${RISK_KEY}` },
      body,
      'application/json',
    );
    expect(r.continued).toBe(true);
    expect(r.status).toBe(201);
    expect(JSON.parse(r.body).appealId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
