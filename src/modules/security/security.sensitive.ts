// "Contains sensitive card data" (SECURITY, ADMIN): a document found to show a full card number or a
// security code (CVV) is purged at once, whatever retention or legal hold would keep. In one transaction:
// the row loses its blob and key (purgedAt set), an incident is recorded (with its alert e-mails) and the
// action is audited; the blob itself is deleted before the transaction commits, so a failed deletion
// leaves everything as it was (503), never a row claiming a purge that did not happen.
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { type IncidentSlot, recordIncident } from './incidents.service.ts';
import { isUuid } from '../../platform/ids.ts';

export async function purgeSensitiveDocument(
  deps: Pick<Deps, 'prisma' | 'clock' | 'config' | 'storage'>,
  docId: string,
  input: { kind: 'FULL_CARD_NUMBER' | 'SECURITY_CODE' },
  source: AuditSource,
): Promise<{ documentId: string; appealId: string; incidentId: string; purgedAt: string }> {
  if (!isUuid(docId)) throw new AppError('DOCUMENT.NOT_FOUND', 'No such document.');
  const store = deps.storage.blobs;
  return deps.prisma.$transaction(
    async (tx) => {
      const [doc] = await tx.$queryRaw<
        { id: string; appeal_id: string; slot: IncidentSlot; blob_key: string | null }[]
      >`SELECT id::text, appeal_id::text, slot::text AS slot, blob_key FROM documents
        WHERE id = ${docId}::uuid FOR UPDATE`;
      if (!doc) throw new AppError('DOCUMENT.NOT_FOUND', 'No such document.');
      if (!doc.blob_key) throw new AppError('DOCUMENT.PURGED', 'This document was already purged.');
      const now = deps.clock.now();
      await tx.document.update({
        where: { id: doc.id },
        data: { blobKey: null, wrappedKey: null, purgedAt: now },
      });
      const incident = await recordIncident(
        tx,
        { appealId: doc.appeal_id, slot: doc.slot, kind: input.kind, detector: 'staff-report' },
        {
          now,
          publicBaseUrl: deps.config.PUBLIC_BASE_URL,
          actor: source.actor,
          ip: source.ip,
          userAgent: source.userAgent,
        },
      );
      await appendAudit(tx, {
        ...source,
        at: now,
        action: 'DOCUMENT_PURGED_SENSITIVE',
        appealId: doc.appeal_id,
        target: { type: 'document', id: doc.id },
        data: { slot: doc.slot, kind: input.kind, incidentId: incident.id },
      });
      await store.delete(doc.blob_key);
      return {
        documentId: doc.id,
        appealId: doc.appeal_id,
        incidentId: incident.id,
        purgedAt: now.toISOString(),
      };
    },
    { timeout: 30_000 },
  );
}
