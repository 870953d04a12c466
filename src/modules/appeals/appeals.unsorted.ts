// The documents that came by e-mail (src/modules/inbound) and wait for the buyer to put them in a slot,
// as the buyer's appeal view shows them. A read of the documents table like the view's other slots: the
// appeals module does not call into inbound for it (issue 14).
import type { Deps } from '../../platform/deps.ts';

export interface UnsortedView {
  id: string;
  filename: string | null;
  mimeType: string;
  checks: unknown;
  flags: string[];
  slotGuess: string | null;
  confidence: number | null;
  source: { channel: string; senderCheck: string | null };
  createdAt: string;
}

export async function listUnsorted(deps: Pick<Deps, 'prisma'>, appealId: string): Promise<UnsortedView[]> {
  const docs = await deps.prisma.document.findMany({
    where: { appealId, status: 'UNSORTED' },
    orderBy: { createdAt: 'asc' },
  });
  return docs.map((d) => ({
    id: d.id,
    filename: d.filename,
    mimeType: d.mimeType,
    checks: d.checks,
    flags: d.flags,
    slotGuess: d.slotGuess,
    confidence: d.slotConfidence,
    source: { channel: d.source, senderCheck: d.senderCheck },
    createdAt: d.createdAt.toISOString(),
  }));
}
