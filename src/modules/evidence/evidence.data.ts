// What the evidence pack is made of, read in one go: the order (with the dispute-programme fields), the
// appeal's timeline, the final approval (reviewer, second approver, reason codes), the audit record of
// that decision (its chain hash) and the approved documents. Only an APPROVED case whose documents are
// still stored can give a pack.
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import type { StoredDocumentRef } from '../documents/documents.view.ts';
import { SLOTS } from '../../platform/slots.ts';
import { isUuid } from '../../platform/ids.ts';

/** Slots in the order a dispute analyst reads them: who, which card, the statement. */
export const SLOT_ORDER = SLOTS;

export interface PackDocument extends StoredDocumentRef {
  id: string;
  slot: string;
  page: number;
  pageCount: number | null;
  createdAt: Date;
}

export interface PackFacts {
  caseId: string;
  order: {
    orderId: string;
    amountMinor: bigint;
    currency: string;
    cardBrand: string;
    cardLast4: string;
    cardIssuerCountry: string;
    errorCode: string;
    blockedAt: Date;
    buyerName: string;
    buyerId: string;
    purchaseIp: string | null;
    deviceId: string | null;
    accountId: string | null;
    shippingAddress: Record<string, string> | null;
  };
  timeline: { at: Date; action: string; from: string | null; to: string | null; actor: string }[];
  decision: {
    id: string;
    at: Date;
    reasonCodes: { code: string; text: string }[];
    reviewer: string;
    secondApprover: string | null;
    secondApprovedAt: Date | null;
  };
  /** the DECISION_RECORDED audit record of the approval */
  audit: { id: bigint; hash: string; prevHash: string; at: Date } | null;
  documents: PackDocument[];
}

/**
 * The facts of an APPROVED case. CASE.NOT_FOUND for an unknown id, EVIDENCE_PACK.NOT_APPROVED for any other
 * status, EVIDENCE_PACK.PURGED once the retention job deleted the blobs (or any approved document is gone).
 */
export async function loadPackFacts(deps: Pick<Deps, 'prisma'>, caseId: string): Promise<PackFacts> {
  if (!isUuid(caseId)) throw new AppError('CASE.NOT_FOUND', 'No such case.');
  const a = await deps.prisma.appeal.findUnique({
    where: { id: caseId },
    include: {
      order: true,
      history: { orderBy: { id: 'asc' }, take: 200 },
      decisions: {
        where: { kind: 'APPROVE', state: 'FINAL' },
        orderBy: { createdAt: 'desc' },
        take: 1,
        include: { reviewer: true, secondApprover: true },
      },
      documents: {
        where: { status: 'ACTIVE' },
        orderBy: [{ page: 'asc' }, { createdAt: 'asc' }],
      },
    },
  });
  if (!a) throw new AppError('CASE.NOT_FOUND', 'No such case.');
  if (a.status !== 'APPROVED')
    throw new AppError(
      'EVIDENCE_PACK.NOT_APPROVED',
      `An evidence pack is made for approved appeals only; this one is ${a.status}.`,
      { status: a.status },
    );
  const d = a.decisions[0];
  if (!d) throw new AppError('EVIDENCE_PACK.NOT_APPROVED', 'This case has no final approval.');
  const purged = a.blobsPurgedAt ?? a.documents.find((x) => x.purgedAt || !x.blobKey)?.purgedAt;
  if (a.blobsPurgedAt || a.documents.some((x) => !x.blobKey || !x.wrappedKey || !x.keyId))
    throw new AppError(
      'EVIDENCE_PACK.PURGED',
      'The documents of this case were deleted under the retention policy; no evidence pack can be made.',
      { purgedAt: purged?.toISOString() ?? null },
    );

  const staffIds = [
    ...new Set(a.history.filter((h) => h.actorType === 'STAFF' && h.actorId).map((h) => h.actorId!)),
  ];
  const staff = await deps.prisma.staffUser.findMany({
    where: { id: { in: staffIds.filter((s) => isUuid(s)) } },
    select: { id: true, name: true },
  });
  const names = new Map(staff.map((s) => [s.id, s.name]));
  const reasons = await deps.prisma.reasonCode.findMany({ where: { code: { in: d.reasonCodes } } });
  const reasonText = new Map(reasons.map((r) => [r.code, r.internalText]));
  // the approval's record: the last DECISION_RECORDED of the case that ended APPROVED
  const records = await deps.prisma.auditLog.findMany({
    where: { appealId: caseId, action: 'DECISION_RECORDED' },
    orderBy: { id: 'desc' },
    take: 20,
    select: { id: true, hash: true, prevHash: true, at: true, data: true },
  });
  const rec = records.find((r) => (r.data as { status?: string } | null)?.status === 'APPROVED') ?? null;

  const slotRank = (s: string) => SLOT_ORDER.indexOf(s as (typeof SLOT_ORDER)[number]);
  const documents = [...a.documents]
    .sort((x, y) => slotRank(x.slot) - slotRank(y.slot) || x.page - y.page)
    .map((x) => ({
      id: x.id,
      slot: x.slot,
      page: x.page,
      pageCount: x.pageCount,
      createdAt: x.createdAt,
      mimeType: x.mimeType,
      blobKey: x.blobKey,
      wrappedKey: x.wrappedKey,
      keyId: x.keyId,
      purgedAt: x.purgedAt,
    }));
  const o = a.order;
  return {
    caseId,
    order: {
      orderId: o.orderId,
      amountMinor: o.amountMinor,
      currency: o.currency,
      cardBrand: o.cardBrand,
      cardLast4: o.cardLast4,
      cardIssuerCountry: o.cardIssuerCountry,
      errorCode: o.errorCode,
      blockedAt: o.blockedAt,
      buyerName: o.buyerName,
      buyerId: o.buyerId,
      purchaseIp: o.purchaseIp,
      deviceId: o.deviceId,
      accountId: o.accountId,
      shippingAddress: (o.shippingAddress as Record<string, string> | null) ?? null,
    },
    timeline: a.history.map((h) => ({
      at: h.at,
      action: h.action,
      from: h.fromStatus,
      to: h.toStatus,
      actor: h.actorType === 'STAFF' ? (names.get(h.actorId ?? '') ?? 'staff') : h.actorType.toLowerCase(),
    })),
    decision: {
      id: d.id,
      at: a.decidedAt ?? d.secondApprovedAt ?? d.createdAt,
      reasonCodes: d.reasonCodes.map((c) => ({ code: c, text: reasonText.get(c) ?? '' })),
      reviewer: `${d.reviewer.name} <${d.reviewer.email}>`,
      secondApprover: d.secondApprover ? `${d.secondApprover.name} <${d.secondApprover.email}>` : null,
      secondApprovedAt: d.secondApprovedAt,
    },
    audit: rec ? { id: rec.id, hash: rec.hash, prevHash: rec.prevHash, at: rec.at } : null,
    documents,
  };
}
