// The audit chain's HMAC key (AUDIT_HMAC_KEY), held by the process and never by the database: whoever
// can write audit_log but does not hold the key cannot produce a record that verifies. Set once at boot
// (buildRuntime, the audit:verify script); appending without it fails closed.
let key: Buffer | null = null;

export function setAuditKey(secret: string): void {
  key = Buffer.from(secret, 'utf8');
}

export function auditKey(): Buffer {
  if (!key) throw new Error('the audit chain key is not configured (AUDIT_HMAC_KEY): refusing to append');
  return key;
}
