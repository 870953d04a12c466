// Appeal link tokens. The token is HMAC(APPEAL_TOKEN_SECRET, nonce) with a random 128-bit nonce per
// appeal: only its sha-256 hash is looked up, the database alone cannot produce a working link, and a
// replayed registration returns the same link. Issuing a new nonce revokes the old link.
import { createHmac, randomBytes } from 'node:crypto';
import { timingSafeEqual } from 'node:crypto';
import { APPEAL_TOKEN_PREFIX, sha256 } from '../../platform/crypto.ts';
import type { Db } from '../../platform/db.ts';

export function newTokenNonce(): string {
  return randomBytes(16).toString('hex');
}

export function appealToken(nonce: string, secret: string): string {
  return APPEAL_TOKEN_PREFIX + createHmac('sha256', secret).update(nonce).digest('base64url');
}

export function tokenHash(token: string): string {
  return sha256(token);
}

export function appealUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/a/${token}`;
}

/**
 * The appeal a link token opens, or null. The current link, or a reissued link not used yet: opening
 * that one makes it the current link and ends the old one, in one UPDATE (appeals.reissue.ts).
 */
export async function appealByToken(
  prisma: Db,
  token: string,
): Promise<{ id: string; tokenExpiresAt: Date } | null> {
  const hash = sha256(token);
  const current = async () => {
    const a = await prisma.appeal.findUnique({
      where: { tokenHash: hash },
      select: { id: true, tokenHash: true, tokenExpiresAt: true },
    });
    return a && timingSafeEqual(Buffer.from(a.tokenHash), Buffer.from(hash))
      ? { id: a.id, tokenExpiresAt: a.tokenExpiresAt }
      : null;
  };
  const found = await current();
  if (found) return found;
  const promoted = await prisma.$queryRaw<{ id: string; token_expires_at: Date }[]>`
    UPDATE appeals
    SET token_hash = pending_token_hash, token_nonce = pending_token_nonce,
        token_expires_at = pending_token_expires_at,
        pending_token_hash = NULL, pending_token_nonce = NULL, pending_token_expires_at = NULL
    WHERE pending_token_hash = ${hash} AND pending_token_nonce IS NOT NULL
    RETURNING id::text AS id, token_expires_at`;
  const p = promoted[0];
  if (p) return { id: p.id, tokenExpiresAt: p.token_expires_at };
  // a concurrent request may have promoted it between the two statements
  return current();
}
