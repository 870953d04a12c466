// The quarantine: mails whose sender failed DMARC, attached to no case until SECURITY or ADMIN staff
// release them (processed again, documents marked RELEASED) or discard them (raw message deleted).
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { writeOutbox } from '../../platform/outbox.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { deleteBlobQuietly, type DocumentStorage } from '../../platform/document-storage.ts';
import { isUuid } from '../../platform/ids.ts';

/** cursor = base64url("<receivedAt ISO>|<id>") of the last item; newest first. */
function decodeCursor(cursor: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(iso ?? '');
  if (Number.isNaN(at.getTime()) || !isUuid(id ?? ''))
    throw new AppError('REQUEST.INVALID', 'The cursor is not valid.', [
      { path: 'cursor', message: 'invalid' },
    ]);
  return { at, id: id! };
}

type QuarantinedFile = { filename: string; mimeType: string | null; size: number | null; forwarded: boolean };

export async function listQuarantine(
  deps: Pick<Deps, 'prisma'>,
  q: { status: 'QUARANTINED' | 'RELEASED' | 'DISCARDED'; limit?: number; cursor?: string | undefined },
) {
  const limit = q.limit ?? 50;
  const c = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await deps.prisma.inboundMail.findMany({
    where: {
      status: q.status,
      ...(c ? { OR: [{ receivedAt: { lt: c.at } }, { receivedAt: c.at, id: { lt: c.id } }] } : {}),
    },
    orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: r.id,
      status: r.status,
      receivedAt: r.receivedAt.toISOString(),
      envelopeFrom: r.envelopeFrom,
      fromAddress: r.fromAddress,
      subject: r.subject,
      byteSize: r.byteSize,
      senderCheck: r.senderCheck,
      auth: ((r.auth as { results?: unknown } | null)?.results ?? null) as Record<string, unknown> | null,
      files: (r.quarantinedFiles as QuarantinedFile[] | null) ?? null,
    })),
    nextCursor:
      rows.length > limit && last
        ? Buffer.from(`${last.receivedAt.toISOString()}|${last.id}`).toString('base64url')
        : null,
  };
}

async function transition(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  id: string,
  to: 'RELEASED' | 'DISCARDED',
  audit: AuditSource,
): Promise<{ rawBlobKey: string | null }> {
  if (!isUuid(id)) throw new AppError('INBOUND.NOT_FOUND', 'No such quarantined mail.');
  return deps.prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ status: string; raw_blob_key: string | null }[]>`
      SELECT status, raw_blob_key FROM inbound_mails WHERE id = ${id}::uuid FOR UPDATE`;
    const row = rows[0];
    if (!row) throw new AppError('INBOUND.NOT_FOUND', 'No such quarantined mail.');
    if (row.status !== 'QUARANTINED')
      throw new AppError('INBOUND.INVALID_TRANSITION', `The mail is ${row.status}, not QUARANTINED.`, {
        status: row.status,
      });
    const now = deps.clock.now();
    await tx.inboundMail.update({
      where: { id },
      data:
        to === 'RELEASED'
          ? { status: 'RELEASED', claimedAt: null }
          : { status: 'DISCARDED', rawBlobKey: null, rawWrappedKey: null, rawKeyId: null },
    });
    if (to === 'RELEASED') await writeOutbox(tx, 'inbound.process', { inboundMailId: id });
    await appendAudit(tx, {
      ...audit,
      at: now,
      action: to === 'RELEASED' ? 'INBOUND_MAIL_RELEASED' : 'INBOUND_MAIL_DISCARDED',
      target: { type: 'inbound_mail', id },
    });
    return { rawBlobKey: row.raw_blob_key };
  });
}

export async function releaseQuarantined(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  id: string,
  audit: AuditSource,
) {
  await transition(deps, id, 'RELEASED', audit);
  return { id, status: 'RELEASED' as const };
}

export async function discardQuarantined(
  deps: Pick<Deps, 'prisma' | 'clock' | 'logger'>,
  storage: DocumentStorage,
  id: string,
  audit: AuditSource,
) {
  const { rawBlobKey } = await transition(deps, id, 'DISCARDED', audit);
  if (rawBlobKey) await deleteBlobQuietly(storage, rawBlobKey, deps.logger);
  return { id, status: 'DISCARDED' as const };
}
