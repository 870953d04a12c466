// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the existing migrations
// to the current schema.prisma. It replays the migrations into an in-memory PGlite, so it needs no server
// and no network. Usage: npm run db:migration:new -- add_something
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { applyMigrations, diffDatabaseToSchema, MIGRATIONS_DIR } from '../src/platform/migrate.ts';

const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_').toLowerCase();
if (!name) {
  console.error('usage: npm run db:migration:new -- <name>');
  process.exit(2);
}
const pglite = new PGlite();
const adapter = new PrismaPGlite(pglite);
await applyMigrations(adapter);
const sql = await diffDatabaseToSchema(adapter);
await pglite.close();
if (!sql) {
  console.log('schema.prisma and the migrations agree: nothing to write');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'migration.sql'), sql);
await writeFile(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), 'provider = "postgresql"\n');
console.log(`wrote ${path.relative(process.cwd(), path.join(dir, 'migration.sql'))}`);
