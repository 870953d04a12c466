// Master-key rotation: every document whose data key is wrapped under a key other than the active one
// gets its data key re-wrapped under the active key. Blobs are never read or rewritten (the wrapped key
// carries the blob digest over). Idempotent: rows already under the active key are not touched, so a
// run that stops half way is finished by running it again.
import { type Keyring, rewrapKey } from '../../platform/crypto.ts';
import type { Db } from '../../platform/db.ts';

export interface RotationResult {
  activeKeyId: string;
  /** documents found under another key */
  scanned: number;
  rewrapped: number;
  /** rows whose key id is not in the keyring or whose wrapped key does not authenticate */
  failed: { documentId: string; keyId: string | null; reason: string }[];
  /** documents (with a key) still under another key after the run */
  remaining: number;
}

export async function rotateDocumentKeys(
  db: Db,
  ring: Keyring,
  opts: { batch?: number; onBatch?: (done: number) => void } = {},
): Promise<RotationResult> {
  const batch = opts.batch ?? 500;
  const active = ring.activeKeyId;
  const result: RotationResult = { activeKeyId: active, scanned: 0, rewrapped: 0, failed: [], remaining: 0 };
  let after: string | undefined;
  for (;;) {
    const rows = await db.document.findMany({
      where: {
        wrappedKey: { not: null },
        OR: [{ keyId: { not: active } }, { keyId: null }],
        ...(after ? { id: { gt: after } } : {}),
      },
      select: { id: true, wrappedKey: true, keyId: true },
      orderBy: { id: 'asc' },
      take: batch,
    });
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    result.scanned += rows.length;
    const updates = [];
    for (const r of rows) {
      if (!r.keyId || !r.wrappedKey) {
        result.failed.push({ documentId: r.id, keyId: r.keyId, reason: 'no key id' });
        continue;
      }
      try {
        const next = rewrapKey(Buffer.from(r.wrappedKey), r.keyId, ring);
        // conditional on the old key id: a concurrent run that got there first is not overwritten
        updates.push(
          db.document.updateMany({
            where: { id: r.id, keyId: r.keyId },
            data: { wrappedKey: new Uint8Array(next.wrappedKey), keyId: next.keyId },
          }),
        );
      } catch (e) {
        result.failed.push({ documentId: r.id, keyId: r.keyId, reason: (e as Error).message });
      }
    }
    if (updates.length) {
      const done = await db.$transaction(updates);
      result.rewrapped += done.reduce((n, u) => n + u.count, 0);
    }
    opts.onBatch?.(result.rewrapped);
  }
  result.remaining = await db.document.count({
    where: { wrappedKey: { not: null }, OR: [{ keyId: { not: active } }, { keyId: null }] },
  });
  return result;
}
