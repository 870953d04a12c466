// Runs `prisma generate` on machines that cannot reach Prisma's binaries host.
// `generate` never executes the schema engine; it only checks that a binary exists before trying to
// download one, so pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file keeps it offline.
// On a connected machine with the variable already set, or with engines present, this is plain `prisma generate`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const cli = fileURLToPath(new URL('../node_modules/prisma/build/index.js', import.meta.url));
const r = spawnSync(process.execPath, [cli, 'generate'], { env, stdio: 'inherit' });
process.exit(r.status ?? 1);
