// Durable before 250: the raw message is encrypted into the document blob store, and its row and its
// processing job (an outbox row) are written in one transaction, before the SMTP server answers. The
// same mail twice (same Message-ID, or the same bytes when it has none) is one row and one job.
import { sha256Hex } from '../../platform/crypto.ts';
import type { Deps } from '../../platform/deps.ts';
import { writeOutbox } from '../../platform/outbox.ts';
import { type DocumentStorage, deleteBlobQuietly, putEncrypted } from '../../platform/document-storage.ts';

export interface ReceivedEnvelope {
  mailFrom: string;
  rcptTo: string[];
  remoteAddress: string;
  helo: string;
}

/** The unfolded value of the first header `name` in a raw message's header block, or null. */
export function rawHeader(raw: Buffer, name: string): string | null {
  const end = raw.indexOf('\r\n\r\n');
  const endLf = raw.indexOf('\n\n');
  const stop = [end, endLf].filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? Math.min(raw.length, 65_536);
  const head = raw
    .subarray(0, Math.min(stop, 65_536))
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im');
  const m = re.exec(head);
  return m ? m[1]!.trim() : null;
}

export function dedupeKey(raw: Buffer): { key: string; messageId: string | null } {
  const mid = rawHeader(raw, 'Message-ID');
  const id = mid && /<[^<>\s]{1,900}>/.exec(mid)?.[0];
  return id
    ? { key: `mid:${id.toLowerCase()}`, messageId: id }
    : { key: `sha:${sha256Hex(raw)}`, messageId: null };
}

export type StoreOutcome = { kind: 'stored'; id: string } | { kind: 'duplicate'; id: string };

export async function storeReceivedMail(
  deps: Pick<Deps, 'prisma' | 'clock' | 'logger'>,
  storage: DocumentStorage,
  raw: Buffer,
  envelope: ReceivedEnvelope,
): Promise<StoreOutcome> {
  const { key, messageId } = dedupeKey(raw);
  const seen = await deps.prisma.inboundMail.findUnique({ where: { dedupeKey: key }, select: { id: true } });
  if (seen) return { kind: 'duplicate', id: seen.id };
  const stored = await putEncrypted(storage, raw);
  try {
    const id = await deps.prisma.$transaction(async (tx) => {
      const row = await tx.inboundMail.create({
        data: {
          dedupeKey: key,
          messageId,
          envelopeFrom: envelope.mailFrom.slice(0, 320),
          rawBlobKey: stored.blobKey,
          rawWrappedKey: new Uint8Array(stored.wrappedKey),
          rawKeyId: stored.keyId,
          byteSize: raw.length,
          auth: {
            received: {
              ip: envelope.remoteAddress,
              helo: envelope.helo.slice(0, 255),
              rcptTo: envelope.rcptTo.slice(0, 10),
            },
          },
          receivedAt: deps.clock.now(),
        },
        select: { id: true },
      });
      await writeOutbox(tx, 'inbound.process', { inboundMailId: row.id });
      return row.id;
    });
    return { kind: 'stored', id };
  } catch (e) {
    await deleteBlobQuietly(storage, stored.blobKey, deps.logger);
    // a concurrent delivery of the same mail won the unique key
    const again = await deps.prisma.inboundMail.findUnique({
      where: { dedupeKey: key },
      select: { id: true },
    });
    if (again) return { kind: 'duplicate', id: again.id };
    throw e;
  }
}
