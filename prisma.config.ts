// Used by the standard Prisma CLI on connected machines (`prisma migrate deploy`, `prisma generate`).
// Offline, `npm run db:migrate` applies the same migrations through the WebAssembly schema engine.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/appeal_desk' },
});
