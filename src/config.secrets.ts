// Production rules for secrets: what "a real key" means, and every sample value this repository ships
// (development defaults, docker-compose, README examples), all of which production refuses.
// test/unit/config.secrets.test.ts scans the repository's sample files so a new sample value cannot be
// shipped without being refused here.

/**
 * Values shipped in the repository. A deployment that copied one of them is refused in production, even
 * where it would pass the strength check.
 */
export const SHIPPED_SAMPLE_VALUES: readonly string[] = [
  'dev:ZGV2LW9ubHktbWFzdGVyLWtleS1kby1ub3QtdXNlISE=',
  'ZGV2LW9ubHktbWFzdGVyLWtleS1kby1ub3QtdXNlISE=',
  'dev-risk-key',
  'dev-provider-key',
  'dev-only-appeal-token-secret-change-me',
  'admin-password-dev',
  'dev-only-audit-hmac-key-change-me-0000000000',
  'compose-risk-key',
  'compose-provider-key',
  'compose:Y29tcG9zZS1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXM=',
  'Y29tcG9zZS1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXM=',
  'compose-only-appeal-token-secret-0123456789',
  'compose-admin-password',
];

/** The shortest text form of 32 random bytes (base64url without padding). */
export const MIN_SECRET_CHARS = 43;

/** Shannon entropy of the string's own character distribution, in bits for the whole string. */
export function estimatedBits(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * s.length;
}

/**
 * A secret as long as 32 random bytes written in base64url (43 characters; hex is 64) whose characters
 * look random: at least 3.5 bits of entropy per character (random base64 gives ~5, random hex ~3.9;
 * "xxxx...", "aaaa1111..." and words-with-dashes stay far below), and not a shipped sample.
 */
export function isStrongSecret(s: string): boolean {
  if (SHIPPED_SAMPLE_VALUES.includes(s)) return false;
  if (s.length < MIN_SECRET_CHARS) return false;
  return estimatedBits(s) / s.length >= 3.5;
}

/** A keyring entry `id:base64(32 bytes)` whose key bytes are not an obvious pattern. */
export function isStrongMasterKey(entry: string): boolean {
  if (SHIPPED_SAMPLE_VALUES.includes(entry)) return false;
  const b64 = entry.slice(entry.indexOf(':') + 1);
  if (SHIPPED_SAMPLE_VALUES.includes(b64)) return false;
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== 32) return false;
  // 32 random bytes have ~30 distinct values; a repeated byte, ASCII text or a counter has far fewer
  // distinct values or only printable ones
  const distinct = new Set(bytes).size;
  const printable = bytes.every((b) => b >= 0x20 && b < 0x7f);
  return distinct >= 20 && !printable;
}

/**
 * TRUST_PROXY as Express defines it, without the blind `true`: a hop count ("1" behind the compose
 * nginx), or a comma list of addresses / CIDR ranges / the names loopback, linklocal, uniquelocal.
 * `false`/`0` = no proxy: req.ip is the socket's peer.
 */
export function parseTrustProxy(v: string): number | string[] | null {
  const t = v.trim();
  if (t === 'false') return 0;
  if (/^\d{1,2}$/.test(t)) return Number(t);
  if (t === 'true') return null;
  const parts = t
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const ok = parts.every(
    (p) => ['loopback', 'linklocal', 'uniquelocal'].includes(p) || /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(p),
  );
  return ok && parts.length > 0 ? parts : null;
}
