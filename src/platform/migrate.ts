// Applies prisma/migrations through Prisma's schema engine compiled to WebAssembly, so migrations run
// without the native engine download (see shared notes). It records them in `_prisma_migrations` exactly
// as `prisma migrate deploy` does, so both paths can be mixed on one database.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';

export const PRISMA_DIR = fileURLToPath(new URL('../../prisma/', import.meta.url));
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');
export const SCHEMA_PATH = path.join(PRISMA_DIR, 'schema.prisma');

const FILTERS = { externalTables: [], externalEnums: [] };

// biome-ignore lint/suspicious/noExplicitAny: the wasm-bindgen glue is untyped at this boundary
type Engine = any;

async function loadEngineClass(): Promise<{ new: (...args: unknown[]) => Promise<Engine> }> {
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const bytes = await readFile(path.join(pkgDir, 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue as never });
  (glue as unknown as { __wbg_set_wasm(x: unknown): void }).__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  return (glue as unknown as { SchemaEngine: { new: (...args: unknown[]) => Promise<Engine> } }).SchemaEngine;
}

let engineClass: Promise<{ new: (...args: unknown[]) => Promise<Engine> }> | undefined;

export async function openSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
): Promise<Engine> {
  engineClass ??= loadEngineClass();
  const SchemaEngine = await engineClass;
  const schema = await readFile(SCHEMA_PATH, 'utf8');
  return SchemaEngine.new(
    { datamodels: [['schema.prisma', schema]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}

export async function loadMigrationsList() {
  const names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const lockPath = path.join(MIGRATIONS_DIR, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: {
            tag: 'ok',
            value: await readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8'),
          },
        },
      })),
    ),
  };
}

/** Applies every migration not yet applied; returns the names applied now. */
export async function applyMigrations(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
): Promise<string[]> {
  const engine = await openSchemaEngine(adapterFactory);
  try {
    const out = await engine.applyMigrations({
      migrationsList: await loadMigrationsList(),
      filters: FILTERS,
    });
    return out.appliedMigrationNames as string[];
  } finally {
    engine.free();
  }
}

/**
 * SQL that takes the database behind `adapterFactory` (already migrated) to schema.prisma.
 * Empty when the migrations and the schema agree.
 */
export async function diffDatabaseToSchema(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schemaText?: string,
): Promise<string> {
  const engine = await openSchemaEngine(adapterFactory);
  try {
    const schema = schemaText ?? (await readFile(SCHEMA_PATH, 'utf8'));
    const files = [{ path: 'schema.prisma', content: schema }];
    const out = await engine.diff({
      from: { tag: 'schemaDatasource', files, configDir: PRISMA_DIR },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      shadowDatabaseUrl: null,
      exitCode: null,
      filters: FILTERS,
    });
    return normaliseDiff(out.stdout ?? '');
  } finally {
    engine.free();
  }
}

function normaliseDiff(sql: string): string {
  const body = sql
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('--'))
    .join('\n')
    .trim();
  return body === '' ? '' : sql;
}

/**
 * Our own advisory lock (not Prisma's 72707369, which the schema engine takes inside applyMigrations
 * and gives up on after 10 s): held on a dedicated connection for as long as `fn` runs, so a second
 * instance waits for the first one's migrations and seeds instead of failing or racing them. A
 * session lock dies with its connection, so a crashed holder never blocks the next start.
 */
export const SETUP_LOCK_KEY = 4_170_217_017;

export async function withSetupLock<T>(databaseUrl: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, statement_timeout: 600_000 });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [SETUP_LOCK_KEY]);
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [SETUP_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}
