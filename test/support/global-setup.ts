// Runs once per `vitest run`: builds a template database with every migration and the catalogues, so
// each test file can clone its own isolated database in milliseconds (CREATE DATABASE ... TEMPLATE).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../../src/generated/prisma/client.ts';
import { applyMigrations } from '../../src/platform/migrate.ts';
import { seedCatalogues } from '../../src/platform/seed.ts';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { ADMIN_URL, dbUrl } from './env.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}

export default async function setup(project: TestProject) {
  // a template per run: concurrent runs on one machine must not drop each other's template
  const TEMPLATE_DB = `appeal_tpl_${randomBytes(5).toString('hex')}`;
  project.provide('templateDb', TEMPLATE_DB);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  const url = dbUrl(TEMPLATE_DB);
  await applyMigrations(new PrismaPg({ connectionString: url, max: 1 }));
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 1 }) });
  await seedCatalogues(prisma);
  await prisma.$disconnect();
  // the schema engine's migration connection may linger; a template must have no sessions to be cloned
  await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [TEMPLATE_DB],
  );
  await admin.query(`ALTER DATABASE ${TEMPLATE_DB} WITH ALLOW_CONNECTIONS false`);
  await admin.end();
  return async () => {
    const a = new pg.Client({ connectionString: ADMIN_URL });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await a.end();
  };
}
