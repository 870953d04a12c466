// A real S3 protocol server on loopback for tests: s3rver 3.7.1 (pinned devDependency; unmaintained
// since 2021 but a faithful enough peer for put/get/head/list/delete with the SDK's checksums set to
// WHEN_REQUIRED, see storage.s3.ts). It runs as its own process so a test can stop it (storage down)
// and start it again on the same port and directory (the objects survive, as on a real outage).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, waitForPort } from './procs.ts';

export interface TestS3 {
  bucket: string;
  port: number;
  /** http://127.0.0.1:<port> (AWS_ENDPOINT_URL_S3) */
  endpoint: string;
  /** the server's data directory (objects of the bucket live under dir/<bucket>/) */
  dir: string;
  /** the environment an app process needs for STORAGE_URL=s3://<bucket>/<prefix> */
  env(prefix?: string): Record<string, string>;
  /** every object file's bytes in the bucket, read from the server's disk (for signature scans) */
  objectBodies(): { name: string; bytes: Buffer }[];
  /** SIGKILL (a storage outage); start() brings the same data back on the same port */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const S3_KEY = 'S3RVER';

export async function startTestS3(bucket = 'appeal-docs'): Promise<TestS3> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'appeal-s3-'));
  let child: ChildProcess | null = null;
  const bin = path.join(ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js');
  const self: TestS3 = {
    bucket,
    port,
    endpoint: `http://127.0.0.1:${port}`,
    dir,
    env: (prefix = 'documents') => ({
      STORAGE_URL: `s3://${bucket}/${prefix}`,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3_KEY,
      AWS_SECRET_ACCESS_KEY: S3_KEY,
      S3_FORCE_PATH_STYLE: 'true',
    }),
    objectBodies: () => {
      const out: { name: string; bytes: Buffer }[] = [];
      const walk = (d: string) => {
        let names: string[];
        try {
          names = readdirSync(d);
        } catch {
          return;
        }
        for (const n of names) {
          const p = path.join(d, n);
          if (statSync(p).isDirectory()) walk(p);
          else out.push({ name: path.relative(dir, p), bytes: readFileSync(p) });
        }
      };
      walk(path.join(dir, bucket));
      return out;
    },
    start: async () => {
      child = spawn(
        process.execPath,
        [bin, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--no-vhost-buckets'].concat([
          '--configure-bucket',
          bucket,
        ]),
        { stdio: 'ignore' },
      );
      await waitForPort(port, 20_000);
    },
    kill: async () => {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    },
    stop: async () => {
      await self.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}
