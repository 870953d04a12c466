// For a document flagged DUPLICATE_OTHER_BUYER: the other buyers' cases holding a near-identical picture
// (the same perceptual-hash distance the intake used), so the console can link to them.
import type { Deps } from '../../platform/deps.ts';
import { DUPLICATE_MAX_DISTANCE } from '../documents/checks.rules.ts';

export interface DuplicateRef {
  caseId: string;
  orderId: string;
}

export async function otherBuyersCases(
  deps: Pick<Deps, 'prisma'>,
  appealId: string,
  docIds: string[],
): Promise<Map<string, DuplicateRef[]>> {
  const out = new Map<string, DuplicateRef[]>();
  if (!docIds.length) return out;
  const rows = await deps.prisma.$queryRaw<{ docId: string; caseId: string; orderId: string }[]>`
    SELECT DISTINCT me.id::text AS "docId", a.id::text AS "caseId", o.order_id AS "orderId"
    FROM documents me
    JOIN appeals mine ON mine.id = me.appeal_id
    JOIN blocked_orders mo ON mo.id = mine.order_id
    JOIN documents d ON d.perceptual_hash IS NOT NULL AND d.appeal_id <> me.appeal_id
    JOIN appeals a ON a.id = d.appeal_id
    JOIN blocked_orders o ON o.id = a.order_id
    WHERE me.appeal_id = ${appealId}::uuid
      AND me.id::text = ANY(${docIds}::text[])
      AND me.perceptual_hash IS NOT NULL
      AND o.buyer_id <> mo.buyer_id
      AND bit_count(('x' || d.perceptual_hash)::bit(64) # ('x' || me.perceptual_hash)::bit(64)) <= ${DUPLICATE_MAX_DISTANCE}
    LIMIT 50`;
  for (const r of rows)
    out.set(r.docId, [...(out.get(r.docId) ?? []), { caseId: r.caseId, orderId: r.orderId }]);
  return out;
}
