// The processes of benchmark 3b (bench/intake-pool.ts): the load client (BENCH_POOL_CLIENT=load) and the
// /healthz poller (BENCH_POOL_CLIENT=health), each spawned from this file so their event loops are not the
// API's; load() runs one phase of uploads against the API in this process and samples its RSS and loop.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface Target {
  url: string;
  headers: Record<string, string>;
}
export interface LoadOrder {
  photoPath: string;
  targets: Target[];
  perClient: number;
  /**
   * a throughput window instead: every client keeps uploading (retrying after Retry-After) until this
   * many seconds have passed; the rate counts uploads accepted within it, so no phase ends in a drain
   * where a few last clients (one of them pausing 3 s after a refusal) leave the pool half idle
   */
  seconds?: number;
  /** retry a 503 after Retry-After (the page's behaviour) */
  retry: boolean;
  /**
   * send `Expect: 100-continue` and the body only after "100 Continue", as curl does for a body over 1 MB;
   * false: fetch, which (like a browser) sends the body straight away
   */
  expectContinue: boolean;
  healthUrl?: string;
}
/** where a client-measured attempt's time went: connecting (0 on a reused socket), the answer's head */
export interface Timeline {
  connectMs: number;
  headersMs: number;
  newSocket: boolean;
}
export interface Attempt {
  timeline?: Timeline;
  ms: number;
  /** when it ended, from the phase's start */
  endMs: number;
  status: number;
  retryAfter: string | null;
}
export interface LoadReport {
  attempts: Attempt[];
  health: number[];
  ms: number;
  /** the load client's own event-loop delay p99 (its lag is in every client-measured time) */
  clientLoopP99Ms?: number;
}

const agent = new Agent({ keepAlive: true });

/**
 * A POST that sends its headers with `Expect: 100-continue` and its body only after "100 Continue": a
 * final answer before that (a refusal) ends the attempt without the body being sent.
 */
async function postExpectingContinue(
  url: string,
  headers: Record<string, string>,
  encoded: { type: string; bytes: Buffer },
): Promise<{ status: number; retryAfter: string | null; timeline: Timeline }> {
  const { bytes } = encoded;
  const u = new URL(url);
  const t0 = performance.now();
  const timeline: Timeline = { connectMs: 0, headersMs: 0, newSocket: false };
  return new Promise((resolve, reject) => {
    const req = request({
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      method: 'POST',
      agent,
      headers: {
        ...headers,
        'content-type': encoded.type,
        'content-length': String(bytes.length),
        expect: '100-continue',
      },
    });
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      timeline.newSocket = true;
      socket.once('connect', () => {
        timeline.connectMs = performance.now() - t0;
      });
    });
    req.on('continue', () => req.end(bytes));
    req.on('response', (res) => {
      timeline.headersMs = performance.now() - t0;
      res.resume();
      res.on('end', () => {
        const retryAfter = res.headers['retry-after'];
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
          timeline,
        });
        if (!req.writableEnded) req.destroy(); // refused before the body: it is never sent
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

async function encodeForm(form: FormData): Promise<{ type: string; bytes: Buffer }> {
  const r = new Response(form);
  return { type: r.headers.get('content-type')!, bytes: Buffer.from(await r.arrayBuffer()) };
}

async function clientMain(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const o = JSON.parse(input) as LoadOrder;
  const body = new Blob([new Uint8Array(await readFile(o.photoPath))], { type: 'image/jpeg' });
  const attempts: Attempt[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = performance.now();
  await Promise.all(
    o.targets.map(async ({ url, headers }) => {
      const formOf = () => {
        const form = new FormData();
        form.append('slot', 'ID_FRONT');
        form.append('file', body, 'photo.jpg');
        return form;
      };
      // encoded once, before any clock starts (fetch streams its form while sending)
      const encoded = o.expectContinue ? await encodeForm(formOf()) : null;
      const more = (i: number) =>
        o.seconds ? performance.now() - started < o.seconds * 1000 : i < o.perClient;
      for (let i = 0; more(i); ) {
        const form = formOf();
        const t = performance.now();
        const { status, retryAfter, timeline } = encoded
          ? await postExpectingContinue(url, headers, encoded)
          : await fetch(url, { method: 'POST', headers, body: form }).then(async (res) => {
              await res.arrayBuffer();
              return { status: res.status, retryAfter: res.headers.get('retry-after'), timeline: undefined };
            });
        attempts.push({
          ms: performance.now() - t,
          endMs: performance.now() - started,
          status,
          retryAfter,
          ...(timeline ? { timeline } : {}),
        });
        if (status === 503 && o.retry && retryAfter) {
          await new Promise((r) => setTimeout(r, Number(retryAfter) * 1000));
          continue;
        }
        i += 1;
      }
    }),
  );
  const ms = performance.now() - started;
  loop.disable();
  const clientLoopP99Ms = loop.percentile(99) / 1e6;
  process.stdout.write(
    `${JSON.stringify({ attempts, health: [], ms, clientLoopP99Ms } satisfies LoadReport)}\n`,
  );
}

/**
 * The /healthz poller, a process of its own (BENCH_POOL_CLIENT=health): every 50 ms until its stdin
 * closes, then the latencies. Polling from the load client measured that client's own event loop too,
 * busy sending 16 bodies of 5 MB (202-785 ms p99 on 4 Dec at load 2.5-4.3, the API's loop p99 27-29 ms).
 */
async function healthMain(): Promise<void> {
  const url = process.env.BENCH_POOL_HEALTH_URL!;
  let stop = false;
  process.stdin.on('data', () => undefined);
  process.stdin.on('end', () => {
    stop = true;
  });
  const health: number[] = [];
  while (!stop) {
    const t = performance.now();
    const r = await fetch(url);
    await r.arrayBuffer();
    health.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 50));
  }
  process.stdout.write(`${JSON.stringify(health)}\n`);
}

function startHealthPoller(url: string): { stop(): Promise<number[]> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_POOL_CLIENT: 'health', BENCH_POOL_HEALTH_URL: url },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return {
    async stop() {
      child.stdin.end();
      if ((await exited) !== 0) throw new Error('health poller failed');
      return JSON.parse(out.trim().split('\n').pop()!) as number[];
    },
  };
}

export interface Phase extends LoadReport {
  peakRssMB: number;
  loopP99Ms: number;
  load1: number;
}

export async function load(order: LoadOrder, sample: () => { stop(): number }): Promise<Phase> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_POOL_CLIENT: 'load' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  const rss = sample();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const poller = order.healthUrl ? startHealthPoller(order.healthUrl) : null;
  child.stdin.end(JSON.stringify(order));
  const code = await exited;
  const health = poller ? await poller.stop() : [];
  const peakRssMB = rss.stop();
  loop.disable();
  if (code !== 0) throw new Error(`load client exited with ${code}`);
  const report = { ...(JSON.parse(out.trim().split('\n').pop()!) as LoadReport), health };
  return { ...report, peakRssMB, loopP99Ms: loop.percentile(99) / 1e6, load1: os.loadavg()[0]! };
}

if (process.env.BENCH_POOL_CLIENT === 'load') {
  await clientMain();
} else if (process.env.BENCH_POOL_CLIENT === 'health') {
  await healthMain();
}
