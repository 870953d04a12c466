// Who is calling. One middleware resolves the principal from a Bearer token or a cookie; route guards
// then say who may call. Token kinds are told apart by prefix (appeal tokens `apl_`, staff session
// tokens `stf_`); service and provider keys are compared in constant time against the configured lists.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Config } from '../config.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db.ts';
import { APPEAL_TOKEN_PREFIX, STAFF_TOKEN_PREFIX, sha256 } from '../platform/crypto.ts';
import { AppError } from '../platform/errors.ts';
import { appealByToken } from '../modules/appeals/appeals.token.ts';
import type { Principal, StaffRole } from '../platform/principal.ts';

export const BUYER_COOKIE = 'ad_buyer';
export const STAFF_COOKIE = 'ad_staff';
// the token helpers live in platform/crypto.ts; re-exported for the routes that take them from here
export { APPEAL_TOKEN_PREFIX, newToken, STAFF_TOKEN_PREFIX, sha256 } from '../platform/crypto.ts';

/** Constant-time membership test: every configured key is compared, whatever matches. */
export function matchKey(candidate: string, keys: readonly string[]): number {
  const c = createHash('sha256').update(candidate).digest();
  let found = -1;
  keys.forEach((k, i) => {
    const h = createHash('sha256').update(k).digest();
    if (timingSafeEqual(c, h) && found < 0) found = i;
  });
  return found;
}

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S{1,512})$/i.exec(header);
  return m?.[1] ?? null;
}

export interface AuthDeps {
  config: Config;
  prisma: Db;
  clock: Clock;
}

export function authenticate(deps: AuthDeps): RequestHandler {
  return async (req, _res, next) => {
    req.principal = { kind: 'anonymous' };
    const header = req.headers.authorization;
    const token = bearer(header);
    if (header && !token)
      return next(new AppError('AUTH.INVALID', 'The Authorization header is not a Bearer token.'));
    if (token) {
      req.principal = await fromToken(deps, token, 'bearer');
      return next();
    }
    const cookies = (req.cookies ?? {}) as Record<string, string | undefined>;
    const staffCookie = cookies[STAFF_COOKIE];
    const buyerCookie = cookies[BUYER_COOKIE];
    // A bad cookie is treated as no cookie: browsers keep stale cookies and the page must still load.
    if (staffCookie?.startsWith(STAFF_TOKEN_PREFIX)) {
      req.principal = await fromToken(deps, staffCookie, 'cookie').catch(
        () => ({ kind: 'anonymous' }) as Principal,
      );
    }
    if (req.principal.kind === 'anonymous' && buyerCookie?.startsWith(APPEAL_TOKEN_PREFIX)) {
      req.principal = await fromToken(deps, buyerCookie, 'cookie').catch(
        () => ({ kind: 'anonymous' }) as Principal,
      );
    }
    next();
  };
}

async function fromToken(deps: AuthDeps, token: string, via: 'bearer' | 'cookie'): Promise<Principal> {
  const now = deps.clock.now();
  if (token.startsWith(APPEAL_TOKEN_PREFIX)) {
    const appeal = await appealByToken(deps.prisma, token);
    if (!appeal) throw new AppError('AUTH.INVALID', 'This appeal link is not valid.');
    if (appeal.tokenExpiresAt <= now)
      throw new AppError(
        'AUTH.TOKEN_EXPIRED',
        'This appeal link has expired. Ask for a new link by e-mail.',
        {
          appealId: appeal.id,
        },
      );
    return { kind: 'buyer', appealId: appeal.id, via };
  }
  if (token.startsWith(STAFF_TOKEN_PREFIX)) {
    const session = await deps.prisma.staffSession.findUnique({
      where: { id: sha256(token) },
      include: { user: true },
    });
    if (!session || session.revokedAt)
      throw new AppError('AUTH.INVALID', 'The session is not valid; sign in again.');
    if (session.expiresAt <= now)
      throw new AppError('AUTH.SESSION_EXPIRED', 'The session has expired; sign in again.');
    const idleMs = deps.config.STAFF_IDLE_MINUTES * 60_000;
    if (session.lastSeenAt.getTime() + idleMs <= now.getTime()) {
      await deps.prisma.staffSession.updateMany({
        where: { id: session.id, revokedAt: null },
        data: { revokedAt: now },
      });
      throw new AppError(
        'AUTH.SESSION_EXPIRED',
        'The session ended after a period without use; sign in again.',
      );
    }
    if (!session.user.active) throw new AppError('AUTH.INVALID', 'This account is disabled.');
    // the idle clock restarts with use; written at most once a minute per session
    if (now.getTime() - session.lastSeenAt.getTime() >= LAST_SEEN_EVERY_MS) {
      await deps.prisma.staffSession.updateMany({
        where: { id: session.id, lastSeenAt: { lt: now } },
        data: { lastSeenAt: now },
      });
    }
    return {
      kind: 'staff',
      userId: session.user.id,
      email: session.user.email,
      name: session.user.name,
      roles: session.user.roles as StaffRole[],
      sessionId: session.id,
      csrfToken: session.csrfToken,
      totp: session.user.totpEnabledAt !== null,
      via,
    };
  }
  if (via === 'bearer') {
    const s = matchKey(token, deps.config.RISK_API_KEYS);
    if (s >= 0) return { kind: 'service', keyIndex: s };
    const p = matchKey(token, deps.config.REFUND_PROVIDER_KEYS);
    if (p >= 0) return { kind: 'provider', keyIndex: p };
  }
  throw new AppError('AUTH.INVALID', 'The credentials are not valid.');
}

const LAST_SEEN_EVERY_MS = 60_000;

export { appealByToken } from '../modules/appeals/appeals.token.ts';

/**
 * For routes that show identity documents: with STAFF_TOTP_REQUIRED, a staff user without an enrolled
 * second factor is refused (403 AUTH.MFA_REQUIRED). Enrolling ends every session opened without it.
 */
export function requireSecondFactor(config: Pick<Config, 'STAFF_TOTP_REQUIRED'>): RequestHandler {
  return (req, _res, next) => {
    const p = req.principal;
    if (config.STAFF_TOTP_REQUIRED && p.kind === 'staff' && !p.totp)
      return next(
        new AppError(
          'AUTH.MFA_REQUIRED',
          'Identity documents need a second factor: enrol TOTP (POST /api/v1/me/totp) and sign in again.',
        ),
      );
    next();
  };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Cookie-authenticated state changes must carry the session's CSRF token (Bearer clients need none). */
function checkCsrf(req: Parameters<RequestHandler>[0], expected: string): void {
  if (!UNSAFE.has(req.method)) return;
  const sent = req.get('x-csrf-token') ?? '';
  const a = Buffer.from(sha256(sent));
  const b = Buffer.from(sha256(expected));
  if (!sent || !timingSafeEqual(a, b))
    throw new AppError('AUTH.CSRF', 'Missing or wrong X-CSRF-Token header.');
}

/**
 * The buyer session cookie, as the appeal link (and the phone hand-off) sets it. SameSite=Strict: a link
 * clicked in a mail client is a cross-site navigation, so the page request after the redirect may arrive
 * without the cookie; the page's own same-origin API calls carry it, which is all the buyer page needs.
 * Secure whenever the public URL is https, like the staff cookie (req.secure is false behind a
 * TLS-terminating proxy that talks http to us).
 */
export function setBuyerCookie(
  res: Parameters<RequestHandler>[1],
  config: Pick<Config, 'PUBLIC_BASE_URL'>,
  token: string,
  expires: Date,
): void {
  res.cookie(BUYER_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: config.PUBLIC_BASE_URL.startsWith('https:'),
    path: '/',
    expires,
  });
}

/** The CSRF token for a buyer cookie session: derived from the token, so nothing more is stored. */
export function buyerCsrfToken(appealToken: string): string {
  return sha256(`csrf:${appealToken}`).slice(0, 32);
}

export function requireService(): RequestHandler {
  return (req, _res, next) => {
    const p = req.principal;
    if (p.kind === 'anonymous') return next(new AppError('AUTH.REQUIRED', 'A service key is required.'));
    if (p.kind !== 'service')
      return next(new AppError('AUTH.FORBIDDEN', 'Only the risk system may call this.'));
    next();
  };
}

export function requireStaff(...roles: StaffRole[]): RequestHandler {
  return (req, _res, next) => {
    const p = req.principal;
    if (p.kind === 'anonymous') return next(new AppError('AUTH.REQUIRED', 'Sign in to continue.'));
    if (p.kind !== 'staff') return next(new AppError('AUTH.FORBIDDEN', 'Staff only.'));
    if (roles.length && !roles.some((r) => p.roles.includes(r)))
      return next(new AppError('AUTH.FORBIDDEN', `Requires one of the roles: ${roles.join(', ')}.`));
    if (p.via === 'cookie') checkCsrf(req, p.csrfToken);
    next();
  };
}

/**
 * The buyer of the appeal in `req.params.id`, or staff with one of `staffRoles`. A buyer asking for any
 * other appeal gets 404: they must not learn that it exists.
 */
export function requireBuyerOf(param = 'id', staffRoles: StaffRole[] = []): RequestHandler {
  return (req, _res, next) => {
    const p = req.principal;
    const id = String(req.params[param] ?? '');
    if (p.kind === 'anonymous')
      return next(new AppError('AUTH.REQUIRED', 'Open the link from your e-mail to continue.'));
    if (p.kind === 'buyer') {
      if (p.appealId !== id) return next(new AppError('APPEAL.NOT_FOUND', 'No such appeal.'));
      if (p.via === 'cookie' && UNSAFE.has(req.method)) {
        const token = (req.cookies as Record<string, string>)[BUYER_COOKIE] ?? '';
        try {
          checkCsrf(req, buyerCsrfToken(token));
        } catch (e) {
          return next(e);
        }
      }
      return next();
    }
    if (p.kind === 'staff' && staffRoles.some((r) => p.roles.includes(r))) {
      if (p.via === 'cookie') checkCsrf(req, p.csrfToken);
      return next();
    }
    next(new AppError('AUTH.FORBIDDEN', 'Not allowed.'));
  };
}
