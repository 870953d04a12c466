// The appeal a link token opens (the lookup and the promotion of a re-issued link write the appeals
// table, so they live in the appeals module; the token arithmetic is in platform/appeal-token.ts).
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../../platform/crypto.ts';
import type { Db } from '../../platform/db.ts';

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
