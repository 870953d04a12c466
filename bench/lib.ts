// Shared plumbing of the benchmarks: statistics, the result format (one JSON file per benchmark under
// bench/results/), the machine description, and a private environment (its own PostgreSQL database,
// migrated and seeded, and its own BullMQ prefix) that is dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { type Config, loadConfig } from '../src/config.ts';
import { buildRuntime, type Runtime } from '../src/platform/bootstrap.ts';
import { createDocumentPools } from '../src/modules/documents/documents.pools.ts';
import { installAppSubscribers } from '../src/subscribers.ts';
import type { Clock } from '../src/platform/clock.ts';
import { openDatabase } from '../src/platform/db.ts';
import { createLogger } from '../src/platform/logger.ts';
import { applyMigrations } from '../src/platform/migrate.ts';
import { seedCatalogues, seedFirstAdmin } from '../src/platform/seed.ts';

export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
export const ADMIN_URL =
  process.env.BENCH_DATABASE_ADMIN_URL ??
  process.env.TEST_DATABASE_ADMIN_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL =
  process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One line of the table: a target, what was measured, and whether it holds. */
export interface Row {
  metric: string;
  target: string;
  measured: string;
  /** the figure compared with the target (a ratio, a count, megabytes, milliseconds) */
  value: number;
  pass: boolean;
}

export interface BenchResult {
  name: string;
  title: string;
  rows: Row[];
  /** the raw figures behind the rows (baseline and subject) */
  details: Record<string, unknown>;
  notes: string[];
  durationMs: number;
  machine: Machine;
  finishedAt: string;
}

export interface Machine {
  nproc: number;
  memoryGB: number;
  cpu: string;
  node: string;
  platform: string;
}

export function machine(): Machine {
  return {
    nproc: os.availableParallelism(),
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

export const median = (xs: readonly number[]) => percentile(xs, 50);

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function rssMB(): number {
  return process.memoryUsage.rss() / 2 ** 20;
}

/** Samples this process's RSS every `everyMs` until stopped; returns the peak in MB. */
export function rssSampler(everyMs = 10): { stop(): number; peak(): number } {
  let peak = rssMB();
  const t = setInterval(() => {
    peak = Math.max(peak, rssMB());
  }, everyMs);
  return {
    peak: () => Math.max(peak, rssMB()),
    stop: () => {
      clearInterval(t);
      return Math.max(peak, rssMB());
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function row(metric: string, target: string, measured: string, value: number, pass: boolean): Row {
  return { metric, target, measured, value: round(value, 3), pass };
}

/** Runs a benchmark body, stamps it and writes bench/results/<name>.json. */
export async function runBench(
  name: string,
  title: string,
  body: () => Promise<{ rows: Row[]; details: Record<string, unknown>; notes?: string[] }>,
): Promise<BenchResult> {
  const started = performance.now();
  const out = await body();
  const result: BenchResult = {
    name,
    title,
    rows: out.rows,
    details: out.details,
    notes: out.notes ?? [],
    durationMs: Math.round(performance.now() - started),
    machine: machine(),
    finishedAt: new Date().toISOString(),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

export function readResult(name: string): BenchResult | null {
  try {
    return JSON.parse(readFileSync(path.join(RESULTS_DIR, `${name}.json`), 'utf8')) as BenchResult;
  } catch {
    return null;
  }
}

/** Prints one benchmark's rows (used when a benchmark file is run on its own). */
export function printResult(r: BenchResult): void {
  console.log(formatTable([r]));
}

export function formatTable(results: BenchResult[]): string {
  const lines = ['| benchmark | metric | target | measured | result |', '| --- | --- | --- | --- | --- |'];
  for (const r of results) {
    for (const x of r.rows) {
      lines.push(`| ${r.title} | ${x.metric} | ${x.target} | ${x.measured} | ${x.pass ? 'PASS' : 'MISS'} |`);
    }
  }
  return lines.join('\n');
}

/** True when this module is the process entry (`node --import tsx bench/x.ts`). */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(metaUrl) === path.resolve(process.argv[1]);
}

export interface BenchEnv {
  runtime: Runtime;
  deps: Runtime['deps'];
  config: Config;
  dbName: string;
  dbUrl: string;
  /** a pg pool on the same database, for raw SQL */
  pool: pg.Pool;
  dataDir: string;
  close(): Promise<void>;
}

function urlFor(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/**
 * A private database (created, migrated, seeded; dropped by close()) and a private BullMQ prefix.
 * `redisUrl` lets a benchmark use its own redis-server.
 */
export async function createBenchEnv(
  opts: { overrides?: Record<string, string>; clock?: Clock; poolSize?: number; redisUrl?: string } = {},
): Promise<BenchEnv> {
  const dbName = `appeal_bench_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${dbName}`);
  const dbUrl = urlFor(dbName);
  await applyMigrations(new PrismaPg({ connectionString: dbUrl, max: 1 }));
  // the schema engine's connection may linger; it must not hold the database open at drop time
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'appeal-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
    DATABASE_URL: dbUrl,
    REDIS_URL: opts.redisUrl ?? REDIS_URL,
    QUEUE_PREFIX: `bench${randomBytes(4).toString('hex')}`,
    DATA_DIR: dataDir,
    PORT: '0',
    PUBLIC_BASE_URL: 'http://appeal.bench',
    OCR_ENABLED: 'false',
    // the intake pool's sizing as the environment sets it (a run per setting: INTAKE_WORKERS=1 npm run bench)
    ...Object.fromEntries(
      ['INTAKE_WORKERS', 'INTAKE_MAX_QUEUE'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
    ),
    ...opts.overrides,
  });
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase({ databaseUrl: dbUrl, dataDir, poolSize: opts.poolSize ?? 10 });
  const runtime = await buildRuntime(config, {
    pools: createDocumentPools,
    logger,
    database,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  installAppSubscribers(runtime.deps); // use cases called without createApp dispatch events too
  await seedCatalogues(runtime.deps.prisma);
  await seedFirstAdmin(runtime.deps.prisma, config);
  const pool = new pg.Pool({ connectionString: dbUrl, max: opts.poolSize ?? 10 });
  return {
    runtime,
    deps: runtime.deps,
    config,
    dbName,
    dbUrl,
    pool,
    dataDir,
    close: async () => {
      await pool.end().catch(() => {});
      await runtime.close();
      await database.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Removes every key of a BullMQ prefix on a shared Redis (SCAN + UNLINK; never FLUSHALL). */
export async function dropPrefix(redisUrl: string, prefix: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) n += await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return n;
}
