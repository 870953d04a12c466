// Fault test 3: PostgreSQL goes away during uploads. The machine's PostgreSQL is shared, so it is not
// stopped: the API reaches it through a TCP proxy on loopback that the test cuts (every open connection
// destroyed, new ones refused) and restores. While it is cut the API answers 503 with the error shape;
// afterwards no blob file exists without a row pointing at it and no row points at a missing file, and
// uploads work again without anyone repairing anything.
import { sweepOrphanBlobs } from '../../src/modules/documents/documents.orphans.ts';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { buildRuntime, type Runtime } from '../../src/platform/bootstrap.ts';
import { createDocumentPools } from '../../src/modules/documents/documents.pools.ts';
import { type Database, openDatabase } from '../../src/platform/db.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage } from '../support/images.ts';
import { type OpenedAppeal, openAppeal, upload } from '../support/intake.ts';

interface CuttableProxy {
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

async function tcpProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((inbound) => {
    if (down) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(target.port, target.host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      down = false;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let env: TestEnv;
let proxy: CuttableProxy;
let apiDb: Database;
let api: Runtime;
let server: TestServer;

beforeAll(async () => {
  env = await createTestEnv();
  const direct = new URL(env.dbUrl);
  proxy = await tcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const viaProxy = new URL(env.dbUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  // the API process's view: same database, same storage, reached through the proxy
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: viaProxy.toString(),
    REDIS_URL: env.config.REDIS_URL!,
    QUEUE_PREFIX: env.config.QUEUE_PREFIX,
    DATA_DIR: env.dataDir,
    PORT: '0',
    PUBLIC_BASE_URL: 'http://appeal.test',
    OCR_ENABLED: 'false',
    // room for the 18 uploads of a burst: a full intake queue (503 SERVICE.BUSY) is
    // test/integration/intake-admission.test.ts's subject; this file's is the database cut
    INTAKE_MAX_QUEUE: '64',
  });
  apiDb = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: env.dataDir, poolSize: 5 });
  api = await buildRuntime(config, { clock: env.clock, database: apiDb, pools: createDocumentPools });
  server = await listen(createApp(api.deps));
});

afterAll(async () => {
  await server?.close();
  await api?.close();
  await apiDb?.close();
  await proxy?.close();
  await env?.close();
});

/** Every file under the document store (blobs and any temporary write left behind). */
function storedFiles(): string[] {
  const root = path.join(env.dataDir, 'documents');
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

async function blobKeysInDb(): Promise<string[]> {
  const rows = await env.deps.prisma.document.findMany({
    where: { blobKey: { not: null } },
    select: { blobKey: true },
  });
  return rows.map((r) => r.blobKey!).sort();
}

describe('PostgreSQL cut during uploads (TCP proxy)', () => {
  it('answers 503 with the error shape, leaves no blob without a row nor a row without a blob, and recovers alone', async () => {
    const call = client(server.url);
    const slots = ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK'] as const;
    const images = await Promise.all(slots.map((s) => goodImage(s)));
    const appeals: OpenedAppeal[] = [];
    for (let i = 0; i < 6; i++) appeals.push(await openAppeal(call));
    const fields = (slot: string) => (slot === 'CARD_FRONT' ? { cardLast4: '4242' } : undefined);

    const statuses: number[] = [];
    const bodies: unknown[] = [];
    for (let round = 0; round < 3; round++) {
      // 18 uploads in flight; the database goes away a little after they start
      const inflight = appeals.flatMap((a) =>
        slots.map((slot, i) =>
          upload(call, a, { slot, file: images[i]!, fields: fields(slot) }).then((r) => {
            statuses.push(r.status);
            if (r.status >= 500) bodies.push(r.body);
          }),
        ),
      );
      await new Promise((r) => setTimeout(r, 150 + round * 200));
      proxy.cut();
      await Promise.all(inflight);
      // uploads while it is down
      for (const a of appeals.slice(0, 3)) {
        const r = await upload(call, a, { slot: 'ID_FRONT', file: images[0]! });
        statuses.push(r.status);
        bodies.push(r.body);
        expect(r.status).toBe(503);
      }
      proxy.restore();
    }

    // only two outcomes: stored, or 503 with the error shape
    for (const s of statuses) expect([201, 503]).toContain(s);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(9);
    for (const b of bodies) {
      expect(b).toMatchObject({ error: { code: 'DEPENDENCY.UNAVAILABLE', message: expect.any(String) } });
    }

    // back up: works without repair (the pool reconnects)
    for (const [i, slot] of slots.entries()) {
      const r = await upload(call, appeals[5]!, { slot, file: images[i]!, fields: fields(slot) });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }

    // every row has its file right away: an upload whose commit outcome was unknown kept its blob
    const before = new Set(storedFiles());
    for (const key of await blobKeysInDb()) expect(before.has(key), `row without its blob ${key}`).toBe(true);
    // the hourly orphan sweep (run here as the worker runs it, sparing nothing by age) removes blobs no
    // row claims: every file is then a blob some row points at; no temporary writes left
    await sweepOrphanBlobs(env.deps, { minAgeMs: 0 });
    const files = storedFiles().sort();
    expect(files.filter((f) => f.startsWith('.'))).toEqual([]);
    expect(files).toEqual(await blobKeysInDb());
    // one ACTIVE document per slot and appeal at most
    const dup = await env.deps.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM (
        SELECT appeal_id, slot FROM documents WHERE status = 'ACTIVE' GROUP BY 1, 2 HAVING count(*) > 1) d`;
    expect(dup[0]!.n).toBe(0);
  }, 120_000);
});
