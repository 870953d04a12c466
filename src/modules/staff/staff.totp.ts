// The TOTP second factor of staff accounts (RFC 6238 through otplib: SHA-1, 6 digits, 30 s, the
// authenticator apps' defaults). The seed is sealed under the keyring (platform/crypto sealSecret); a
// code is accepted once (the last accepted time step is kept, a replay within its 30 s is refused) and
// one step either side is tolerated for clock skew. Enrolment: start (a fresh seed, not yet enforced),
// then confirm with a first code, which switches it on and ends the account's other sessions.
import { generateSecret, generateURI, verify } from 'otplib';
import { keyringOf, openSecret, sealSecret } from '../../platform/crypto.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';

const PURPOSE = 'staff-totp';
const ISSUER = 'Appeal desk';
/** one 30-second step either side */
const TOLERANCE_S = 30;

type TotpDeps = Pick<Deps, 'prisma' | 'clock' | 'config'>;

/** The time step a code is valid in, or null when it is not valid now (or was already used). */
export async function checkTotp(
  deps: Pick<Deps, 'clock' | 'config'>,
  sealed: string,
  code: string,
  lastStep: number | null,
): Promise<number | null> {
  const secret = openSecret(sealed, keyringOf(deps.config.DOCUMENT_MASTER_KEY), PURPOSE);
  const r = await verify({
    secret,
    token: code,
    epoch: Math.floor(deps.clock.now().getTime() / 1000),
    epochTolerance: TOLERANCE_S,
    ...(lastStep === null ? {} : { afterTimeStep: lastStep }),
  }).catch(() => ({ valid: false as const }));
  return r.valid && 'timeStep' in r ? r.timeStep : null;
}

/**
 * Marks `step` used; false when this or a later step was already accepted (a concurrent replay of the
 * same code loses here, inside the login transaction).
 */
export async function consumeTotpStep(
  db: Pick<Deps['prisma'], '$executeRaw'>,
  userId: string,
  step: number,
): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE staff_users SET totp_last_step = ${step}
    WHERE id = ${userId}::uuid AND (totp_last_step IS NULL OR totp_last_step < ${step})`;
  return n === 1;
}

/** Starts (or restarts, while not yet confirmed) an enrolment: a fresh seed, returned once. */
export async function startTotp(deps: TotpDeps, userId: string, source: AuditSource) {
  const user = await deps.prisma.staffUser.findUnique({ where: { id: userId } });
  if (!user) throw new AppError('STAFF.NOT_FOUND', 'No such staff user.');
  if (user.totpEnabledAt)
    throw new AppError('TOTP.NOT_PENDING', 'A second factor is already enrolled; ask an admin to reset it.');
  const secret = generateSecret();
  await deps.prisma.$transaction(async (tx) => {
    await tx.staffUser.update({
      where: { id: userId },
      data: {
        totpSecret: sealSecret(secret, keyringOf(deps.config.DOCUMENT_MASTER_KEY), PURPOSE),
        totpLastStep: null,
      },
    });
    await appendAudit(tx, { ...source, at: deps.clock.now(), action: 'TOTP_ENROLMENT_STARTED' });
  });
  return { secret, otpauthUrl: generateURI({ issuer: ISSUER, label: user.email, secret }) };
}

/** Confirms the enrolment with a first code; from now on every sign-in asks for a code. */
export async function confirmTotp(
  deps: TotpDeps,
  userId: string,
  sessionId: string,
  code: string,
  source: AuditSource,
): Promise<void> {
  const user = await deps.prisma.staffUser.findUnique({ where: { id: userId } });
  if (!user?.totpSecret || user.totpEnabledAt)
    throw new AppError('TOTP.NOT_PENDING', 'Start the enrolment first (POST /api/v1/me/totp).');
  const step = await checkTotp(deps, user.totpSecret, code, user.totpLastStep);
  if (step === null) throw new AppError('AUTH.TOTP_INVALID', 'The code is wrong or expired.');
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    if (!(await consumeTotpStep(tx, userId, step)))
      throw new AppError('AUTH.TOTP_INVALID', 'The code is wrong or expired.');
    await tx.staffUser.update({ where: { id: userId }, data: { totpEnabledAt: now } });
    // sessions opened with the password alone end; the one that proved the code goes on
    await tx.staffSession.updateMany({
      where: { userId, revokedAt: null, id: { not: sessionId } },
      data: { revokedAt: now },
    });
    await appendAudit(tx, { ...source, at: now, action: 'TOTP_ENABLED' });
  });
}
