// Child processes for benchmarks and fault tests: a private redis-server on a free port (so a test can
// FLUSHALL, stop or restart it without touching the machine's shared Redis) and worker / API processes
// (`node --import tsx workers/main.ts`) that a test can SIGKILL and start again.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A TCP port nobody listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port, or rejects after `ms`. */
export async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export interface PrivateRedis {
  port: number;
  url: string;
  pid(): number | undefined;
  /** SIGKILL (no save: the data is gone, as after a crash without persistence) */
  kill(): Promise<void>;
  /** starts a fresh, empty server on the same port */
  start(): Promise<void>;
  /** kill + start */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of our own on a free loopback port, without persistence. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'appeal-redis-'));
  let child: ChildProcess | null = null;
  const self: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => child?.pid,
    start: async () => {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: 'ignore' },
      );
      await waitForPort(port);
    },
    kill: async () => {
      const c = child;
      child = null;
      if (!c) return;
      c.kill('SIGKILL');
      await exited(c);
    },
    restart: async () => {
      await self.kill();
      await self.start();
    },
    stop: async () => {
      await self.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}

export interface NodeProc {
  child: ChildProcess;
  /** every line the process wrote to stdout and stderr */
  lines: string[];
  /** resolves with the first line matching `re` (or rejects after `ms` or when the process exits) */
  waitForLine(re: RegExp, ms?: number): Promise<string>;
  /** SIGKILL and wait for the exit */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit (graceful shutdown) */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Runs a TypeScript entry of this project in its own Node process (`node --import tsx <script>`). */
export function spawnNode(script: string, env: Record<string, string>): NodeProc {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const watchers: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onData = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      for (const w of [...watchers]) {
        if (w.re.test(line)) {
          watchers.splice(watchers.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const done = exited(child);
  return {
    child,
    lines,
    exited: done,
    waitForLine: (re, ms = 30_000) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${re} after ${ms} ms`)), ms);
        watchers.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void done.then((code) => {
          clearTimeout(timer);
          reject(
            new Error(
              `process exited (${code}) before a line matching ${re}:\n${lines.slice(-20).join('\n')}`,
            ),
          );
        });
      });
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await done;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return done;
    },
  };
}

/**
 * The worker process (workers/main.ts) with the given environment (DATABASE_URL, REDIS_URL,
 * QUEUE_PREFIX, SMTP_URL...); resolves once it logged "workers started".
 */
export async function startWorkerProcess(env: Record<string, string>, ms = 60_000): Promise<NodeProc> {
  const p = spawnNode('workers/main.ts', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    OCR_ENABLED: 'false',
    ...env,
  });
  await p.waitForLine(/workers started/, ms);
  return p;
}

/** The API process (src/server.ts); resolves once it logged "API listening". */
export async function startApiProcess(env: Record<string, string>, ms = 60_000): Promise<NodeProc> {
  const p = spawnNode('src/server.ts', { NODE_ENV: 'test', LOG_LEVEL: 'info', OCR_ENABLED: 'false', ...env });
  await p.waitForLine(/API listening/, ms);
  return p;
}
