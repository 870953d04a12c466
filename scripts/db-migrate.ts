// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL (or the embedded PGlite) through the
// WebAssembly schema engine (no network needed), then seeds the catalogues and the first admin.
import { ConfigError, loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/platform/db.ts';
import { seedAll } from '../src/platform/seed.ts';

try {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 2 });
  const applied = await db.migrate(() => seedAll(db.prisma, config));
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  await db.close();
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
}
