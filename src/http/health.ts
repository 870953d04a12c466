// Liveness, readiness (database and Redis, each with a short timeout) and Prometheus metrics.
import { Router } from 'express';
import type { Deps } from '../platform/deps.ts';
import { matchKey } from './auth.ts';
import { errorBody } from './error-handler.ts';
import { renderMetrics } from './metrics.ts';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), ms).unref()),
  ]);
}

export function healthRoutes(deps: Deps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const checks: Record<string, 'ok' | string> = {};
    await Promise.all([
      withTimeout(deps.prisma.$queryRaw`SELECT 1`, 2_000, 'database')
        .then(() => {
          checks.database = 'ok';
        })
        .catch(() => {
          checks.database = 'unavailable';
        }),
      withTimeout(deps.redis.ping(), 2_000, 'redis')
        .then(() => {
          checks.redis = 'ok';
        })
        .catch(() => {
          checks.redis = 'unavailable';
        }),
    ]);
    const ok = Object.values(checks).every((v) => v === 'ok');
    if (ok) res.json({ status: 'ready', checks });
    else res.status(503).json(errorBody('DEPENDENCY.UNAVAILABLE', 'Not ready.', checks));
  });
  // metrics run database queries per hit: only for the scraper holding METRICS_TOKEN (unset = not served)
  r.get('/metrics', async (req, res) => {
    const token = deps.config.METRICS_TOKEN;
    if (!token) {
      res.status(404).json(errorBody('NOT_FOUND', 'No such route.'));
      return;
    }
    const m = /^Bearer\s+(\S{1,512})$/i.exec(req.get('authorization') ?? '');
    if (!m || matchKey(m[1]!, [token]) < 0) {
      res
        .set('WWW-Authenticate', 'Bearer')
        .status(401)
        .json(errorBody('AUTH.REQUIRED', 'The metrics token is required.'));
      return;
    }
    res
      .set('Cache-Control', 'no-store')
      .type('text/plain; version=0.0.4')
      .send(await renderMetrics(deps));
  });
  return r;
}
