// `npm start` with no DATABASE_URL and no REDIS_URL: embedded PGlite + a private redis-server; serves
// /healthz and /readyz, accepts a registration, and Ctrl-C leaves no process behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { client } from '../support/http.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start on embedded defaults', () => {
  it('starts API, workers, PGlite and a private Redis, and stops them all on SIGINT', {
    timeout: 120_000,
  }, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'appeal-start-'));
    const port = await freePort();
    const env = {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    } as NodeJS.ProcessEnv;
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    delete env.NODE_ENV;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/start.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const deadline = Date.now() + 90_000;
    while (!out.includes('Press Ctrl-C to stop.') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(out).toContain('Appeal desk is running.');
    expect(out).toContain('embedded PGlite');
    // the first run on an empty data folder says what it is doing while it migrates
    expect(out).toMatch(/checking and applying migrations[^\n]*\.\.\.\n/);
    expect(out).toMatch(/applied \d+ migration\(s\)/);
    expect(out.indexOf('applying migrations')).toBeLessThan(out.indexOf('Appeal desk is running.'));
    const redisPid = Number(/private redis-server on port \d+ \(pid (\d+)\)/.exec(out)?.[1]);
    expect(alive(redisPid)).toBe(true);

    const call = client(`http://127.0.0.1:${port}`);
    expect((await call('GET', '/healthz')).status).toBe(200);
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'ok', redis: 'ok' });
    const reg = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
    expect(reg.status).toBe(201);
    expect(reg.body.appealUrl).toContain(`http://localhost:${port}/a/apl_`);
    // a staff login writes its session and an audit record in one transaction: on PGlite too
    const login = await call('POST', '/api/v1/auth/login', {
      body: { email: 'admin@appeal.local', password: 'admin-password-dev' },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.roles).toEqual(['ADMIN']);
    const audit = await call('GET', '/api/v1/audit?action=LOGIN_SUCCEEDED', { token: login.body.token });
    expect(audit.status).toBe(200);
    expect(audit.body.items).toHaveLength(1);

    child.kill('SIGINT');
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 50 && alive(redisPid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(redisPid)).toBe(false);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
