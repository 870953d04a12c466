// Appeal link tokens. The token is HMAC(APPEAL_TOKEN_SECRET, nonce) with a random 128-bit nonce per
// appeal: only its sha-256 hash is looked up, the database alone cannot produce a working link, and a
// replayed registration returns the same link. Issuing a new nonce revokes the old link.
import { createHmac, randomBytes } from 'node:crypto';
import { APPEAL_TOKEN_PREFIX, sha256 } from './crypto.ts';

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
