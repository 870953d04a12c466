// schema.prisma and prisma/migrations must describe the same database.
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, diffDatabaseToSchema, SCHEMA_PATH } from '../../src/platform/migrate.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

describe('migrations', () => {
  // The schema engine's introspection reads the database's catalog; through the pg adapter it cannot
  // deserialise PostgreSQL's internal "char" columns, so the drift check replays the migrations into an
  // in-memory PGlite (the same engine and SQL) and diffs that against schema.prisma.
  async function migratedPglite() {
    const pglite = new PGlite();
    await applyMigrations(new PrismaPGlite(pglite) as never);
    return pglite;
  }

  it('a database built from the migrations matches schema.prisma (no drift)', async () => {
    const pglite = await migratedPglite();
    const sql = await diffDatabaseToSchema(new PrismaPGlite(pglite) as never);
    await pglite.close();
    expect(sql).toBe('');
  });

  it('the drift check fails when the schema gains something the migrations lack', async () => {
    const schema = await readFile(SCHEMA_PATH, 'utf8');
    const changed = schema.replace('model Holiday {', 'model Holiday {\n  extraColumn String?');
    expect(changed).not.toBe(schema);
    const pglite = await migratedPglite();
    const sql = await diffDatabaseToSchema(new PrismaPGlite(pglite) as never, changed);
    await pglite.close();
    expect(sql).toMatch(/ALTER TABLE "holidays" ADD COLUMN\s+"extraColumn" TEXT/);
  });

  it('applying again applies nothing and records every migration once', async () => {
    const applied = await applyMigrations(new PrismaPg({ connectionString: env.dbUrl, max: 1 }));
    expect(applied).toEqual([]);
    const rows = await env.deps.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL`;
    const dirs = (await import('node:fs')).readdirSync(new URL('../../prisma/migrations/', import.meta.url), {
      withFileTypes: true,
    });
    expect(rows[0]!.n).toBe(dirs.filter((d) => d.isDirectory()).length);
  });
});
