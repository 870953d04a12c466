// Benchmark 3b (issue 18): intake off the event loop, against limits measured in the same run.
// - the limit: the same uploads' checker + store work (checkOnPool: header, then the pool reads,
//   decodes, measures, encodes, hashes and encrypts; putSealed writes the blob) run directly on an
//   intake pool of the same size, no HTTP, at 8 and 16 concurrent callers;
// - the real endpoint (createApp, real PostgreSQL and Redis) at 8 and 16 clients and at 4x the intake
//   capacity (threads + queue), the clients retrying after Retry-After as the page does;
// - inside this (the API's) process: event-loop delay (monitorEventLoopDelay) and /healthz latency
//   (polled every 50 ms by a process of its own, not the busy load client) during the 16-client phase; peak RSS per phase against
//   a multer-to-disk endpoint's peak in the same process (the floor of receiving 5 MB bodies).
// The clients run in child processes (bench/intake-pool.clients.ts). The photo is the 4032x3024
// ~5 MB JPEG of bench/intake.ts. Every figure carries the 1-minute load average at the end of its phase.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { load, type Phase } from './intake-pool.clients.ts';

export async function run() {
  const [
    { default: express },
    { default: multer },
    { createApp },
    factories,
    { listen },
    lib,
    ip,
    st,
    bi,
    sv,
  ] = await Promise.all([
    import('express'),
    import('multer'),
    import('../src/app.ts'),
    import('../test/support/factories.ts'),
    import('../test/support/http.ts'),
    import('./lib.ts'),
    import('../src/modules/documents/documents.intake-pool.ts'),
    import('../src/platform/document-storage.ts'),
    import('./intake.ts'),
    import('../src/modules/documents/documents.service.ts'),
  ]);
  const { blockedOrder, RISK_KEY, tokenFromUrl } = factories;
  const { createBenchEnv, percentile, round, row, rssSampler, runBench, sleep } = lib;
  return runBench('intake-pool', '3b. Intake off the event loop (limits: the pool itself)', async () => {
    const perClient = Number(process.env.BENCH_POOL_PER_CLIENT ?? 3);
    // the throughput phases' window (the pool directly and the endpoint alike)
    let windowS = Number(process.env.BENCH_POOL_SECONDS ?? 8);
    const env = await createBenchEnv({ poolSize: 10 });
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'appeal-bench-pool-'));
    const sizing = ip.intakeSizing(env.config);
    const capacity = sizing.workers + sizing.maxQueue;
    // the API, with each answer's time as the server sees it: from the request's arrival to the last byte
    // of the answer handed to the socket (the load client, busy sending 16 bodies, adds its own delay)
    const served: { status: number; ms: number }[] = [];
    const api = createApp(env.deps);
    const timed = express();
    timed.use((_req, res, next) => {
      const t = performance.now();
      res.on('finish', () => served.push({ status: res.statusCode, ms: performance.now() - t }));
      next();
    });
    timed.use(api);
    const real = await listen(timed);
    const baselineApp = express();
    const upload = multer({ storage: multer.diskStorage({ destination: tmp }) }).single('file');
    baselineApp.post('/upload', upload, (req, res, next) => {
      if (!req.file) return void res.status(400).end();
      unlink(req.file.path)
        .then(() => res.status(201).json({ ok: true }))
        .catch(next);
    });
    const base = await listen(baselineApp, { plain: true });
    const sample = () => rssSampler(5);
    try {
      const photoPath = path.join(tmp, 'photo.jpg');
      await bi.writePhoto(photoPath);
      const appeals = (n: number) =>
        Promise.all(
          Array.from({ length: n }, async () => {
            const r = await fetch(`${real.url}/api/v1/blocked-orders`, {
              method: 'POST',
              headers: { authorization: `Bearer ${RISK_KEY}`, 'content-type': 'application/json' },
              body: JSON.stringify(blockedOrder()),
            });
            const j = (await r.json()) as { appealId: string; appealUrl: string };
            return {
              url: `${real.url}/api/v1/appeals/${j.appealId}/documents`,
              headers: { authorization: `Bearer ${tokenFromUrl(j.appealUrl)}` },
            };
          }),
        );
      const http = async (
        clients: number,
        o: { per?: number; seconds?: number; health?: boolean; expectContinue?: boolean },
      ) => {
        const targets = await appeals(clients);
        served.length = 0;
        const phase = await load(
          {
            photoPath,
            targets,
            perClient: o.per ?? 0,
            ...(o.seconds ? { seconds: o.seconds } : {}),
            retry: true,
            expectContinue: o.expectContinue ?? true,
            ...(o.health ? { healthUrl: `${real.url}/healthz` } : {}),
          },
          sample,
        );
        return {
          ...phase,
          seconds: o.seconds,
          served: served.filter((x) => x.status === 201 || x.status === 503),
        };
      };

      // 1. the floor: multer to disk at 16 clients (before anything of the checker ran here)
      global.gc?.();
      await sleep(300);
      const floor = await load(
        {
          photoPath,
          targets: Array.from({ length: 16 }, () => ({ url: `${base.url}/upload`, headers: {} })),
          perClient,
          retry: false,
          expectContinue: true,
        },
        sample,
      );

      // 2. the limit: the same work on the pool directly (the API's own pool, warmed first)
      const storage = st.documentStorage(env.config);
      const deps = { pools: env.deps.pools, storage };
      const direct = async (callers: number): Promise<{ perS: number; load1: number }> => {
        const files = Array.from({ length: callers }, (_, i) => {
          const f = path.join(tmp, `direct-${i}.jpg`);
          copyFileSync(photoPath, f);
          return f;
        });
        const started = performance.now();
        let done = 0;
        await Promise.all(
          files.map(async (f) => {
            while (performance.now() - started < windowS * 1000) {
              const c = await ip.checkOnPool(
                deps,
                {
                  path: f,
                  slot: 'ID_FRONT',
                  thresholds: sv.intakeThresholds(env.config),
                  ocrInput: false,
                },
                { admit: false },
              );
              if (!c.sealed) throw new Error('direct: no sealed copy');
              await st.putSealed(storage, c.sealed);
              if (performance.now() - started <= windowS * 1000) done += 1;
            }
          }),
        );
        return {
          perS: done / windowS,
          load1: os.loadavg()[0]!,
        };
      };
      const warm = windowS;
      windowS = 2;
      await direct(2);
      windowS = warm;
      const direct8 = await direct(8);
      const direct16 = await direct(16);

      // 3. the endpoint: one unloaded upload (median of 5), then 8, 16 and 4x capacity clients
      await http(1, { per: 2 });
      const single = await http(1, { per: 5 });
      const singleMs = percentile(
        single.attempts.map((a) => a.ms),
        50,
      );
      const real8 = await http(8, { seconds: windowS });
      const real16 = await http(16, { seconds: windowS, health: true });
      const over = 4 * capacity === 16 ? real16 : await http(4 * capacity, { seconds: windowS });
      // the page's way: a browser sends no Expect, so it hears a refusal only after it has sent its body
      const singleBrowser = await http(1, { per: 5, expectContinue: false });
      const overBrowser = await http(4 * capacity, { seconds: windowS, expectContinue: false });

      const accepted = (p: Phase) => p.attempts.filter((a) => a.status === 201);
      const refused = (p: Phase) => p.attempts.filter((a) => a.status === 503);
      const others = (p: Phase) => p.attempts.filter((a) => a.status !== 201 && a.status !== 503);
      const perS = (p: Phase & { seconds?: number }) =>
        p.seconds
          ? accepted(p).filter((a) => a.endMs <= p.seconds! * 1000).length / p.seconds
          : accepted(p).length / (p.ms / 1000);
      const ld = (x: number) => `load ${round(x, 1)}`;
      const thr8 = perS(real8) / direct8.perS;
      const thr16 = perS(real16) / direct16.perS;
      const loopP99 = real16.loopP99Ms;
      const healthP99 = percentile(real16.health, 99);
      const ref = refused(over);
      const refusedMax = ref.length ? Math.max(...ref.map((a) => a.ms)) : 0;
      const allRetryAfter = ref.every((a) => a.retryAfter !== null);
      const accP99 = percentile(
        accepted(over).map((a) => a.ms),
        99,
      );
      const accRatio = accP99 / singleMs;
      const servedRefusedMax = Math.max(0, ...over.served.filter((x) => x.status === 503).map((x) => x.ms));
      const servedAccP99 = percentile(
        over.served.filter((x) => x.status === 201).map((x) => x.ms),
        99,
      );
      const servedSingle = percentile(
        single.served.filter((x) => x.status === 201).map((x) => x.ms),
        50,
      );
      const browserRefusedMax = Math.max(0, ...refused(overBrowser).map((a) => a.ms));
      const browserAccRatio =
        percentile(
          accepted(overBrowser).map((a) => a.ms),
          99,
        ) /
        percentile(
          singleBrowser.attempts.map((a) => a.ms),
          50,
        );
      const rssOver = over.peakRssMB - floor.peakRssMB;
      const rssFlat = real16.peakRssMB - real8.peakRssMB;
      const clean = (p: Phase) => others(p).length === 0;
      const summary = (p: Phase) => ({
        attempts: p.attempts.length,
        accepted: accepted(p).length,
        refused: refused(p).length,
        other: others(p).map((a) => a.status),
        perSecond: round(perS(p), 2),
        acceptedP50: round(
          percentile(
            accepted(p).map((a) => a.ms),
            50,
          ),
          0,
        ),
        acceptedP99: round(
          percentile(
            accepted(p).map((a) => a.ms),
            99,
          ),
          0,
        ),
        loopDelayP99Ms: round(p.loopP99Ms, 1),
        clientLoopDelayP99Ms: round(p.clientLoopP99Ms ?? 0, 1),
        peakRssMB: round(p.peakRssMB, 0),
        seconds: round(p.ms / 1000, 1),
        load1: round(p.load1, 2),
      });
      return {
        rows: [
          row(
            'intake/s, 8 clients / checker+store on the pool, 8 callers',
            '>= 0.8x',
            `${round(thr8)}x (${round(perS(real8), 2)} vs ${round(direct8.perS, 2)}/s; ${ld(real8.load1)})`,
            thr8,
            thr8 >= 0.8 && clean(real8),
          ),
          row(
            'intake/s, 16 clients / checker+store on the pool, 16 callers',
            '>= 0.8x',
            `${round(thr16)}x (${round(perS(real16), 2)} vs ${round(direct16.perS, 2)}/s; ${ld(real16.load1)})`,
            thr16,
            thr16 >= 0.8 && clean(real16),
          ),
          row(
            'API event-loop delay p99, 16 uploading clients',
            '<= 50 ms',
            `${round(loopP99, 1)} ms (multer-to-disk floor ${round(floor.loopP99Ms, 1)} ms; ${ld(real16.load1)})`,
            loopP99,
            loopP99 <= 50,
          ),
          row(
            '/healthz p99 during that load',
            '<= 100 ms',
            `${round(healthP99, 1)} ms (${real16.health.length} polls; ${ld(real16.load1)})`,
            healthP99,
            healthP99 <= 100,
          ),
          row(
            `4x capacity (${4 * capacity} clients): slowest 503 + Retry-After`,
            '<= 100 ms',
            `${round(refusedMax, 1)} ms (${ref.length} refused${allRetryAfter ? '' : ', some without Retry-After'}; ${ld(over.load1)})`,
            refusedMax,
            refusedMax <= 100 && allRetryAfter && ref.length > 0 && clean(over),
          ),
          row(
            '4x capacity: slowest 503, as the server answered it (arrival to answer sent; information)',
            '(<= 100 ms)',
            `${round(servedRefusedMax, 1)} ms (${ld(over.load1)})`,
            servedRefusedMax,
            servedRefusedMax <= 100,
          ),
          row(
            '4x capacity: accepted p99 / one unloaded upload, as the server timed them (information)',
            '(<= 3x)',
            `${round(servedAccP99 / servedSingle)}x (${round(servedAccP99, 0)} vs ${round(servedSingle, 0)} ms; ${ld(over.load1)})`,
            servedAccP99 / servedSingle,
            servedAccP99 / servedSingle <= 3,
          ),
          row(
            '4x capacity: accepted p99 / one unloaded upload',
            '<= 3x',
            `${round(accRatio)}x (${round(accP99, 0)} vs ${round(singleMs, 0)} ms; ${ld(over.load1)})`,
            accRatio,
            accRatio <= 3,
          ),
          row(
            '4x capacity, clients sending no Expect (as a browser): slowest 503 (information)',
            '(<= 100 ms)',
            `${round(browserRefusedMax, 1)} ms (${refused(overBrowser).length} refused; ${ld(overBrowser.load1)})`,
            browserRefusedMax,
            browserRefusedMax <= 100,
          ),
          row(
            '4x capacity, clients sending no Expect: accepted p99 / one unloaded upload (information)',
            '(<= 3x)',
            `${round(browserAccRatio)}x (${round(perS(overBrowser), 2)} accepted/s; ${ld(overBrowser.load1)})`,
            browserAccRatio,
            browserAccRatio <= 3,
          ),
          row(
            '4x capacity: peak RSS - multer-to-disk peak (16 clients)',
            '<= 64 MB',
            `${round(rssOver, 1)} MB (${round(over.peakRssMB, 0)} vs ${round(floor.peakRssMB, 0)} MB; ${ld(over.load1)})`,
            rssOver,
            rssOver <= 64,
          ),
          row(
            'peak RSS 16 clients - 8 clients',
            'flat (<= 32 MB)',
            `${round(rssFlat, 1)} MB (${round(real16.peakRssMB, 0)} vs ${round(real8.peakRssMB, 0)} MB; ${ld(real16.load1)})`,
            rssFlat,
            rssFlat <= 32,
          ),
        ],
        details: {
          sizing: { ...sizing, capacity, retryAfterSeconds: env.config.INTAKE_RETRY_AFTER_SECONDS },
          perClient,
          windowSeconds: windowS,
          singleUploadMs: round(singleMs, 0),
          direct8: { perSecond: round(direct8.perS, 2), load1: round(direct8.load1, 2) },
          direct16: { perSecond: round(direct16.perS, 2), load1: round(direct16.load1, 2) },
          floor: summary(floor),
          real8: summary(real8),
          real16: { ...summary(real16), healthP50Ms: round(percentile(real16.health, 50), 1) },
          ...(over !== real16 ? { over: summary(over) } : {}),
          overWithoutExpect: summary(overBrowser),
          // the slowest refusals as the client saw them: connecting, then the answer's head, then its end
          slowestRefusals: refused(over)
            .sort((x, y) => y.ms - x.ms)
            .slice(0, 5)
            .map((a) => ({ ms: round(a.ms, 1), ...a.timeline })),
        },
        notes: [
          `intake capacity = ${sizing.workers} threads + ${sizing.maxQueue} waiting = ${capacity}; clients retry a 503 after its Retry-After (${env.config.INTAKE_RETRY_AFTER_SECONDS} s), as the page does; throughput counts uploads accepted within a ${windowS} s window in which every client keeps uploading (the pool directly: tasks done within the same window)`,
          'clients send Expect: 100-continue and their body after "100 Continue" (curl does for a body over 1 MB), except in the phase marked "no Expect" (fetch, like a browser, sends the body at once)',
          'RSS is the whole process (event loop and intake threads); the floor is a multer-to-disk endpoint at 16 clients in the same process',
        ],
      };
    } finally {
      await real.close();
      await base.close();
      await env.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { printResult } = await import('./lib.ts');
  printResult(await run());
  process.exit(0);
}
