// Test environment: real PostgreSQL and Redis on loopback. Each test file gets its own database
// (cloned from the template) and its own BullMQ prefix, so files run in parallel without interfering.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type Config, loadConfig } from '../../src/config.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { buildRuntime, type Runtime } from '../../src/platform/bootstrap.ts';
import { createDocumentPools } from '../../src/modules/documents/documents.pools.ts';
import { openDatabase } from '../../src/platform/db.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { seedFirstAdmin } from '../../src/platform/seed.ts';
import { installAppSubscribers } from '../../src/subscribers.ts';

export const ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function dbUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestEnv {
  runtime: Runtime;
  deps: Runtime['deps'];
  config: Config;
  clock: FakeClock;
  dbName: string;
  dbUrl: string;
  dataDir: string;
  /** extra log lines captured from the process logger (for log-scanning tests) */
  logLines: string[];
  close(): Promise<void>;
}

export async function createTestEnv(
  overrides: Record<string, string> = {},
  opts: { clock?: FakeClock; poolSize?: number } = {},
): Promise<TestEnv> {
  const dbName = `appeal_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName} TEMPLATE ${inject('templateDb')}`);
  await admin.end();
  const url = dbUrl(dbName);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'appeal-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: url,
    REDIS_URL,
    QUEUE_PREFIX: `t${randomBytes(5).toString('hex')}`,
    DATA_DIR: dataDir,
    PORT: '0',
    PUBLIC_BASE_URL: 'http://appeal.test',
    OCR_ENABLED: 'false',
    // tests move the fake clock by days or months with one session (sessions made in the database,
    // lastSeenAt = real now); staff.mfa.test.ts checks the idle timeout with the 30-minute value
    STAFF_IDLE_MINUTES: '5256000',
    ...overrides,
  });
  const logLines: string[] = [];
  const logger = createLogger(config.LOG_LEVEL, {
    write(line: string) {
      logLines.push(line);
    },
  });
  const clock = opts.clock ?? new FakeClock();
  const database = await openDatabase({ databaseUrl: url, dataDir, poolSize: opts.poolSize ?? 10 });
  const runtime = await buildRuntime(config, { clock, logger, database, pools: createDocumentPools });
  installAppSubscribers(runtime.deps); // use cases called without createApp dispatch events too
  await seedFirstAdmin(runtime.deps.prisma, config);
  return {
    runtime,
    deps: runtime.deps,
    config,
    clock,
    dbName,
    dbUrl: url,
    dataDir,
    logLines,
    close: async () => {
      await runtime.close();
      await database.close();
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await a.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
