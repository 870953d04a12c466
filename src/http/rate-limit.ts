// Abuse limits: fixed-window counters in Redis (INCR + PEXPIRE in one MULTI), shared by every API
// replica. A limit either counts every request or only the failures it is about (e.g. 401s on appeal
// URLs, failed logins), so honest traffic is never throttled by a failure budget.
//
// When Redis is unavailable the limits fail OPEN (the request goes through, a warning is logged at most
// once a minute per limit): the database-side protections stay in force (per-account login lockout,
// upload_attempts rows), appeal tokens carry 128 random bits, and an outage of a defence-in-depth
// counter must not lock every buyer out. `onRedisDown: 'closed'` answers 503 instead, for limits that
// must hold.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { Deps } from '../platform/deps.ts';
import { AppError } from '../platform/errors.ts';
import { BUYER_COOKIE } from './auth.ts';

export interface RateLimitRule {
  /** names the counter (part of the Redis key) and the log lines */
  name: string;
  windowMs: number;
  /** requests (or counted failures) allowed per key and window */
  max: number;
  /** the bucket: an IP, an appeal id; null = this request is not limited */
  key: (req: Request) => string | null;
  /** count only responses for which this holds (failures); default: count every request up front */
  countIf?: (req: Request, res: Response) => boolean;
  onRedisDown?: 'open' | 'closed';
}

export type RateLimitDeps = Pick<Deps, 'redis' | 'clock' | 'logger'> & {
  config: Pick<Deps['config'], 'QUEUE_PREFIX'>;
};

const REDIS_TIMEOUT_MS = 500;
const DOWN_LOG_EVERY_MS = 60_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The Redis key of one counter; the bucket key is hashed so no address or id is stored in clear. */
export function rateLimitKey(prefix: string, name: string, bucket: number, key: string): string {
  return `${prefix}:rl:${name}:${bucket}:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

export function rateLimit(deps: RateLimitDeps, rule: RateLimitRule): RequestHandler {
  let lastDownLog = Number.NEGATIVE_INFINITY;
  const redisDown = (err: unknown) => {
    const t = performance.now();
    if (t - lastDownLog >= DOWN_LOG_EVERY_MS) {
      lastDownLog = t;
      deps.logger.warn(
        { limit: rule.name, err: (err as Error).message, onRedisDown: rule.onRedisDown ?? 'open' },
        'rate limit skipped: redis unavailable',
      );
    }
  };
  const incr = async (redisKey: string): Promise<number> => {
    const out = await withTimeout(
      deps.redis
        .multi()
        .incr(redisKey)
        .pexpire(redisKey, rule.windowMs + 1_000)
        .exec(),
      REDIS_TIMEOUT_MS,
    );
    const [err, n] = out?.[0] ?? [new Error('empty MULTI reply'), null];
    if (err) throw err;
    return Number(n);
  };

  return async (req, res, next) => {
    const key = rule.key(req);
    if (key === null) return next();
    const now = deps.clock.now().getTime();
    const bucket = Math.floor(now / rule.windowMs);
    const redisKey = rateLimitKey(deps.config.QUEUE_PREFIX, rule.name, bucket, key);
    const retryAfter = Math.max(1, Math.ceil(((bucket + 1) * rule.windowMs - now) / 1000));
    const limited = () => {
      res.set('Retry-After', String(retryAfter));
      req.log?.warn({ limit: rule.name }, 'rate limited');
      return next(
        new AppError('RATE_LIMITED', 'Too many requests; try again later.', {
          limit: rule.name,
          retryAfterSeconds: retryAfter,
        }),
      );
    };
    let count: number;
    try {
      count = rule.countIf
        ? Number((await withTimeout(deps.redis.get(redisKey), REDIS_TIMEOUT_MS)) ?? 0)
        : await incr(redisKey);
    } catch (err) {
      redisDown(err);
      if (rule.onRedisDown === 'closed')
        return next(new AppError('DEPENDENCY.UNAVAILABLE', 'Try again shortly.'));
      return next();
    }
    if (rule.countIf ? count >= rule.max : count > rule.max) return limited();
    if (rule.countIf) {
      const countIf = rule.countIf;
      res.on('finish', () => {
        if (countIf(req, res)) incr(redisKey).catch(redisDown);
      });
    }
    next();
  };
}

/** The client address as Express resolved it (X-Forwarded-For only with TRUST_PROXY). */
export const byIp = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** The request carries a credential of a buyer: a Bearer header, the buyer cookie or a link token. */
function carriesCredential(req: Request): boolean {
  return (
    Boolean(req.headers.authorization) ||
    Boolean((req.cookies as Record<string, string> | undefined)?.[BUYER_COOKIE]) ||
    req.originalUrl.startsWith('/a/')
  );
}

const MINUTE = 60_000;

/** The limits of the API (documented in README "Security"). */
export const LIMITS = {
  /** token guessing: appeal URLs answered 401 to a request that carried a token, per IP */
  appealTokenFailures: { max: 20, windowMs: 10 * MINUTE },
  /** appeal URLs without any credential, per IP */
  appealAnonymous: { max: 300, windowMs: 10 * MINUTE },
  /** uploads per appeal, by its buyer */
  uploadsPerAppeal: { max: 30, windowMs: 60 * MINUTE },
  /** failed logins per IP (the per-account lockout lives in the staff module) */
  loginFailuresPerIp: { max: 30, windowMs: 15 * MINUTE },
} as const;

const APPEAL_PATHS = ['/a', '/api/v1/appeals', '/api/v1/buyer'];

/** Mounted before `authenticate`: an invalid token is refused there, so it is counted from here. */
export function preAuthLimits(deps: RateLimitDeps): Router {
  const r = Router();
  r.use(
    APPEAL_PATHS,
    rateLimit(deps, {
      name: 'appeal-anonymous',
      ...LIMITS.appealAnonymous,
      key: (req) => (carriesCredential(req) ? null : byIp(req)),
    }),
    rateLimit(deps, {
      name: 'appeal-token-failures',
      ...LIMITS.appealTokenFailures,
      key: byIp,
      countIf: (req, res) => res.statusCode === 401 && carriesCredential(req),
    }),
  );
  r.post(
    '/api/v1/auth/login',
    rateLimit(deps, {
      name: 'login-failures-ip',
      ...LIMITS.loginFailuresPerIp,
      key: byIp,
      countIf: (_req, res) => res.statusCode === 401,
    }),
  );
  return r;
}

/**
 * Mounted after `authenticate`: limits that need to know who is calling. (The uploads' allowance,
 * LIMITS.uploadsPerAppeal and a more-information round's own, lives with the upload route:
 * src/modules/documents/documents.allowance.ts.)
 */
export function postAuthLimits(_deps: RateLimitDeps): Router {
  return Router();
}
