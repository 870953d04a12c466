// The appeal's columns other than its status that other modules' use cases change (issue 14 point 1: only
// the appeals module writes the appeals table). Each runs in the caller's transaction, which holds the
// appeal row lock already (taken by the caller's own read FOR UPDATE or by transitionAppeal); the caller
// writes its case-history entry beside it. test/unit/appeal-owner.test.ts fails on any other writer.
import type { Tx } from '../../platform/db.ts';

/** The case leaves its reviewer for a lead (a resubmission past the cap): no assignee, needsLead. */
export async function handCaseToLead(tx: Tx, appealId: string): Promise<void> {
  await tx.appeal.update({
    where: { id: appealId },
    data: { needsLead: true, assigneeId: null, assignedAt: null },
  });
}

/** A lead must act (a second approval is awaited); the assignee stays. */
export async function flagNeedsLead(tx: Tx, appealId: string): Promise<void> {
  await tx.appeal.update({ where: { id: appealId }, data: { needsLead: true } });
}

/** Marks the case escalated (a lead's escalation, an SLA breach); false when it already was. */
export async function markEscalated(tx: Tx, appealId: string): Promise<boolean> {
  const n = await tx.$executeRaw`
    UPDATE appeals SET escalated = true, updated_at = now() WHERE id = ${appealId}::uuid AND NOT escalated`;
  return n > 0;
}

/** The buyer did something (an upload, a removal): the expiry clock (APPEAL_EXPIRY_DAYS) starts again. */
export async function touchBuyerActivity(tx: Tx, appealId: string, now: Date): Promise<void> {
  await tx.appeal.update({ where: { id: appealId }, data: { lastBuyerActivityAt: now } });
}

/** Retention deleted the case's document blobs. */
export async function markBlobsPurged(tx: Tx, appealId: string, now: Date): Promise<void> {
  await tx.appeal.update({ where: { id: appealId }, data: { blobsPurgedAt: now } });
}

/** Sets or releases the legal hold (retention skips a held case). */
export async function writeLegalHold(tx: Tx, appealId: string, hold: boolean) {
  return tx.appeal.update({
    where: { id: appealId },
    data: { legalHold: hold },
    select: { id: true, legalHold: true, blobsPurgedAt: true },
  });
}
