// Documents that came by e-mail without a slot: listed in the appeal view as `unsorted`, and placed by
// the buyer with one tap (stating the card's last 4 for CARD_FRONT). Placing runs the stored copy
// through the upload use case again for the chosen slot (every check, the guard, duplicates): on success
// the unsorted document is removed and its blob deleted.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../platform/errors.ts';
import type { Slot } from '../appeals/appeals.rules.ts';
import type { TDocument } from '../documents/documents.schemas.ts';
import { FLAGS, type IntakeDeps, uploadDocument } from '../documents/documents.service.ts';
import { deleteBlobQuietly, readDecrypted } from '../../platform/document-storage.ts';
import { isUuid } from '../../platform/ids.ts';

export async function placeUnsorted(
  deps: IntakeDeps,
  appealId: string,
  docId: string,
  choice: { slot: Slot; cardLast4?: string },
): Promise<TDocument> {
  if (!isUuid(docId)) throw new AppError('DOCUMENT.NOT_FOUND', 'No such document.');
  const doc = await deps.prisma.document.findFirst({ where: { id: docId, appealId, status: 'UNSORTED' } });
  if (!doc?.blobKey || !doc.wrappedKey || !doc.keyId)
    throw new AppError('DOCUMENT.NOT_FOUND', 'No such document.');
  const bytes = await readDecrypted(deps.storage, {
    blobKey: doc.blobKey,
    wrappedKey: doc.wrappedKey,
    keyId: doc.keyId,
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'unsorted-'));
  const file = path.join(dir, randomUUID());
  try {
    await writeFile(file, bytes);
    const placed = await uploadDocument(deps, {
      appealId,
      fields: {
        slot: choice.slot,
        override: false,
        ...(choice.cardLast4 ? { cardLast4: choice.cardLast4 } : {}),
      },
      filePath: file,
      source: {
        channel: 'EMAIL',
        senderCheck: (doc.senderCheck as 'PASS' | 'UNVERIFIED' | 'RELEASED' | null) ?? 'UNVERIFIED',
        filename: doc.filename ?? 'attachment',
        inboundMailId: doc.inboundMailId ?? '00000000-0000-0000-0000-000000000000',
        forwarded: doc.flags.includes(FLAGS.FORWARDED),
      },
    });
    const now = deps.clock.now();
    const gone = await deps.prisma.document.updateMany({
      where: { id: doc.id, status: 'UNSORTED' },
      data: { status: 'REMOVED', removedAt: now, blobKey: null, wrappedKey: null, purgedAt: now },
    });
    if (gone.count === 1) await deleteBlobQuietly(deps.storage, doc.blobKey, deps.logger);
    return placed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
