// Abuse limits: fixed-window counters in Redis, shared by every API replica, kept by
// rate-limiter-flexible (RateLimiterRedis: one Lua script does SET NX EX + INCRBY + PTTL, so a
// consumption is atomic). Every attempt is RESERVED before the request goes on: N parallel requests can
// never all read "under the limit" and then all be served. A limit either counts every request, or only
// the failures it is about (e.g. 401s on appeal URLs, failed logins): then a point is consumed up front
// and given back (reward) when the answer turned out not to be a failure, so honest traffic is never
// throttled by a failure budget. The window is the fake-able business clock's fixed bucket (part of the
// key); Redis expires it.
//
// When Redis is unavailable the limits fail OPEN (the request goes through, a warning is logged at most
// once a minute per limit): the database-side protections stay in force (per-account login lockout,
// upload_attempts rows), appeal tokens carry 128 random bits, and an outage of a defence-in-depth
// counter must not lock every buyer out. `onRedisDown: 'closed'` answers 503 instead, for limits that
// must hold.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Deps } from '../platform/deps.ts';
import { AppError } from '../platform/errors.ts';
import { APPEAL_TOKEN_PREFIX, BUYER_COOKIE, STAFF_TOKEN_PREFIX } from './auth.ts';

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
  /**
   * countIf limits only: false = check the count and add a failure afterwards instead of reserving a
   * point up front. For limits in front of mostly honest, parallel traffic (service keys: 20 parallel
   * registrations must not be throttled by a 10-failure budget), where the guessed secret is too large
   * for the few extra guesses of a race to matter.
   */
  reserve?: boolean;
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
  return `${prefix}:rl:${name}:${bucket}:${bucketHash(key)}`;
}

function bucketHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
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
  const limiter = new RateLimiterRedis({
    storeClient: deps.redis,
    keyPrefix: `${deps.config.QUEUE_PREFIX}:rl:${rule.name}`,
    points: rule.max,
    // the key carries the window's bucket; the TTL only has to outlive it
    duration: Math.ceil(rule.windowMs / 1000) + 1,
    rejectIfRedisNotReady: true,
  });

  return async (req, res, next) => {
    const key = rule.key(req);
    if (key === null) return next();
    const now = deps.clock.now().getTime();
    const bucket = Math.floor(now / rule.windowMs);
    const rlKey = `${bucket}:${bucketHash(key)}`;
    const retryAfter = Math.max(1, Math.ceil(((bucket + 1) * rule.windowMs - now) / 1000));
    try {
      if (rule.countIf && rule.reserve === false) {
        const got = await withTimeout(limiter.get(rlKey), REDIS_TIMEOUT_MS);
        if (got && got.consumedPoints >= rule.max) throw got;
        const countIf = rule.countIf;
        res.on('finish', () => {
          if (countIf(req, res))
            limiter.consume(rlKey, 1).catch((e) => (e instanceof Error ? redisDown(e) : undefined));
        });
        return next();
      }
      await withTimeout(limiter.consume(rlKey, 1), REDIS_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        res.set('Retry-After', String(retryAfter));
        req.log?.warn({ limit: rule.name }, 'rate limited');
        return next(
          new AppError('RATE_LIMITED', 'Too many requests; try again later.', {
            limit: rule.name,
            retryAfterSeconds: retryAfter,
          }),
        );
      }
      redisDown(err);
      if (rule.onRedisDown === 'closed')
        return next(new AppError('DEPENDENCY.UNAVAILABLE', 'Try again shortly.'));
      return next();
    }
    if (rule.countIf) {
      const countIf = rule.countIf;
      // the point was reserved before the request ran; an answer that is not a counted failure gives it back
      res.on('finish', () => {
        if (!countIf(req, res)) limiter.reward(rlKey, 1).catch(redisDown);
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
  /** "continue on your phone" codes issued per appeal (appeals.handoff.routes.ts) */
  handoffIssuePerAppeal: { max: 5, windowMs: 10 * MINUTE },
  /** hand-off codes exchanged (POST /h/:code, used or not) per IP */
  handoffExchangePerIp: { max: 10, windowMs: MINUTE },
  /** hand-off pages opened (GET /h/:code) per IP */
  handoffPagePerIp: { max: 30, windowMs: MINUTE },
  /** refused Bearer keys that are neither appeal nor staff tokens (service/provider key guessing), per IP */
  serviceKeyFailures: { max: 10, windowMs: 15 * MINUTE },
} as const;

const APPEAL_PATHS = ['/a', '/api/v1/appeals', '/api/v1/buyer'];

/** A Bearer credential that is not an appeal or staff token: a service or provider key (or a guess). */
function carriesServiceKey(req: Request): boolean {
  const m = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '');
  return Boolean(m && !m[1]!.startsWith(APPEAL_TOKEN_PREFIX) && !m[1]!.startsWith(STAFF_TOKEN_PREFIX));
}

/** Mounted before `authenticate`: an invalid token is refused there, so it is counted from here. */
export function preAuthLimits(deps: RateLimitDeps): Router {
  const r = Router();
  r.use(
    rateLimit(deps, {
      name: 'service-key-failures',
      ...LIMITS.serviceKeyFailures,
      key: (req) => (carriesServiceKey(req) ? byIp(req) : null),
      countIf: (req, res) => res.statusCode === 401 && carriesServiceKey(req),
      reserve: false,
    }),
  );
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
 * src/http/upload-allowance.ts.)
 */
export function postAuthLimits(_deps: RateLimitDeps): Router {
  return Router();
}
