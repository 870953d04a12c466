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
// There are 1 + AUDIT_SHARDS chains (issue 18): chain 0 holds records without an appeal (logins, exports,
// admin changes) and every record written before the chains were sharded; a record about an appeal goes
// to the appeal's shard chain 1..AUDIT_SHARDS (auditChainOf), so all records of one appeal are in one
// chain, in order. Chain 0 appends are serialised by a transaction-scoped advisory lock taken before its
// last hash is read; a shard append locks its chain's row in audit_chain_heads (seq and hash of the
// newest record), so appends about different appeals mostly proceed in parallel and never fork a chain.
// A shard record's MAC also covers its chain and seq: moving a record to another chain, or renumbering
// it, breaks it, and verification compares each shard's last record with its head row, so deleting the
// newest record of a shard chain is caught without a head file. The relative order of two records in
// different chains is not evidence of anything (ids are not hashed): only order within a chain is.
// Locks are held until the caller's transaction ends: call appendAudit (or appendAuditBatch, which locks
// the heads it needs in chain order in one statement) as the LAST statement of a transaction, after its
// row locks, so audited transactions queue briefly on a chain instead of deadlocking on each other.
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

/** The advisory-lock key that serialises chain 0 appends (any constant unique to this use). */
export const AUDIT_LOCK_KEY = 0x61756469; // "audi"

/** Shard chains 1..AUDIT_SHARDS; their head rows are created by migration audit_chain_shards. */
export const AUDIT_SHARDS = 16;

/** The chain a record goes to: 0 without an appeal, else a fixed shard of the appeal id. */
export function auditChainOf(appealId: string | null | undefined): number {
  if (!appealId) return 0;
  const n = Number.parseInt(appealId.replace(/-/g, '').slice(-8), 16);
  return Number.isFinite(n) ? 1 + (n % AUDIT_SHARDS) : 0;
}

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

/**
 * The keyed link of a record: HMAC-SHA256 under the audit key. A shard record (chain > 0) also covers its
 * chain and position; chain 0 records keep the field set they were written with.
 */
export function auditMac(
  key: Buffer,
  prevHash: string,
  f: HashedFields,
  pos?: { chain: number; seq: bigint },
): string {
  const body = { ...f, data: f.data ?? null };
  return createHmac('sha256', key)
    .update(prevHash)
    .update(canonicalJson(pos ? { ...body, chain: pos.chain, seq: pos.seq.toString() } : body))
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
  if (auditChainOf(entry.appealId) !== 0)
    return inTransaction(db, async (tx) => (await appendShardRecords(tx, key, [entry]))[0]!);
  return inTransaction(db, async (tx) => {
    if (!opts.lockHeld) await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY}::bigint)`;
    const [last] = await tx.$queryRaw<{ hash: string }[]>`
      SELECT hash FROM audit_log WHERE chain = 0 ORDER BY id DESC LIMIT 1`;
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

/**
 * Appends several records in the caller's transaction (a routing batch): chain 0 records one by one as
 * appendAudit does, shard records with one head lock statement, one INSERT and one head UPDATE for the
 * lot. Returns ids and hashes in the order of `entries`.
 */
export async function appendAuditBatch(
  tx: Tx,
  entries: AuditEntry[],
): Promise<{ id: string; hash: string }[]> {
  const key = auditKey();
  const out: { id: string; hash: string }[] = new Array(entries.length);
  const shard: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    if (auditChainOf(entries[i]!.appealId) === 0) out[i] = await appendAudit(tx, entries[i]!);
    else shard.push(i);
  }
  const written = await appendShardRecords(
    tx,
    key,
    shard.map((i) => entries[i]!),
  );
  shard.forEach((i, k) => {
    out[i] = written[k]!;
  });
  return out;
}

function storedFields(f: HashedFields) {
  return {
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
  };
}

/** Shard records: lock their chains' heads (chain order, one statement), insert, move the heads. */
async function appendShardRecords(
  tx: Tx,
  key: Buffer,
  entries: AuditEntry[],
): Promise<{ id: string; hash: string }[]> {
  if (entries.length === 0) return [];
  const chains = [...new Set(entries.map((e) => auditChainOf(e.appealId)))].sort((a, b) => a - b);
  const heads = await tx.$queryRaw<{ chain: number; seq: bigint; hash: string }[]>`
    SELECT chain::int, seq, hash FROM audit_chain_heads
    WHERE chain = ANY(${chains}::smallint[]) ORDER BY chain FOR UPDATE`;
  const head = new Map(heads.map((h) => [h.chain, { seq: BigInt(h.seq), hash: h.hash }]));
  const rows = entries.map((e) => {
    const chain = auditChainOf(e.appealId);
    const h = head.get(chain);
    if (!h) throw new Error(`audit chain ${chain} has no head row (migration audit_chain_shards)`);
    const f = toFields(e);
    const seq = h.seq + 1n;
    const prevHash = h.hash;
    const hash = auditMac(key, prevHash, f, { chain, seq });
    head.set(chain, { seq, hash });
    return { ...storedFields(f), chain, seq, prevHash, hash };
  });
  // one statement: ids come from the sequence in VALUES order, so within a chain id order = seq order
  const created = await tx.auditLog.createManyAndReturn({ data: rows, select: { id: true, hash: true } });
  const idOf = new Map(created.map((r) => [r.hash, r.id]));
  const last = new Map<number, { seq: bigint; hash: string; id: bigint }>();
  for (const r of rows) last.set(r.chain, { seq: r.seq, hash: r.hash, id: idOf.get(r.hash)! });
  const ch = [...last.keys()];
  await tx.$executeRaw`
    UPDATE audit_chain_heads h SET seq = v.seq, last_id = v.last_id, hash = v.hash
    FROM (SELECT unnest(${ch}::smallint[]) AS chain, unnest(${ch.map((c) => last.get(c)!.seq.toString())}::bigint[]) AS seq,
                 unnest(${ch.map((c) => last.get(c)!.id.toString())}::bigint[]) AS last_id,
                 unnest(${ch.map((c) => last.get(c)!.hash)}::text[]) AS hash) v
    WHERE h.chain = v.chain`;
  return rows.map((r) => ({ id: idOf.get(r.hash)!.toString(), hash: r.hash }));
}

export interface AuditVerification {
  ok: boolean;
  /** records read */
  checked: number;
  /** the first record that does not verify (for HEAD_MISMATCH: the head row's last record id) */
  firstBadId?: string;
  /**
   * HASH_MISMATCH: the record was edited (or moved to another chain); BROKEN_LINK: a record before it in its
   * chain was deleted or reordered; HEAD_MISMATCH: a shard chain ends before (or elsewhere than) its head
   * row says: its newest record(s) were deleted
   */
  reason?: 'HASH_MISMATCH' | 'BROKEN_LINK' | 'HEAD_MISMATCH';
  /** the chain of the first bad record */
  chain?: number;
  /** hash of chain 0's last record (publish it elsewhere to detect truncation of that tail) */
  headHash?: string;
}

function bad(
  checked: number,
  firstBadId: string,
  reason: NonNullable<AuditVerification['reason']>,
  chain: number,
): AuditVerification {
  return { ok: false, checked, firstBadId, reason, ...(chain === 0 ? {} : { chain }) };
}

/**
 * Walks every chain at once in id order, in batches. Detects an edited record (its hash no longer matches
 * its fields), a deleted or reordered one (the next record of its chain no longer links to the hash before
 * it, or a shard record's seq is not the next one), and, for shard chains, a cut tail (the chain's last
 * record is not the one its audit_chain_heads row names). Deleting the newest records of chain 0 leaves a
 * valid, shorter chain: compare `headHash` with a copy kept elsewhere (audit.head.ts) for that.
 */
export async function verifyAuditChain(
  db: Db,
  opts: { batch?: number; key?: Buffer } = {},
): Promise<AuditVerification> {
  const batch = opts.batch ?? 1000;
  const key = opts.key ?? auditKey();
  let keyedSeen = false;
  let expectedPrev = GENESIS_HASH;
  const shard = new Map<number, { seq: bigint; hash: string }>();
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
      const chain = r.chain;
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
      after = r.id;
      if (chain !== 0) {
        const st = shard.get(chain) ?? { seq: 0n, hash: GENESIS_HASH };
        if (r.prevHash !== st.hash || r.seq !== st.seq + 1n) return bad(checked, id, 'BROKEN_LINK', chain);
        // a record whose chain column was changed no longer matches its MAC (the chain is covered)
        if (r.seq === null || auditMac(key, r.prevHash, fields, { chain, seq: r.seq }) !== r.hash)
          return bad(checked, id, 'HASH_MISMATCH', chain);
        shard.set(chain, { seq: r.seq, hash: r.hash });
        continue;
      }
      if (r.prevHash !== expectedPrev) return bad(checked, id, 'BROKEN_LINK', chain);
      if (r.seq === null && auditMac(key, r.prevHash, fields) === r.hash) keyedSeen = true;
      else if (r.seq !== null || keyedSeen || auditHash(r.prevHash, fields) !== r.hash)
        return bad(checked, id, 'HASH_MISMATCH', chain);
      expectedPrev = r.hash;
    }
  }
  const heads = await db.$queryRaw<{ chain: number; seq: bigint; lastId: bigint; hash: string }[]>`
    SELECT chain::int, seq, last_id AS "lastId", hash FROM audit_chain_heads ORDER BY chain`;
  for (const h of heads) {
    const st = shard.get(h.chain) ?? { seq: 0n, hash: GENESIS_HASH };
    if (st.seq !== BigInt(h.seq) || st.hash !== h.hash)
      return bad(checked, h.lastId.toString(), 'HEAD_MISMATCH', h.chain);
  }
  const chain0 = expectedPrev === GENESIS_HASH ? {} : { headHash: expectedPrev };
  return { ok: true, checked, ...chain0 };
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
