// /metrics only for the holder of METRICS_TOKEN (and not at all without one); the upload temp folder is
// swept of crash leftovers when the API starts.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { startApi } from '../../src/server.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';

const METRICS_TOKEN = randomBytes(32).toString('base64url');
let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  env = await createTestEnv({ METRICS_TOKEN });
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterAll(async () => {
  await server.close();
  await env.close();
});

describe('/metrics', () => {
  it('needs the bearer METRICS_TOKEN; anything else gets no counters', async () => {
    const anon = await call('GET', '/metrics');
    expect(anon.status).toBe(401);
    expect(anon.text).not.toContain('http_requests_total');
    expect((await call('GET', '/metrics', { token: 'wrong' })).status).toBe(401);
    const ok = await call('GET', '/metrics', { token: METRICS_TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('up_database 1');
  });

  it('without METRICS_TOKEN it is not served at all', async () => {
    const plain = await createTestEnv();
    const s = await listen(createApp(plain.deps));
    try {
      const r = await client(s.url)('GET', '/metrics');
      expect(r.status).toBe(404);
      expect(r.text).not.toContain('http_requests_total');
    } finally {
      await s.close();
      await plain.close();
    }
  });
});

describe('upload temp folder', () => {
  it('the API removes folders a crashed process left behind, and keeps those of live requests', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweep-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    let api: Server | undefined;
    try {
      const root = path.join(tmp, 'appeal-uploads');
      const stale = path.join(root, 'u-crashed');
      const live = path.join(root, 'u-live');
      mkdirSync(stale, { recursive: true });
      mkdirSync(live, { recursive: true });
      writeFileSync(path.join(stale, 'abc.upload'), 'raw document bytes');
      const old = new Date(Date.now() - 60 * 60_000);
      utimesSync(stale, old, old);
      api = await startApi(env.runtime);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      api?.close();
      process.env.TMPDIR = saved;
      if (saved === undefined) delete process.env.TMPDIR;
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
