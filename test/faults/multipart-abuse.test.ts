// Fault test 4: 1,000 malformed, truncated and aborted multipart uploads against the real app. The process
// stays up and keeps answering, no temporary upload file or folder remains, and the open file descriptors
// (/proc/self/fd) come back to where they were before.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage } from '../support/images.ts';
import {
  eventually,
  type OpenedAppeal,
  openAppeal,
  tmpEntries,
  upload,
  uploadRoot,
} from '../support/intake.ts';

let env: TestEnv;
let server: TestServer;
let tmp: string;
let prevTmp: string | undefined;
let port: number;

/** kind:status -> count, from the 1,000 requests of the first test */
let seen = new Map<string, number>();

const fdCount = () => readdirSync('/proc/self/fd').length;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'appeal-faults-mp-'));
  prevTmp = process.env.TMPDIR;
  process.env.TMPDIR = tmp; // uploadTmpRoot() reads os.tmpdir() per request
  // room for the 20 concurrent requests: admission (503 SERVICE.BUSY before the body is read) is
  // test/integration/intake-admission.test.ts's subject; this file's is what a malformed body gets
  env = await createTestEnv({ INTAKE_MAX_QUEUE: '64' });
  server = await listen(createApp(env.deps));
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  await server?.close();
  await env?.close();
  if (prevTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = prevTmp;
  rmSync(tmp, { recursive: true, force: true });
});

type Kind =
  | 'wrong-boundary'
  | 'no-boundary'
  | 'no-closing'
  | 'abort-mid-file'
  | 'fin-mid-file'
  | 'big-field'
  | 'two-files'
  | 'garbage';
const KINDS: Kind[] = [
  'wrong-boundary',
  'no-boundary',
  'no-closing',
  'abort-mid-file',
  'fin-mid-file',
  'big-field',
  'two-files',
  'garbage',
];

/**
 * Sends one hand-built request on a raw socket. Resolves with the status code, or null when the request
 * was cut by the client (abort) or no answer came within 5 s.
 */
function rawUpload(a: OpenedAppeal, kind: Kind, file: Buffer): Promise<number | null> {
  const boundary = `----fault${Math.random().toString(16).slice(2)}`;
  const part = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const fileHead = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  const close = `\r\n--${boundary}--\r\n`;
  let contentType = `multipart/form-data; boundary=${boundary}`;
  let body: Buffer;
  let declared: number | null = null;
  let cut: 'destroy' | 'end' | null = null;
  switch (kind) {
    case 'wrong-boundary':
      body = Buffer.from(
        `--other\r\nContent-Disposition: form-data; name="slot"\r\n\r\nID_FRONT\r\n--other--\r\n`,
      );
      break;
    case 'no-boundary':
      contentType = 'multipart/form-data';
      body = Buffer.from(part('slot', 'ID_FRONT') + close);
      break;
    case 'no-closing':
      body = Buffer.concat([Buffer.from(part('slot', 'ID_FRONT') + fileHead), file.subarray(0, 20_000)]);
      break;
    case 'abort-mid-file':
      body = Buffer.concat([Buffer.from(part('slot', 'ID_FRONT') + fileHead), file.subarray(0, 40_000)]);
      declared = body.length + 500_000;
      cut = 'destroy';
      break;
    case 'fin-mid-file':
      body = Buffer.concat([Buffer.from(part('slot', 'ID_FRONT') + fileHead), file.subarray(0, 40_000)]);
      declared = body.length + 500_000;
      cut = 'end';
      break;
    case 'big-field':
      body = Buffer.from(
        part('slot', 'ID_FRONT') + part('cardLast4', 'x'.repeat(5000)) + fileHead + 'abc' + close,
      );
      break;
    case 'two-files':
      body = Buffer.concat([
        Buffer.from(part('slot', 'ID_FRONT') + fileHead),
        file.subarray(0, 10_000),
        Buffer.from(`\r\n${fileHead}`),
        file.subarray(0, 10_000),
        Buffer.from(close),
      ]);
      break;
    case 'garbage':
      body = Buffer.from(`--${boundary}\r\n\x00\x01\x02 not a header\r\n\r\n${'\xff'.repeat(100)}`);
      break;
  }
  const head =
    `POST /api/v1/appeals/${a.appealId}/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `Authorization: Bearer ${a.token}\r\nContent-Type: ${contentType}\r\n` +
    `Content-Length: ${declared ?? body.length}\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(null);
    }, 5_000);
    const done = (v: number | null) => {
      clearTimeout(timer);
      resolve(v);
    };
    s.on('data', (d) => {
      answer += d.toString('latin1');
    });
    s.on('error', () => {});
    s.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      done(m ? Number(m[1]) : null);
    });
    s.on('connect', () => {
      s.write(head);
      s.write(body, () => {
        if (cut === 'destroy') setTimeout(() => s.destroy(), 5);
        else if (cut === 'end') s.end();
      });
    });
  });
}

describe('1,000 malformed, truncated and aborted multipart requests', () => {
  it('leaves the process up, no temporary file behind and the file descriptors at their baseline', async () => {
    const call = client(server.url);
    const file = await goodImage('ID_FRONT');
    // the upload limit is 30 per appeal per hour: a fresh appeal every 25 requests, and the clock moves
    const appeals: OpenedAppeal[] = [];
    for (let i = 0; i < 40; i++) appeals.push(await openAppeal(call));
    // warm-up: a real upload fills the connection pools and loads the checker before the baseline
    const ok = await upload(call, appeals[0]!, { slot: 'ID_FRONT', file });
    expect(ok.status).toBe(201);
    await eventually(() => tmpEntries(uploadRoot(tmp)).length === 0);
    const baseline = fdCount();

    const statuses = new Map<string, number>();
    seen = statuses;
    const total = 1000;
    const concurrency = 20;
    for (let start = 0; start < total; start += concurrency) {
      if (start % 25 === 0) env.clock.advance(61 * 60_000);
      const batch = Array.from({ length: Math.min(concurrency, total - start) }, (_, j) => {
        const i = start + j;
        const kind = KINDS[i % KINDS.length]!;
        return rawUpload(appeals[Math.floor(i / 25)]!, kind, file).then((st) => {
          const key = `${kind}:${st ?? 'cut'}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
        });
      });
      await Promise.all(batch);
    }

    seen = statuses;
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(total);

    await eventually(() => tmpEntries(uploadRoot(tmp)).length === 0, 10_000);
    expect(tmpEntries(uploadRoot(tmp))).toEqual([]);
    await eventually(() => fdCount() <= baseline, 10_000);
    expect(fdCount()).toBeLessThanOrEqual(baseline);

    // still up, and still storing a good upload
    env.clock.advance(61 * 60_000);
    const health = await call('GET', '/healthz');
    expect(health.status).toBe(200);
    const again = await upload(call, appeals[39]!, { slot: 'ID_FRONT', file });
    expect(again.status).toBe(201);
    const stored = await env.deps.prisma.document.count({ where: { status: 'ACTIVE' } });
    expect(stored).toBe(2);
  }, 120_000);

  it('answers every complete but malformed body 400 UPLOAD.INVALID, never a 5xx', () => {
    expect(seen.size).toBeGreaterThan(0);
    const wrong = [...seen].filter(([key]) => {
      const [kind, st] = key.split(':');
      const cutByClient = kind === 'abort-mid-file' || kind === 'fin-mid-file';
      return cutByClient ? st !== 'cut' && Number(st) >= 500 : !/^4\d\d$/.test(st!);
    });
    expect(Object.fromEntries(wrong)).toEqual({});
  });
});
