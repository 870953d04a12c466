// The instance a smoke or browser test talks to, chosen by environment variables, so one test file can
// run against the in-process app (the default), against `npm start` on an empty data folder with the
// embedded PGlite database, against `npm start` with PostgreSQL, or against any running instance:
//
//   (unset)                     in process: createApp + workers on a cloned PostgreSQL test database
//   APPEAL_TARGET=embedded      spawns `npm start` (src/start.ts) on a fresh DATA_DIR, no DATABASE_URL
//   APPEAL_TARGET=postgres      spawns `npm start` with DATABASE_URL = a fresh, empty PostgreSQL database
//   APPEAL_BASE_URL=http://...  an instance someone already started (dev credentials, or APPEAL_ADMIN_EMAIL /
//                               APPEAL_ADMIN_PASSWORD / APPEAL_RISK_KEY / APPEAL_PROVIDER_KEY)
//
// Everything a test does through a Target goes over HTTP (no database handle), so the same file proves
// the same behaviour on every database. Spawned instances get OCR_ENABLED=false (the card-number guard
// still runs; OCR is database-independent and slow on a shared machine).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { client } from './http.ts';
import { freePort, ROOT } from './procs.ts';
import { waitUntil } from './wait.ts';

export type TargetKind = 'in-process' | 'embedded' | 'postgres' | 'external';
type Role = 'REVIEWER' | 'LEAD' | 'FINANCE' | 'ADMIN' | 'SECURITY';

export interface Target {
  kind: TargetKind;
  url: string;
  call: ReturnType<typeof client>;
  riskKey: string;
  providerKey: string;
  admin: { email: string; password: string };
  /** a staff account made through POST /api/v1/staff (as the admin), signed in */
  staff(
    roles: Role[],
    name?: string,
  ): Promise<{ id: string; email: string; password: string; token: string }>;
  /** the output `npm start` printed (spawned targets only) */
  output(): string;
  close(): Promise<void>;
}

export function targetKind(env: NodeJS.ProcessEnv = process.env): TargetKind {
  if (env.APPEAL_BASE_URL) return 'external';
  const t = env.APPEAL_TARGET ?? '';
  if (t === 'embedded' || t === 'postgres') return t;
  if (t && t !== 'in-process') throw new Error(`APPEAL_TARGET=${t}: use embedded, postgres or in-process`);
  return 'in-process';
}

const ADMIN = {
  email: process.env.APPEAL_ADMIN_EMAIL ?? 'admin@appeal.local',
  password: process.env.APPEAL_ADMIN_PASSWORD ?? 'admin-password-dev',
};
const STAFF_PASSWORD = 'smoke-password-long-enough';

function withStaff(base: Omit<Target, 'staff' | 'admin'>): Target {
  let adminToken: string | null = null;
  return {
    ...base,
    admin: ADMIN,
    async staff(roles, name) {
      if (!adminToken) {
        const r = await base.call('POST', '/api/v1/auth/login', { body: ADMIN });
        if (r.status !== 200) throw new Error(`admin login: ${r.status} ${r.text}`);
        adminToken = r.body.token as string;
      }
      const tag = randomBytes(4).toString('hex');
      const email = `${roles[0]!.toLowerCase()}-${tag}@smoke.test`;
      const made = await base.call('POST', '/api/v1/staff', {
        token: adminToken,
        body: { email, name: name ?? `${roles[0]} ${tag}`, password: STAFF_PASSWORD, roles },
      });
      if (made.status !== 201) throw new Error(`create staff: ${made.status} ${made.text}`);
      const login = await base.call('POST', '/api/v1/auth/login', {
        body: { email, password: STAFF_PASSWORD },
      });
      if (login.status !== 200) throw new Error(`staff login: ${login.status} ${login.text}`);
      return { id: made.body.id, email, password: STAFF_PASSWORD, token: login.body.token };
    },
  };
}

async function spawnStart(kind: 'embedded' | 'postgres'): Promise<Target> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `appeal-${kind}-`));
  const port = await freePort();
  const env = { ...process.env } as NodeJS.ProcessEnv;
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'NODE_ENV', 'PUBLIC_BASE_URL', 'QUEUE_PREFIX']) delete env[k];
  Object.assign(env, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', OCR_ENABLED: 'false' });
  let dbName: string | null = null;
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (kind === 'postgres') {
    dbName = `appeal_smoke_${randomBytes(5).toString('hex')}`;
    const a = new pg.Client({ connectionString: adminUrl });
    await a.connect();
    await a.query(`CREATE DATABASE ${dbName}`);
    await a.end();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    env.DATABASE_URL = u.toString();
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/start.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 150_000;
  while (!out.includes('Press Ctrl-C to stop.') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!out.includes('Press Ctrl-C to stop.')) {
    child.kill('SIGKILL');
    throw new Error(`npm start (${kind}) did not come up:\n${out}`);
  }
  const url = `http://127.0.0.1:${port}`;
  return withStaff({
    kind,
    url,
    call: client(url),
    riskKey: 'dev-risk-key',
    providerKey: 'dev-provider-key',
    output: () => out,
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            r();
          }, 20_000);
          child.once('exit', () => {
            clearTimeout(t);
            r();
          });
        });
      }
      rmSync(dataDir, { recursive: true, force: true });
      if (dbName) {
        const a = new pg.Client({ connectionString: adminUrl });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await a.end();
      }
    },
  });
}

async function inProcess(): Promise<Target> {
  const [{ createTestEnv }, { createApp }, { startWorkers }, { listen }, { FakeClock }, { createMailer }] =
    await Promise.all([
      import('./env.ts'),
      import('../../src/app.ts'),
      import('../../workers/main.ts'),
      import('./http.ts'),
      import('../../src/platform/clock.ts'),
      import('../../src/platform/mailer.ts'),
    ]);
  const env = await createTestEnv({}, { clock: new FakeClock(new Date()) });
  const server = await listen(createApp(env.deps));
  const workers = await startWorkers(env.runtime, {
    mailer: createMailer(env.config, env.deps.logger),
    schedules: false,
  });
  return withStaff({
    kind: 'in-process',
    url: server.url,
    call: client(server.url),
    riskKey: env.config.RISK_API_KEYS[0]!,
    providerKey: env.config.REFUND_PROVIDER_KEYS[0]!,
    output: () => '',
    close: async () => {
      await workers.close();
      await server.close();
      await env.close();
    },
  });
}

/** Opens the target the environment names (see the top of this file). */
export async function openTarget(): Promise<Target> {
  const kind = targetKind();
  if (kind === 'embedded' || kind === 'postgres') return spawnStart(kind);
  if (kind === 'in-process') return inProcess();
  const url = process.env.APPEAL_BASE_URL!.replace(/\/$/, '');
  return withStaff({
    kind,
    url,
    call: client(url),
    riskKey: process.env.APPEAL_RISK_KEY ?? 'dev-risk-key',
    providerKey: process.env.APPEAL_PROVIDER_KEY ?? 'dev-provider-key',
    output: () => '',
    close: async () => {},
  });
}

/** Polls `fn` until it returns something truthy; throws after `ms` (the caller then asserts on state). */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000) {
  return waitUntil(what, fn, ms, 200);
}
