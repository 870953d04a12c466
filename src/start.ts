// `npm start`: the whole system on embedded defaults. Without REDIS_URL it launches a private
// redis-server from PATH on a free port; without DATABASE_URL it uses PGlite under DATA_DIR. It applies
// migrations and seeds, then runs the API and the workers in this process (production runs them as
// separate processes: `npm run start:api`, `npm run start:workers`). Ctrl-C stops everything it started.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadConfigOrExit } from './config.ts';
import { buildRuntime } from './platform/bootstrap.ts';
import { nodeSupport } from './platform/runtime.ts';
import { seedAll } from './platform/seed.ts';
import { createDocumentPools } from './modules/documents/documents.pools.ts';
import { startApi } from './server.ts';
import { startWorkers } from '../workers/main.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.end();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server did not open port ${port} within ${ms} ms`);
}

/** Prints what it is doing, a line every 5 s while it lasts, and how long it took. */
async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  console.log(`${what}...`);
  const tick = setInterval(
    () => console.log(`  ... still ${what.split(' (')[0]} (${Math.round((Date.now() - t0) / 1000)} s)`),
    5_000,
  );
  try {
    return await fn();
  } finally {
    clearInterval(tick);
    console.log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

async function main() {
  const node = nodeSupport();
  if (!node.ok) {
    console.error(node.message);
    process.exit(1);
  }
  if (node.warning) console.warn(node.warning);
  const children: ChildProcess[] = [];
  const killChildren = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.on('exit', killChildren);

  let env = { ...process.env };
  if (!env.REDIS_URL) {
    const bin = which('redis-server');
    if (!bin) {
      console.error(
        'No REDIS_URL is set and no redis-server is on PATH.\n' +
          '  Install one:   sudo apt-get install redis-server   (Debian/Ubuntu)   or   brew install redis\n' +
          '  or run the whole system in containers:   docker compose up\n' +
          '  or point at a running Redis:   REDIS_URL=redis://host:6379 npm start',
      );
      process.exit(1);
    }
    const port = await freePort();
    const dataDir = path.resolve(env.DATA_DIR ?? path.join(import.meta.dirname, '..', 'data'));
    const dir = path.join(dataDir, 'redis');
    mkdirSync(dir, { recursive: true });
    const redis = spawn(
      bin,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    children.push(redis);
    await waitForPort(port, 10_000);
    env = { ...env, REDIS_URL: `redis://127.0.0.1:${port}` };
    console.log(`started a private redis-server on port ${port} (pid ${redis.pid})`);
  }

  const config = loadConfigOrExit(env);
  const where = config.DATABASE_URL
    ? 'PostgreSQL (DATABASE_URL)'
    : `embedded PGlite in ${path.join(config.DATA_DIR, 'pglite')}`;
  console.log(`opening the database: ${where}`);
  const runtime = await buildRuntime(config, { poolSize: 5, pools: createDocumentPools });
  const applied = await step(
    'checking and applying migrations, then seeding the catalogues and the first admin (the first run on an empty data folder takes about half a minute)',
    () => runtime.database.migrate(() => seedAll(runtime.deps.prisma, config)),
  );
  console.log(applied.length ? `  applied ${applied.length} migration(s)` : '  the schema is up to date');
  const server = await step('starting the API', () => startApi(runtime));
  // the e-mail channel listens under `npm start` even without INBOUND_SMTP_PORT, on a free port
  const workers = await step('starting the workers', () =>
    startWorkers(runtime, { inboundPort: config.INBOUND_SMTP_PORT ?? 0 }),
  );

  const db = runtime.database.embedded
    ? `embedded PGlite in ${path.join(config.DATA_DIR, 'pglite')}`
    : 'PostgreSQL (DATABASE_URL)';
  console.log(
    [
      '',
      'Appeal desk is running.',
      `  API and pages:   ${config.PUBLIC_BASE_URL}`,
      `  staff console:   ${config.PUBLIC_BASE_URL}/console`,
      `  OpenAPI:         ${config.PUBLIC_BASE_URL}/api/openapi.json`,
      `  health:          ${config.PUBLIC_BASE_URL}/healthz  ${config.PUBLIC_BASE_URL}/readyz`,
      `  database:        ${db}${applied.length ? ` (applied ${applied.length} migration(s))` : ''}`,
      `  redis:           ${config.REDIS_URL}`,
      `  e-mail:          ${config.SMTP_URL ? 'SMTP_URL' : `.eml files in ${path.join(config.DATA_DIR, 'mail')}`}`,
      `  inbound mail:    ${config.INBOUND_LMTP ? 'lmtp' : 'smtp'}://${workers.inbound?.host}:${workers.inbound?.port} for ${config.SECURITY_MAILBOX}`,
      ...(config.NODE_ENV === 'production'
        ? []
        : [
            '  development credentials:',
            `    admin login:      ${config.ADMIN_EMAIL} / ${config.ADMIN_PASSWORD}`,
            `    risk service key: Authorization: Bearer ${config.RISK_API_KEYS[0]}`,
          ]),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    server.close();
    server.closeAllConnections();
    await workers.close().catch(() => {});
    await runtime.close().catch(() => {});
    killChildren();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

await main();
