// Retention: document blobs are deleted RETENTION_DAYS after a case closes, unless a legal hold is set.
// Metadata (document rows, checks, hashes), the case history and the audit trail remain.
//
// "Closed" is `closedAt ?? decidedAt ?? updatedAt` for the final statuses (APPROVED, REJECTED, EXPIRED,
// WITHDRAWN): not every path that ends a case sets closedAt, and the last update of a finally-closed
// case is when it reached that status - or later, which only delays the purge, never hastens it.
import { AppError } from '../../platform/errors.ts';
import type { Deps } from '../../platform/deps.ts';
import type { BlobStore } from '../../platform/storage.ts';
import { recordHistory } from '../appeals/appeals.history.ts';
import { type AuditActor, appendAudit } from '../audit/audit.service.ts';
import { isUuid } from '../../platform/ids.ts';
import { markBlobsPurged, writeLegalHold } from '../appeals/appeals.flags.ts';

export const FINAL_STATUSES = ['APPROVED', 'REJECTED', 'EXPIRED', 'WITHDRAWN'] as const;

export interface PurgeResult {
  appeals: number;
  documents: number;
}

type RetentionDeps = Pick<Deps, 'prisma' | 'clock' | 'config' | 'logger' | 'storage'>;

/** The appeals whose blobs are due for deletion at `now`. */
async function dueAppeals(deps: RetentionDeps, now: Date, limit: number): Promise<string[]> {
  const cutoff = new Date(now.getTime() - deps.config.RETENTION_DAYS * 86_400_000);
  const rows = await deps.prisma.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM appeals
    WHERE status::text IN ('APPROVED', 'REJECTED', 'EXPIRED', 'WITHDRAWN')
      AND NOT legal_hold
      AND blobs_purged_at IS NULL
      AND COALESCE(closed_at, decided_at, updated_at) <= ${cutoff}
    ORDER BY COALESCE(closed_at, decided_at, updated_at), id
    LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

/**
 * Purges every due appeal, one transaction each. The appeal row is locked and the conditions are
 * checked again inside the transaction, so a legal hold set meanwhile wins. Blobs are deleted before the
 * rows are updated: a crash in between leaves rows pointing at missing blobs, which the next run
 * finishes (deleting a missing blob is a no-op). Idempotent.
 */
export async function purgeExpiredDocuments(
  deps: RetentionDeps,
  opts: { store?: BlobStore; batch?: number } = {},
): Promise<PurgeResult> {
  const store = opts.store ?? deps.storage.blobs;
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - deps.config.RETENTION_DAYS * 86_400_000);
  const result: PurgeResult = { appeals: 0, documents: 0 };
  const ids = await dueAppeals(deps, now, opts.batch ?? 500);
  for (const appealId of ids) {
    const n = await deps.prisma.$transaction(
      async (tx) => {
        const [a] = await tx.$queryRaw<{ due: boolean }[]>`
          SELECT (status::text IN ('APPROVED', 'REJECTED', 'EXPIRED', 'WITHDRAWN')
                  AND NOT legal_hold AND blobs_purged_at IS NULL
                  AND COALESCE(closed_at, decided_at, updated_at) <= ${cutoff}) AS due
          FROM appeals WHERE id = ${appealId}::uuid FOR UPDATE`;
        if (!a?.due) return -1;
        const docs = await tx.document.findMany({
          where: { appealId, blobKey: { not: null } },
          select: { id: true, blobKey: true },
        });
        for (const d of docs) await store.delete(d.blobKey!);
        await tx.document.updateMany({
          where: { appealId, OR: [{ blobKey: { not: null } }, { wrappedKey: { not: null } }] },
          data: { blobKey: null, wrappedKey: null, purgedAt: now },
        });
        await markBlobsPurged(tx, appealId, now);
        await recordHistory(tx, {
          appealId,
          at: now,
          actor: { type: 'SYSTEM', id: 'retention' },
          action: 'DOCUMENTS_PURGED',
          data: { documents: docs.length, retentionDays: deps.config.RETENTION_DAYS },
        });
        await appendAudit(tx, {
          at: now,
          actor: { type: 'SYSTEM', id: 'retention', label: 'retention job' },
          action: 'DOCUMENTS_PURGED',
          appealId,
          target: { type: 'appeal', id: appealId },
          data: { documents: docs.length, retentionDays: deps.config.RETENTION_DAYS },
        });
        return docs.length;
      },
      { timeout: 60_000 },
    );
    if (n < 0) continue;
    result.appeals += 1;
    result.documents += n;
  }
  if (result.appeals) deps.logger.info({ ...result }, 'retention: document blobs purged');
  return result;
}

/** ADMIN: set or release the legal hold of a case (audited, and noted in the case history). */
export async function setLegalHold(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  appealId: string,
  hold: boolean,
  who: { actor: AuditActor; ip?: string | null; userAgent?: string | null },
) {
  if (!isUuid(appealId)) throw new AppError('CASE.NOT_FOUND', 'No such case.');
  const now = deps.clock.now();
  return deps.prisma.$transaction(async (tx) => {
    const [before] = await tx.$queryRaw<{ legal_hold: boolean }[]>`
      SELECT legal_hold FROM appeals WHERE id = ${appealId}::uuid FOR UPDATE`;
    if (!before) throw new AppError('CASE.NOT_FOUND', 'No such case.');
    const appeal = await writeLegalHold(tx, appealId, hold);
    if (before.legal_hold !== hold) {
      const action = hold ? 'LEGAL_HOLD_SET' : 'LEGAL_HOLD_RELEASED';
      await recordHistory(tx, {
        appealId,
        at: now,
        actor:
          who.actor.type === 'STAFF' && who.actor.id
            ? { type: 'STAFF', id: who.actor.id }
            : { type: 'SYSTEM' },
        action,
      });
      await appendAudit(tx, {
        at: now,
        ...who,
        action,
        appealId,
        target: { type: 'appeal', id: appealId },
        data: { legalHold: hold },
      });
    }
    return {
      id: appeal.id,
      legalHold: appeal.legalHold,
      blobsPurgedAt: appeal.blobsPurgedAt?.toISOString() ?? null,
    };
  });
}
