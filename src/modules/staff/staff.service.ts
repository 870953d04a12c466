// Staff accounts: login/logout with server-side sessions, the ADMIN's staff management, "me".
import { randomBytes } from 'node:crypto';
import { newToken, STAFF_TOKEN_PREFIX, sha256 } from '../../platform/crypto.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../platform/password.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { type AuditActor, appendAudit } from '../audit/audit.service.ts';
import { returnUntouchedCases } from '../review/review.routing.ts';
import type { TCreateStaffRequest, TUpdateStaffRequest } from './staff.schemas.ts';
import { BASE_LOCK_MS, isOnLeave, MAX_FAILED_LOGINS, MAX_LOCK_MS } from './staff.rules.ts';
import { checkTotp, consumeTotpStep } from './staff.totp.ts';

type StaffRow = Prisma.StaffUserGetPayload<object>;

const SYSTEM_ACTOR: AuditActor = { type: 'SYSTEM', id: null, label: 'system' };

function invalid(): AppError {
  // one message for an unknown e-mail and a wrong password: the answer must not reveal which accounts exist
  return new AppError('AUTH.INVALID', 'The e-mail address or the password is wrong.');
}

export interface LoginResult {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  user: { id: string; email: string; roles: string[] };
}

function totpRequired(): AppError {
  return new AppError(
    'AUTH.TOTP_REQUIRED',
    'Enter the 6-digit code from your authenticator app (send it as totpCode with the password).',
    { secondFactor: 'totp' },
  );
}

/**
 * Reserves one sign-in attempt BEFORE the password is checked, in one conditional UPDATE: the failure
 * counter goes up and, at the limit, the lock is set (the same schedule as staff.rules lockUntil: 1 min
 * after the 5th failure, doubling to 15 min). A locked account reserves nothing (no row comes back), so
 * of N parallel guesses at most the attempts left are ever checked. A success resets the counter.
 */
async function reserveAttempt(
  deps: Pick<Deps, 'prisma'>,
  userId: string,
  now: Date,
): Promise<{ failedLogins: number; lockedUntil: Date | null } | null> {
  const rows = await deps.prisma.$queryRaw<{ failed_logins: number; locked_until: Date | null }[]>`
    UPDATE staff_users
    SET failed_logins = failed_logins + 1,
        locked_until = CASE
          WHEN failed_logins + 1 >= ${MAX_FAILED_LOGINS}
          THEN ${now}::timestamptz + make_interval(secs => LEAST(${MAX_LOCK_MS / 1000}::float8,
                 ${BASE_LOCK_MS / 1000}::float8 * power(2, failed_logins + 1 - ${MAX_FAILED_LOGINS})))
          ELSE NULL END
    WHERE id = ${userId}::uuid AND (locked_until IS NULL OR locked_until <= ${now}::timestamptz)
    RETURNING failed_logins, locked_until`;
  const r = rows[0];
  return r ? { failedLogins: r.failed_logins, lockedUntil: r.locked_until } : null;
}

export async function login(
  deps: Pick<Deps, 'prisma' | 'clock' | 'config'>,
  input: { email: string; password: string; totpCode?: string },
  meta: { ip?: string; userAgent?: string; previousSessionId?: string } = {},
): Promise<LoginResult> {
  const now = deps.clock.now();
  const user = await deps.prisma.staffUser.findUnique({ where: { email: input.email } });
  // every refused attempt is audited with the address it came from; never the password typed
  const failed = (reason: string, err: AppError) =>
    appendAudit(deps.prisma, {
      at: now,
      actor: { type: 'SYSTEM', id: null, label: 'anonymous' },
      action: 'LOGIN_FAILED',
      target: user ? { type: 'STAFF_USER', id: user.id } : { type: 'EMAIL', id: input.email.slice(0, 200) },
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ?? null,
      data: { reason },
    }).then(() => Promise.reject(err));
  if (!user) {
    await verifyPassword(input.password, DUMMY_HASH); // same cost as a real check
    return failed('UNKNOWN_ACCOUNT', invalid());
  }
  const reserved = await reserveAttempt(deps, user.id, now);
  if (!reserved) {
    // a locked account answers exactly like a wrong password, at the same cost
    await verifyPassword(input.password, DUMMY_HASH);
    return failed('LOCKED', invalid());
  }
  const ok = await verifyPassword(input.password, user.passwordHash);
  if (!ok) return failed(reserved.lockedUntil ? 'WRONG_PASSWORD_LOCKED' : 'WRONG_PASSWORD', invalid());
  if (!user.active) return failed('INACTIVE', invalid());
  let totpStep: number | null = null;
  if (user.totpEnabledAt && user.totpSecret) {
    // the attempt stays counted: the second step must not become a free password oracle
    if (!input.totpCode) return failed('TOTP_REQUIRED', totpRequired());
    totpStep = await checkTotp(deps, user.totpSecret, input.totpCode, user.totpLastStep);
    if (totpStep === null)
      return failed('TOTP_INVALID', new AppError('AUTH.TOTP_INVALID', 'The code is wrong or expired.'));
  }

  const token = newToken(STAFF_TOKEN_PREFIX, 32);
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + deps.config.SESSION_TTL_HOURS * 3_600_000);
  const replayed = await deps.prisma.$transaction(async (tx) => {
    if (totpStep !== null && !(await consumeTotpStep(tx, user.id, totpStep))) return true;
    await tx.staffUser.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null } });
    // a login never reuses a session: the one presented (if any) ends, a fresh token is issued
    if (meta.previousSessionId) {
      await tx.staffSession.updateMany({
        where: { id: meta.previousSessionId, revokedAt: null },
        data: { revokedAt: now },
      });
    }
    await tx.staffSession.create({
      data: {
        id: sha256(token),
        userId: user.id,
        csrfToken,
        createdAt: now,
        lastSeenAt: now,
        expiresAt,
        ip: meta.ip?.slice(0, 64) ?? null,
        userAgent: meta.userAgent?.slice(0, 256) ?? null,
      },
    });
    await appendAudit(tx, {
      at: now,
      actor: { type: 'STAFF', id: user.id, label: user.email },
      action: 'LOGIN_SUCCEEDED',
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ?? null,
      ...(totpStep === null ? {} : { data: { secondFactor: 'totp' } }),
    });
    return false;
  });
  if (replayed)
    return failed('TOTP_REPLAYED', new AppError('AUTH.TOTP_INVALID', 'The code is wrong or expired.'));
  return { token, csrfToken, expiresAt, user: { id: user.id, email: user.email, roles: user.roles } };
}

export async function logout(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  sessionId: string,
  source?: AuditSource,
): Promise<void> {
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    const ended = await tx.staffSession.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { revokedAt: now },
    });
    // the session id is the token's hash: the audit names the user, not the session
    if (ended.count > 0 && source) await appendAudit(tx, { ...source, at: now, action: 'LOGOUT' });
  });
}

async function openCounts(deps: Pick<Deps, 'prisma'>, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await deps.prisma.appeal.groupBy({
    by: ['assigneeId'],
    where: { assigneeId: { in: ids }, status: 'IN_REVIEW' },
    _count: { _all: true },
  });
  return new Map(rows.map((r) => [r.assigneeId!, r._count._all]));
}

function view(u: StaffRow, open: number) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    roles: u.roles,
    active: u.active,
    onLeaveUntil: u.onLeaveUntil?.toISOString() ?? null,
    maxOpenCases: u.maxOpenCases,
    languages: u.languages,
    openCases: open,
    lastAssignedAt: u.lastAssignedAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    totpEnabled: u.totpEnabledAt !== null,
  };
}
export type StaffView = ReturnType<typeof view>;

export async function getStaff(deps: Pick<Deps, 'prisma'>, id: string): Promise<StaffView> {
  const u = await deps.prisma.staffUser.findUnique({ where: { id } });
  if (!u) throw new AppError('STAFF.NOT_FOUND', 'No such staff user.');
  return view(u, (await openCounts(deps, [id])).get(id) ?? 0);
}

export async function listStaff(
  deps: Pick<Deps, 'prisma'>,
  q: { limit: number; cursor?: string; role?: string },
): Promise<{ items: StaffView[]; nextCursor: string | null }> {
  let ids: string[] | undefined;
  if (q.role) {
    // Prisma's `has` on enum arrays fails under PGlite: filter roles in SQL
    const rows = await deps.prisma.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM staff_users WHERE ${q.role} = ANY(roles::text[])`;
    ids = rows.map((r) => r.id);
  }
  const users = await deps.prisma.staffUser.findMany({
    where: ids ? { id: { in: ids } } : {},
    orderBy: { id: 'asc' },
    take: q.limit + 1,
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
  });
  const page = users.slice(0, q.limit);
  const counts = await openCounts(
    deps,
    page.map((u) => u.id),
  );
  return {
    items: page.map((u) => view(u, counts.get(u.id) ?? 0)),
    nextCursor: users.length > q.limit ? page[page.length - 1]!.id : null,
  };
}

export async function createStaff(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  input: TCreateStaffRequest,
  source?: AuditSource,
): Promise<StaffView> {
  const passwordHash = await hashPassword(input.password);
  try {
    const u = await deps.prisma.$transaction(async (tx) => {
      const created = await tx.staffUser.create({
        data: {
          email: input.email,
          name: input.name,
          passwordHash,
          roles: { set: [...new Set(input.roles)] },
          ...(input.maxOpenCases === undefined ? {} : { maxOpenCases: input.maxOpenCases }),
          languages: input.languages ?? [],
        },
      });
      await appendAudit(tx, {
        ...(source ?? { actor: SYSTEM_ACTOR }),
        at: deps.clock.now(),
        action: 'STAFF_CREATED',
        target: { type: 'STAFF_USER', id: created.id },
        data: { email: created.email, roles: created.roles },
      });
      return created;
    });
    return view(u, 0);
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
      throw new AppError('STAFF.EMAIL_TAKEN', `A staff account with the e-mail ${input.email} exists.`);
    throw err;
  }
}

/**
 * Changes an account. Putting a reviewer on leave (or deactivating them) returns their untouched open
 * cases to the pool and re-routes them, in the same transaction; a deactivated account's sessions end.
 */
export async function updateStaff(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  id: string,
  input: TUpdateStaffRequest,
  actorId: string,
  source?: AuditSource,
): Promise<StaffView> {
  const now = deps.clock.now();
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  await deps.prisma.$transaction(
    async (tx) => {
      // Lock the account first: a router waiting for this row re-checks availability once we commit, so
      // no case can be routed to a reviewer in the middle of going on leave.
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT id::text FROM staff_users WHERE id = ${id}::uuid FOR UPDATE`;
      const before = locked.length ? await tx.staffUser.findUnique({ where: { id } }) : null;
      if (!before) throw new AppError('STAFF.NOT_FOUND', 'No such staff user.');
      const onLeaveUntil =
        input.onLeaveUntil === undefined
          ? before.onLeaveUntil
          : input.onLeaveUntil === null
            ? null
            : new Date(input.onLeaveUntil);
      const active = input.active ?? before.active;
      const unavailable = !active || isOnLeave(onLeaveUntil, now);
      const wasAvailable = before.active && !isOnLeave(before.onLeaveUntil, now);
      if (unavailable && wasAvailable) {
        await returnUntouchedCases(tx, {
          reviewerId: id,
          now,
          actor: { type: 'STAFF', id: actorId },
          reason: active ? 'REVIEWER_ON_LEAVE' : 'REVIEWER_DEACTIVATED',
        });
      }
      await tx.staffUser.update({
        where: { id },
        data: {
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(input.roles === undefined ? {} : { roles: { set: [...new Set(input.roles)] } }),
          active,
          onLeaveUntil,
          ...(input.maxOpenCases === undefined ? {} : { maxOpenCases: input.maxOpenCases }),
          ...(input.languages === undefined ? {} : { languages: { set: input.languages } }),
          ...(passwordHash ? { passwordHash, failedLogins: 0, lockedUntil: null } : {}),
        },
      });
      if (!active || passwordHash) {
        await tx.staffSession.updateMany({
          where: { userId: id, revokedAt: null },
          data: { revokedAt: now },
        });
      }
      // the names of the fields changed and the new roles/flags; a new password shows only as 'password'
      await appendAudit(tx, {
        ...(source ?? { actor: { type: 'STAFF', id: actorId } }),
        at: now,
        action: 'STAFF_UPDATED',
        target: { type: 'STAFF_USER', id },
        data: {
          fields: Object.keys(input).sort(),
          ...(input.roles === undefined ? {} : { roles: [...new Set(input.roles)] }),
          ...(input.active === undefined ? {} : { active: input.active }),
          ...(input.onLeaveUntil === undefined ? {} : { onLeaveUntil: input.onLeaveUntil }),
        },
      });
    },
    { timeout: 15_000 },
  );
  return getStaff(deps, id);
}
