// The append-only, hash-chained audit trail: logins (and failures), document views, decisions,
// assignments, refund events, exports and admin changes - who, what, when, from where.
//
// Each record carries the MAC of the one before it: hash = HMAC-SHA256(AUDIT_HMAC_KEY, prevHash +
// canonical JSON of the record's fields). The key lives outside the database (platform/audit-key.ts), so
// someone who can write audit_log cannot recompute a chain that verifies. Editing a record breaks its own
// hash; deleting or reordering one breaks the next record's link; cutting the tail is caught by the
// signed head files (audit.head.ts). Records written before the chain was keyed (plain sha256) verify
// only as a prefix: after the first keyed record every record must be keyed. The database also refuses
// UPDATE/DELETE/TRUNCATE on audit_log (trigger + REVOKE, migration security_hardening).
// Ids are not used as proof (sequences skip on rollback); only the prevHash links are.
//
// Appends are serialised by a transaction-scoped advisory lock taken before the last hash is read, so
// two concurrent appends can never both chain onto the same predecessor (a fork). The lock is held until
// the caller's transaction ends: call appendAudit as the LAST statement of a transaction, after its row
// locks, so audited transactions queue briefly on the lock instead of deadlocking on each other.
import { createHash, createHmac } from 'node:crypto';
import { auditKey } from '../../platform/audit-key.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Db, Tx } from '../../platform/db.ts';
import { canonicalJson } from '../../platform/json.ts';

export type AuditActorType = 'BUYER' | 'STAFF' | 'SERVICE' | 'SYSTEM' | 'PROVIDER';

export interface AuditActor {
  type: AuditActorType;
  /** staff user id, appeal id for a buyer, key index for a service; null when unknown */
  id?: string | null;
  /** a human label (staff e-mail, 'anonymous', 'retention job'); never a token or password */
  label?: string | null;
}

export interface AuditEntry {
  /** business time: deps.clock.now() */
  at: Date;
  actor: AuditActor;
  /** e.g. LOGIN_SUCCEEDED, LOGIN_FAILED, DOCUMENT_VIEWED, DECISION_MADE, CASE_ASSIGNED, LEGAL_HOLD_SET */
  action: string;
  appealId?: string | null;
  target?: { type: string; id: string } | null;
  ip?: string | null;
  userAgent?: string | null;
  /** ids and small facts only (never card digits beyond the last 4, tokens, passwords) */
  data?: Prisma.InputJsonValue | null;
}

/** prevHash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The advisory-lock key that serialises appends (any constant unique to this use). */
export const AUDIT_LOCK_KEY = 0x61756469; // "audi"

const MAX_UA = 512;
const MAX_LABEL = 200;

/** The fields covered by the hash, in the form they are stored (and read back) in. */
interface HashedFields {
  at: string;
  actorType: AuditActorType;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  appealId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: unknown;
}

/** The unkeyed hash of records written before the chain was keyed (verification of old prefixes). */
export function auditHash(prevHash: string, f: HashedFields): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson({ ...f, data: f.data ?? null }))
    .digest('hex');
}

/** The keyed link of a record: HMAC-SHA256 under the audit key. */
export function auditMac(key: Buffer, prevHash: string, f: HashedFields): string {
  return createHmac('sha256', key)
    .update(prevHash)
    .update(canonicalJson({ ...f, data: f.data ?? null }))
    .digest('hex');
}

function clip(s: string | null | undefined, max: number): string | null {
  if (s === undefined || s === null) return null;
  return s.length > max ? s.slice(0, max) : s;
}

function toFields(e: AuditEntry): HashedFields {
  return {
    at: e.at.toISOString(),
    actorType: e.actor.type,
    actorId: e.actor.id ?? null,
    actorLabel: clip(e.actor.label, MAX_LABEL),
    action: e.action,
    appealId: e.appealId ?? null,
    targetType: e.target?.type ?? null,
    targetId: e.target?.id ?? null,
    ip: clip(e.ip, 64),
    userAgent: clip(e.userAgent, MAX_UA),
    // through JSON once, so what is hashed is exactly what JSONB gives back (no undefined, no Dates)
    data: e.data === undefined || e.data === null ? null : JSON.parse(JSON.stringify(e.data)),
  };
}

function isClient(db: Db | Tx): db is Db {
  // A Prisma 7 transaction client also has $transaction (nested transactions through savepoints, which
  // the PGlite adapter refuses); only the full client can connect and disconnect.
  return typeof (db as Db).$connect === 'function';
}

/** Runs `fn` in the caller's transaction, or in a new one when handed the client itself. */
export async function inTransaction<T>(db: Db | Tx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return isClient(db) ? db.$transaction(fn) : fn(db);
}

/**
 * Appends one record to the chain; returns its id (as a string: bigint) and hash. `lockHeld`: the caller's
 * transaction has already taken the chain lock (pg_advisory_xact_lock(AUDIT_LOCK_KEY)) in an earlier
 * statement, e.g. inside its own last write, which saves a round trip; the head is read in a later
 * statement, whose snapshot therefore sees every append committed before the lock was granted.
 */
export async function appendAudit(
  db: Db | Tx,
  entry: AuditEntry,
  opts: { lockHeld?: boolean } = {},
): Promise<{ id: string; hash: string }> {
  const key = auditKey(); // before any statement: no key, no append
  return inTransaction(db, async (tx) => {
    if (!opts.lockHeld) await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY}::bigint)`;
    const [last] = await tx.$queryRaw<{ hash: string }[]>`
      SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const f = toFields(entry);
    const hash = auditMac(key, prevHash, f);
    const row = await tx.auditLog.create({
      data: {
        at: new Date(f.at),
        actorType: f.actorType,
        actorId: f.actorId,
        actorLabel: f.actorLabel,
        action: f.action,
        appealId: f.appealId,
        targetType: f.targetType,
        targetId: f.targetId,
        ip: f.ip,
        userAgent: f.userAgent,
        ...(f.data === null ? {} : { data: f.data as Prisma.InputJsonValue }),
        prevHash,
        hash,
      },
      select: { id: true },
    });
    return { id: row.id.toString(), hash };
  });
}

export interface AuditVerification {
  ok: boolean;
  /** records read */
  checked: number;
  /** the first record that does not verify */
  firstBadId?: string;
  /** HASH_MISMATCH: the record was edited; BROKEN_LINK: a record before it was deleted or reordered */
  reason?: 'HASH_MISMATCH' | 'BROKEN_LINK';
  /** hash of the last record (publish it elsewhere to detect truncation of the tail) */
  headHash?: string;
}

/**
 * Walks the whole chain in id order, in batches. Detects an edited record (its hash no longer matches
 * its fields) and a deleted one (the next record's prevHash is not the hash before it). Deleting the
 * newest records leaves a valid, shorter chain: compare `headHash` with a copy kept elsewhere for that.
 */
export async function verifyAuditChain(
  db: Db,
  opts: { batch?: number; key?: Buffer } = {},
): Promise<AuditVerification> {
  const batch = opts.batch ?? 1000;
  const key = opts.key ?? auditKey();
  let keyedSeen = false;
  let expectedPrev = GENESIS_HASH;
  let checked = 0;
  let after = -1n;
  for (;;) {
    const rows = await db.auditLog.findMany({
      where: { id: { gt: after } },
      orderBy: { id: 'asc' },
      take: batch,
    });
    if (rows.length === 0) break;
    for (const r of rows) {
      checked += 1;
      const id = r.id.toString();
      if (r.prevHash !== expectedPrev) return { ok: false, checked, firstBadId: id, reason: 'BROKEN_LINK' };
      const fields: HashedFields = {
        at: r.at.toISOString(),
        actorType: r.actorType,
        actorId: r.actorId,
        actorLabel: r.actorLabel,
        action: r.action,
        appealId: r.appealId,
        targetType: r.targetType,
        targetId: r.targetId,
        ip: r.ip,
        userAgent: r.userAgent,
        data: r.data,
      };
      if (auditMac(key, r.prevHash, fields) === r.hash) keyedSeen = true;
      else if (keyedSeen || auditHash(r.prevHash, fields) !== r.hash)
        return { ok: false, checked, firstBadId: id, reason: 'HASH_MISMATCH' };
      expectedPrev = r.hash;
      after = r.id;
    }
  }
  return { ok: true, checked, ...(checked > 0 ? { headHash: expectedPrev } : {}) };
}

export interface AuditQuery {
  actor?: string;
  appealId?: string;
  action?: string;
  limit: number;
  /** id of the last record of the previous page (newest first) */
  cursor?: string;
}

export async function listAudit(db: Db, q: AuditQuery) {
  const rows = await db.auditLog.findMany({
    where: {
      ...(q.actor ? { actorId: q.actor } : {}),
      ...(q.appealId ? { appealId: q.appealId } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.cursor ? { id: { lt: BigInt(q.cursor) } } : {}),
    },
    orderBy: { id: 'desc' },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      id: r.id.toString(),
      at: r.at.toISOString(),
      actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
      action: r.action,
      appealId: r.appealId,
      target: r.targetType ? { type: r.targetType, id: r.targetId } : null,
      ip: r.ip,
      userAgent: r.userAgent,
      data: r.data ?? null,
      prevHash: r.prevHash,
      hash: r.hash,
    })),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id.toString() : null,
  };
}
