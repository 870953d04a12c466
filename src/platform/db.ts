// The one PrismaClient per process. PostgreSQL through the pg driver adapter when DATABASE_URL is set,
// otherwise embedded PGlite in DATA_DIR/pglite (a single connection: development only).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations, withSetupLock } from './migrate.ts';

export { Prisma, PrismaClient } from '../generated/prisma/client.ts';
export type Db = PrismaClient;
/** A transaction client (what `db.$transaction(async (tx) => ...)` hands over). */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface Database {
  prisma: PrismaClient;
  embedded: boolean;
  /**
   * Runs pending migrations on this database, then `after` (the seeds), both under one cluster-wide
   * lock on PostgreSQL: instances starting at once apply each migration once and seed once; the others
   * wait for the first and then find nothing to do.
   */
  migrate(after?: () => Promise<void>): Promise<string[]>;
  close(): Promise<void>;
}

export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
}): Promise<Database> {
  if (opts.databaseUrl) {
    const adapter = new PrismaPg({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
    });
    const prisma = new PrismaClient({ adapter });
    return {
      prisma,
      embedded: false,
      migrate: (after) =>
        withSetupLock(opts.databaseUrl!, async () => {
          const applied = await applyMigrations(
            new PrismaPg({
              connectionString: opts.databaseUrl,
              max: 1,
            }) as SqlMigrationAwareDriverAdapterFactory,
          );
          await after?.();
          return applied;
        }),
      close: () => prisma.$disconnect(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const dir = path.join(opts.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const pglite = new PGlite(dir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    embedded: true,
    // one process owns a PGlite directory: nothing to lock against
    migrate: async (after) => {
      const applied = await applyMigrations(
        new PrismaPGlite(pglite) as unknown as SqlMigrationAwareDriverAdapterFactory,
      );
      await after?.();
      return applied;
    },
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
