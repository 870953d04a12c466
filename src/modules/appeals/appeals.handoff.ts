// "Continue on your phone" (issue 20 point 4). The buyer's desktop page asks for a one-time code; its QR
// code opens /h/<code> on the phone, where one button exchanges the code for the buyer's session.
//
// - The code is 24 random bytes (192 bits) in base64url. It is not derived from the appeal token and
//   never contains it; only its sha-256 is stored (appeal_handoffs.code_hash), with the appeal and the
//   expiry: HANDOFF_TTL_MS (3 minutes) from the business clock.
// - Exchanging is one UPDATE ... WHERE used_at IS NULL AND expires_at > now RETURNING: of two phones
//   pressing the button at once exactly one gets the session, and a used or expired code is refused.
// - What the phone receives is the buyer session exactly as the appeal link gives it: the current appeal
//   token, rebuilt from the appeal's nonce (platform/appeal-token.ts), in the same cookie. The code is worth
//   nothing after the exchange and outlives no one's session.
// - Both events are audited (HANDOFF_ISSUED, HANDOFF_EXCHANGED); a refused exchange is not (it carries no
//   appeal), the per-IP rate limit bounds guessing.
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { sha256 } from '../../platform/crypto.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { appealToken, tokenHash } from '../../platform/appeal-token.ts';

export const HANDOFF_TTL_MS = 3 * 60_000;
/** 24 bytes -> 32 base64url characters */
const CODE_BYTES = 24;
export const HANDOFF_CODE = /^[A-Za-z0-9_-]{32}$/;
/** how long a code's row is kept after it expired: what GET .../handoff lists */
const KEEP_MS = 10 * 60_000;

export function handoffUrl(publicBaseUrl: string, code: string): string {
  return `${publicBaseUrl}/h/${code}`;
}

export interface IssuedHandoff {
  code: string;
  url: string;
  expiresAt: Date;
  expiresInSeconds: number;
  /** the url as a QR code, an SVG document (rendered here, so the page needs no QR library) */
  qrSvg: string;
}

export async function issueHandoff(
  deps: Pick<Deps, 'prisma' | 'clock' | 'config'>,
  appealId: string,
  source: AuditSource,
): Promise<IssuedHandoff> {
  const now = deps.clock.now();
  const code = randomBytes(CODE_BYTES).toString('base64url');
  const expiresAt = new Date(now.getTime() + HANDOFF_TTL_MS);
  await deps.prisma.$transaction(async (tx) => {
    const a = await tx.appeal.findUnique({ where: { id: appealId }, select: { id: true } });
    if (!a) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
    // the appeal's codes that ended long ago go (the recent ones stay for recentHandoffs)
    await tx.appealHandoff.deleteMany({
      where: { appealId, expiresAt: { lt: new Date(now.getTime() - KEEP_MS) } },
    });
    await tx.appealHandoff.create({ data: { codeHash: sha256(code), appealId, expiresAt, createdAt: now } });
    await appendAudit(tx, {
      ...source,
      at: now,
      action: 'HANDOFF_ISSUED',
      appealId,
      data: { expiresAt: expiresAt.toISOString() },
    });
  });
  const url = handoffUrl(deps.config.PUBLIC_BASE_URL, code);
  const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { code, url, expiresAt, expiresInSeconds: HANDOFF_TTL_MS / 1000, qrSvg };
}

/**
 * The appeal's codes of the last 10 minutes, newest first, for the desktop page to see that its code was
 * used (never the code or its hash).
 */
export async function recentHandoffs(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  appealId: string,
): Promise<{ issuedAt: Date; expiresAt: Date; usedAt: Date | null }[]> {
  const since = new Date(deps.clock.now().getTime() - KEEP_MS);
  const rows = await deps.prisma.appealHandoff.findMany({
    where: { appealId, createdAt: { gte: since } },
    orderBy: { createdAt: 'desc' },
    take: 20,
    select: { createdAt: true, expiresAt: true, usedAt: true },
  });
  return rows.map((r) => ({ issuedAt: r.createdAt, expiresAt: r.expiresAt, usedAt: r.usedAt }));
}

export type HandoffState = 'VALID' | 'USED' | 'EXPIRED' | 'UNKNOWN';

/** What a code is now, without using it (the page the QR code opens). */
export async function handoffState(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  code: string,
): Promise<HandoffState> {
  if (!HANDOFF_CODE.test(code)) return 'UNKNOWN';
  const h = await deps.prisma.appealHandoff.findUnique({
    where: { codeHash: sha256(code) },
    select: { usedAt: true, expiresAt: true },
  });
  if (!h) return 'UNKNOWN';
  if (h.usedAt) return 'USED';
  return h.expiresAt <= deps.clock.now() ? 'EXPIRED' : 'VALID';
}

function refused(state: Exclude<HandoffState, 'VALID'>): AppError {
  if (state === 'USED')
    return new AppError('HANDOFF.USED', 'This code was already used. Ask for a new code on your computer.');
  if (state === 'EXPIRED')
    return new AppError('HANDOFF.EXPIRED', 'This code has expired. Ask for a new code on your computer.');
  return new AppError('HANDOFF.NOT_FOUND', 'This code is not valid.');
}

/**
 * Uses the code once: the buyer session (the appeal's current token and its expiry) for the cookie.
 * Throws HANDOFF.USED / HANDOFF.EXPIRED (410) or HANDOFF.NOT_FOUND (404).
 */
export async function exchangeHandoff(
  deps: Pick<Deps, 'prisma' | 'clock' | 'config'>,
  code: string,
  source: Omit<AuditSource, 'actor'>,
): Promise<{ appealId: string; token: string; expiresAt: Date }> {
  if (!HANDOFF_CODE.test(code)) throw refused('UNKNOWN');
  const now = deps.clock.now();
  const hash = sha256(code);
  return deps.prisma.$transaction(async (tx) => {
    const used = await tx.$queryRaw<{ appeal_id: string }[]>`
      UPDATE appeal_handoffs SET used_at = ${now}
      WHERE code_hash = ${hash} AND used_at IS NULL AND expires_at > ${now}
      RETURNING appeal_id::text AS appeal_id`;
    const appealId = used[0]?.appeal_id;
    if (!appealId) {
      const h = await tx.appealHandoff.findUnique({
        where: { codeHash: hash },
        select: { usedAt: true },
      });
      throw refused(!h ? 'UNKNOWN' : h.usedAt ? 'USED' : 'EXPIRED');
    }
    const a = await tx.appeal.findUnique({
      where: { id: appealId },
      select: { tokenNonce: true, tokenHash: true, tokenExpiresAt: true },
    });
    const token = a ? appealToken(a.tokenNonce, deps.config.APPEAL_TOKEN_SECRET) : '';
    // the appeal link itself has expired (or was replaced under a rotated secret): no session to give
    if (!a || a.tokenExpiresAt <= now || tokenHash(token) !== a.tokenHash) throw refused('EXPIRED');
    await appendAudit(tx, {
      ...source,
      actor: { type: 'BUYER', id: appealId, label: 'buyer (second device)' },
      at: now,
      action: 'HANDOFF_EXCHANGED',
      appealId,
    });
    return { appealId, token, expiresAt: a.tokenExpiresAt };
  });
}
