// Signed heads of the audit chain. A chain alone cannot show that its newest records were cut off, nor
// that someone holding the database rewrote all of it; a head kept where the application cannot change
// it can. Every export writes a NEW file AUDIT_HEAD_DIR/audit-head-<id>.json (opened O_EXCL, mode 0444:
// an existing head is never overwritten) holding the newest record's id and hash and an HMAC under
// AUDIT_HMAC_KEY. In production point AUDIT_HEAD_DIR at storage the app can add to but not change
// (a WORM bucket mount, chattr +a, a log shipper's spool). `npm run audit:verify` checks every head:
// its MAC, that its record still exists with that hash, and that the chain verifies through it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { auditKey } from '../../platform/audit-key.ts';
import type { Db } from '../../platform/db.ts';

export interface AuditHead {
  id: string;
  hash: string;
  exportedAt: string;
  mac: string;
}

function headMac(key: Buffer, h: Omit<AuditHead, 'mac'>): string {
  return createHmac('sha256', key).update(`audit-head|${h.id}|${h.hash}|${h.exportedAt}`).digest('hex');
}

/**
 * Writes the head file of chain 0's newest record (the shard chains' tails are guarded by their
 * audit_chain_heads rows, checked by verifyAuditChain); null when the chain is empty or this head is exported.
 */
export async function exportAuditHead(db: Db, dir: string, now: Date): Promise<string | null> {
  const [last] = await db.$queryRaw<{ id: bigint; hash: string }[]>`
    SELECT id, hash FROM audit_log WHERE chain = 0 ORDER BY id DESC LIMIT 1`;
  if (!last) return null;
  const body = { id: last.id.toString(), hash: last.hash, exportedAt: now.toISOString() };
  const head: AuditHead = { ...body, mac: headMac(auditKey(), body) };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `audit-head-${body.id.padStart(20, '0')}.json`);
  try {
    await writeFile(file, `${JSON.stringify(head)}\n`, { flag: 'wx', mode: 0o444 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  }
  return file;
}

export interface HeadCheck {
  ok: boolean;
  heads: number;
  problem?: string;
}

/** Checks every head file against the database (run after the chain itself verified). */
export async function verifyAuditHeads(db: Db, dir: string, key: Buffer = auditKey()): Promise<HeadCheck> {
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => /^audit-head-\d+\.json$/.test(n))
    .sort();
  for (const name of names) {
    let head: AuditHead;
    try {
      head = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as AuditHead;
    } catch {
      return { ok: false, heads: names.length, problem: `${name}: unreadable` };
    }
    const expected = Buffer.from(headMac(key, head));
    const given = Buffer.from(String(head.mac));
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, heads: names.length, problem: `${name}: signature does not verify` };
    const row = await db.auditLog.findUnique({ where: { id: BigInt(head.id) }, select: { hash: true } });
    if (!row)
      return {
        ok: false,
        heads: names.length,
        problem: `${name}: record ${head.id} is gone (deleted or truncated)`,
      };
    if (row.hash !== head.hash)
      return {
        ok: false,
        heads: names.length,
        problem: `${name}: record ${head.id} no longer has the signed hash`,
      };
  }
  return { ok: true, heads: names.length };
}
