// The orphan sweep: a stored blob that no document row points at (its upload's transaction failed after
// the blob was written, its outcome was unknown, or a delete after a replacement failed) is removed once
// it is older than any upload still in flight could be. Rows are never touched: a row without its blob
// cannot arise, because uploads keep the blob whenever the commit's outcome is unknown.
import type { Deps } from '../../platform/deps.ts';
import type { BlobStore } from '../../platform/storage.ts';

/** An upload's transaction times out after 20 s; ten minutes leaves every in-flight upload alone. */
export const ORPHAN_MIN_AGE_MS = 10 * 60_000;

export async function sweepOrphanBlobs(
  deps: Pick<Deps, 'prisma' | 'config' | 'logger' | 'storage'>,
  opts: { minAgeMs?: number; now?: Date; store?: BlobStore } = {},
): Promise<{ scanned: number; deleted: number }> {
  const store = opts.store ?? deps.storage.blobs;
  if (!store.list || !store.writtenAt) return { scanned: 0, deleted: 0 };
  const cutoff = (opts.now ?? new Date()).getTime() - (opts.minAgeMs ?? ORPHAN_MIN_AGE_MS);
  let scanned = 0;
  let deleted = 0;
  let batch: string[] = [];
  const flush = async () => {
    const known = await deps.prisma.document.findMany({
      where: { blobKey: { in: batch } },
      select: { blobKey: true },
    });
    // raw messages of the e-mail channel live in the same store
    const mails = await deps.prisma.inboundMail.findMany({
      where: { rawBlobKey: { in: batch } },
      select: { rawBlobKey: true },
    });
    const claimed = new Set([...known.map((d) => d.blobKey), ...mails.map((m) => m.rawBlobKey)]);
    for (const key of batch) {
      if (claimed.has(key)) continue;
      const at = await store.writtenAt!(key);
      if (!at || at.getTime() > cutoff) continue;
      // re-check right before deleting: an upload may have committed its row since the batch query
      if (await deps.prisma.document.findFirst({ where: { blobKey: key }, select: { id: true } })) continue;
      await store.delete(key);
      deleted++;
    }
    batch = [];
  };
  for await (const key of store.list()) {
    scanned++;
    batch.push(key);
    if (batch.length >= 500) await flush();
  }
  if (batch.length) await flush();
  if (deleted) deps.logger.warn({ deleted, scanned }, 'orphan document blobs removed');
  return { scanned, deleted };
}
