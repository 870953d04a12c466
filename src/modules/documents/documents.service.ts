// Document intake: an uploaded file goes through the checker (checks.sharp.ts), the duplicate and last-4
// rules, the OCR card-number guard, and only then is its sanitised copy encrypted and stored. Nothing of a
// rejected upload is stored; every attempt is counted (override eligibility).
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, type ErrorCode, isDependencyDown } from '../../platform/errors.ts';
import { recordHistory } from '../appeals/appeals.history.ts';
import { type AppealStatus, canUpload, MAX_STATEMENT_PAGES, type Slot } from '../appeals/appeals.rules.ts';
import {
  type CheckResult,
  DEFAULT_THRESHOLDS,
  DUPLICATE_MAX_DISTANCE,
  hammingDistance,
  type Inspection,
  type Thresholds,
} from './checks.sharp.ts';
import type { TDocument, TUploadFields } from './documents.schemas.ts';
import { checkOnPool } from './documents.intake-pool.ts';
import { ocrPoolOf, secondOcrPoolOf } from './documents.ocr-pool.ts';
import { deleteBlobQuietly, putSealed } from '../../platform/document-storage.ts';
import { guardImage, guardPdf, refuseCardData } from './documents.guard.ts';
import type { CardReading } from './ocr.ts';
import { type IntakeSource, sourceColumns } from './documents.source.ts';
import { touchBuyerActivity } from '../appeals/appeals.flags.ts';
import { isUuid } from '../../platform/ids.ts';

export type { IntakeSource };

/**
 * What the intake needs: the process's deps, the OCR readers among them (deps.pools: the line reader, null
 * when OCR is off, and the second engine, tesseract, asked when the first read a number-like line without a
 * verdict). A caller wanting other readers replaces deps.pools' entries.
 */
export type IntakeDeps = Deps;

/** Failed attempts (heuristic rules only) on a slot after which `override=true` is honoured. */
export const OVERRIDE_AFTER_FAILED_ATTEMPTS = 2;
/** How far back the cross-buyer duplicate search looks. */
export const CROSS_BUYER_WINDOW_DAYS = 90;

export const FLAGS = {
  OVERRIDDEN: 'OVERRIDDEN',
  DUPLICATE_OTHER_BUYER: 'DUPLICATE_OTHER_BUYER',
  LAST4_MISMATCH_OCR: 'LAST4_MISMATCH_OCR',
  LAST4_NOT_READ: 'LAST4_NOT_READ',
  SUSPICIOUS_DIGIT_RUN: 'SUSPICIOUS_DIGIT_RUN',
  OCR_UNAVAILABLE: 'OCR_UNAVAILABLE',
  SENDER_UNVERIFIED: 'SENDER_UNVERIFIED',
  FORWARDED: 'FORWARDED',
} as const;

type DocumentRow = Prisma.DocumentGetPayload<object>;

export function toDocumentView(d: DocumentRow): TDocument {
  return {
    id: d.id,
    slot: d.slot,
    page: d.page,
    mimeType: d.mimeType,
    width: d.width,
    height: d.height,
    pageCount: d.pageCount,
    checks: d.checks as TDocument['checks'],
    flags: d.flags,
    override: d.override,
    createdAt: d.createdAt.toISOString(),
  };
}

export function intakeThresholds(config: Deps['config']): Thresholds {
  return { ...DEFAULT_THRESHOLDS, maxBytes: config.MAX_UPLOAD_BYTES };
}

// ---------------------------------------------------------------------------------------------------
// Pure rules of intake (no I/O)

/** last 4 (hard): the digits the buyer states for CARD_FRONT must be the order's card last 4. */
export function checkStatedLast4(stated: string, expected: string): CheckResult {
  const passed = stated === expected;
  return {
    rule: 'last4',
    passed,
    hard: true,
    measured: { stated },
    threshold: { expected },
    message: passed
      ? `The last 4 digits ${stated} match the card used for the order.`
      : `You entered ${stated}, but the order was paid with the card ending ${expected}. Please photograph ` +
        'the card used for this order and enter the last 4 digits you can see on it.',
  };
}

/** duplicate (hard): the same picture already stands in another slot (or statement page) of this appeal. */
export function checkDuplicateInAppeal(
  hash: string,
  others: readonly { slot: string; page: number; perceptualHash: string | null }[],
): CheckResult {
  let closest: { slot: string; page: number; distance: number } | null = null;
  for (const o of others) {
    if (!o.perceptualHash) continue;
    const distance = hammingDistance(hash, o.perceptualHash);
    if (!closest || distance < closest.distance) closest = { slot: o.slot, page: o.page, distance };
  }
  const passed = !closest || closest.distance > DUPLICATE_MAX_DISTANCE;
  return {
    rule: 'duplicate',
    passed,
    hard: true,
    measured: closest
      ? { closestSlot: closest.slot, closestPage: closest.page, distance: closest.distance }
      : null,
    threshold: { minDistance: DUPLICATE_MAX_DISTANCE + 1 },
    message: passed
      ? 'This picture is not used for another document.'
      : `This is the same picture you uploaded for ${slotLabel(closest!.slot)}. Each document needs its own photo.`,
  };
}

const SLOT_WORDS: Record<string, string> = {
  ID_FRONT: 'the front of your ID',
  ID_BACK: 'the back of your ID',
  CARD_FRONT: 'the front of your card',
  CARD_BACK: 'the back of your card',
  BILLING_STATEMENT: 'your statement',
};
const slotLabel = (slot: string): string => SLOT_WORDS[slot] ?? slot;

/** The error a failed upload answers with: 413 size, 415 type, 422 last-4 only, else 422 checks. */
export function rejectionCode(failed: readonly CheckResult[], maxBytes: number): ErrorCode {
  const size = failed.find((c) => c.rule === 'size');
  if (size && ((size.measured as { bytes?: number })?.bytes ?? 0) > maxBytes) return 'UPLOAD.TOO_LARGE';
  if (failed.some((c) => c.rule === 'format')) return 'UPLOAD.UNSUPPORTED_TYPE';
  if (failed.length > 0 && failed.every((c) => c.rule === 'last4')) return 'DOCUMENT.LAST4_MISMATCH';
  return 'DOCUMENT.CHECKS_FAILED';
}

/** The smallest free statement page, or null when all MAX_STATEMENT_PAGES are taken. */
export function nextFreePage(taken: readonly number[]): number | null {
  for (let p = 0; p < MAX_STATEMENT_PAGES; p += 1) if (!taken.includes(p)) return p;
  return null;
}

export interface UploadInput {
  appealId: string;
  fields: TUploadFields;
  /** the temporary file multer wrote; the caller removes it */
  filePath: string;
  /** where the file came from; absent = the web page (src/modules/inbound passes EMAIL) */
  source?: IntakeSource;
  /** told the guard's OCR reading (src/modules/inbound classifies by its cues) */
  onReading?: (reading: CardReading | null) => void;
  /** called when the checks (intake pool, OCR guard) are done, before the writes: the route frees its place */
  onChecked?: () => void;
}

function assertUploadAllowed(status: AppealStatus, slot: Slot, requested: readonly Slot[]): void {
  if (canUpload(status, slot, requested)) return;
  if (status === 'MORE_INFO_REQUESTED') {
    throw new AppError('APPEAL.SLOT_NOT_REQUESTED', `The reviewer did not ask for ${slot} again.`, {
      requestedSlots: requested,
    });
  }
  const message = `Documents cannot be uploaded while the appeal is ${status}.`;
  throw new AppError('APPEAL.INVALID_TRANSITION', message, { status });
}

async function lockAppeal(tx: Tx, appealId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM appeals WHERE id = ${appealId}::uuid FOR UPDATE`;
}

/** Has a document of this (image) picture been uploaded to an appeal of another buyer recently? */
async function seenWithOtherBuyer(deps: IntakeDeps, hash: string, buyerId: string): Promise<boolean> {
  const since = new Date(deps.clock.now().getTime() - CROSS_BUYER_WINDOW_DAYS * 86_400_000);
  // A Hamming-distance scan over the window's hashes (bit_count over XOR of bit(64)): exact and cheap at
  // this volume; multi-index hashing on 16-bit chunks can replace it when the window holds millions.
  const rows = await deps.prisma.$queryRaw<{ n: number }[]>`
    SELECT 1 AS n FROM documents d
    JOIN appeals a ON a.id = d.appeal_id
    JOIN blocked_orders o ON o.id = a.order_id
    WHERE d.perceptual_hash IS NOT NULL
      AND d.created_at >= ${since}
      AND o.buyer_id <> ${buyerId}
      AND bit_count(('x' || d.perceptual_hash)::bit(64) # ('x' || ${hash})::bit(64)) <= ${DUPLICATE_MAX_DISTANCE}
    LIMIT 1`;
  return rows.length > 0;
}

async function recordAttempt(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  appealId: string,
  slot: Slot,
  accepted: boolean,
  failed: readonly CheckResult[],
): Promise<void> {
  await deps.prisma.uploadAttempt.create({
    data: {
      appealId,
      slot,
      accepted,
      failedRules: failed.map((c) => c.rule),
      heuristicOnly: failed.length > 0 && failed.every((c) => !c.hard),
      createdAt: deps.clock.now(),
    },
  });
}

/**
 * Checks an uploaded file for a slot and stores its sanitised, encrypted copy as the slot's ACTIVE
 * document (replacing the previous one atomically). Throws AppError with every check result otherwise.
 */
export async function uploadDocument(deps: IntakeDeps, input: UploadInput): Promise<TDocument> {
  const { appealId, fields } = input;
  const slot = fields.slot as Slot;
  const appeal = await deps.prisma.appeal.findUnique({ where: { id: appealId }, include: { order: true } });
  if (!appeal) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
  assertUploadAllowed(appeal.status, slot, appeal.requestedSlots as Slot[]);
  const unsorted = input.source?.unsorted;
  if (slot === 'CARD_FRONT' && !fields.cardLast4 && !unsorted) {
    throw new AppError('REQUEST.INVALID', 'Enter the last 4 digits you can see on the card.', [
      { path: 'cardLast4', message: 'required for CARD_FRONT: exactly 4 digits' },
    ]);
  }
  if (slot !== 'CARD_FRONT' && fields.cardLast4 !== undefined) {
    throw new AppError('REQUEST.INVALID', 'cardLast4 belongs to CARD_FRONT only.', [
      { path: 'cardLast4', message: 'only for CARD_FRONT' },
    ]);
  }
  if (slot !== 'BILLING_STATEMENT' && (fields.page ?? 0) !== 0) {
    throw new AppError('REQUEST.INVALID', 'Only the billing statement has several pages.', [
      { path: 'page', message: 'only for BILLING_STATEMENT' },
    ]);
  }

  const pool = ocrPoolOf(deps);
  const t = intakeThresholds(deps.config);
  // the CPU work (decode, measure, encode, hash, encrypt) runs on the intake pool's threads
  const checked = await checkOnPool(
    deps,
    { path: input.filePath, slot, thresholds: t, ocrInput: pool !== null },
    { admit: !input.source },
  );
  const inspection: Inspection = checked.inspection;
  const checks: CheckResult[] = [...inspection.checks];
  const flags: string[] = [];
  const hash = inspection.perceptualHash ?? null;

  if (hash) {
    const others = await deps.prisma.document.findMany({
      where: { appealId, status: 'ACTIVE', perceptualHash: { not: null } },
      select: { slot: true, page: true, perceptualHash: true },
    });
    // the document this upload replaces is not a duplicate of it
    const replaced = (o: { slot: string; page: number }) =>
      o.slot === slot && (slot !== 'BILLING_STATEMENT' || o.page === fields.page);
    checks.push(
      checkDuplicateInAppeal(
        hash,
        others.filter((o) => !replaced(o)),
      ),
    );
  }
  if (slot === 'CARD_FRONT' && fields.cardLast4)
    checks.push(checkStatedLast4(fields.cardLast4, appeal.order.cardLast4));

  // The card-data guard runs on every image that decodes and every PDF the pdf rule let through,
  // whatever the other rules said: a buyer who must retake a small or blurred photo also learns at once
  // that the full number must be covered, and the incident is recorded. It fails closed for card slots
  // and statements (documents.guard.ts).
  let cardLast4Read: string | null = null;
  const countRefusal = (c: CheckResult) => recordAttempt(deps, appealId, slot, false, [c]);
  const guard =
    pool && inspection.ocrInput
      ? await guardImage(deps, pool, slot, inspection.ocrInput, secondOcrPoolOf(deps), !!unsorted)
      : inspection.kind === 'pdf' && inspection.passed && inspection.sanitised
        ? await guardPdf(deps, pool, slot, inspection.sanitised.bytes, {
            maxPages: t.maxPdfPages,
            pageCount: inspection.pageCount ?? 0,
          })
        : null;
  input.onChecked?.();
  if (guard?.unavailable) flags.push(FLAGS.OCR_UNAVAILABLE);
  const reading = guard?.reading ?? null;
  input.onReading?.(reading);
  if (reading) {
    deps.logger.info({ slot, ocrMs: reading.ms }, 'card digits read');
    if (reading.fullNumberDetected)
      await refuseCardData(deps, { appealId, slot, checks, reading }, 'full', countRefusal);
    if (reading.cvvVisible)
      await refuseCardData(deps, { appealId, slot, checks, reading }, 'cvv', countRefusal);
    if (reading.suspiciousDigitRun) flags.push(FLAGS.SUSPICIOUS_DIGIT_RUN);
    if (slot === 'CARD_FRONT' || unsorted) cardLast4Read = reading.last4;
    if (slot === 'CARD_FRONT') {
      if (reading.last4 === null) flags.push(FLAGS.LAST4_NOT_READ);
      else if (
        (fields.cardLast4 && reading.last4 !== fields.cardLast4) ||
        reading.last4 !== appeal.order.cardLast4
      )
        flags.push(FLAGS.LAST4_MISMATCH_OCR);
    }
  }

  if (input.source?.senderCheck === 'UNVERIFIED') flags.push(FLAGS.SENDER_UNVERIFIED);
  if (input.source?.forwarded) flags.push(FLAGS.FORWARDED);
  const failed = checks.filter((c) => !c.passed);
  let overridden = false;
  if (failed.length > 0) {
    const heuristicOnly = failed.every((c) => !c.hard);
    const priorFailures = heuristicOnly
      ? await deps.prisma.uploadAttempt.count({
          where: { appealId, slot, accepted: false, heuristicOnly: true },
        })
      : 0;
    const eligible = heuristicOnly && priorFailures >= OVERRIDE_AFTER_FAILED_ATTEMPTS;
    if (fields.override && eligible) {
      overridden = true;
      flags.unshift(FLAGS.OVERRIDDEN);
    } else {
      await recordAttempt(deps, appealId, slot, false, failed);
      const code = rejectionCode(failed, t.maxBytes);
      throw new AppError(code, failed[0]!.message, {
        checks,
        // the page offers "upload anyway" from the next attempt on
        overrideAvailable: heuristicOnly && priorFailures + 1 >= OVERRIDE_AFTER_FAILED_ATTEMPTS,
        ...(fields.override && !eligible
          ? {
              overrideRefused: heuristicOnly
                ? `override is possible after ${OVERRIDE_AFTER_FAILED_ATTEMPTS} failed attempts`
                : 'a rule that cannot be overridden failed',
            }
          : {}),
      });
    }
  }
  const sanitised = checked.sealed;
  if (!sanitised)
    throw new AppError('INTERNAL', 'the checker produced no sanitised copy for an accepted upload');

  if (hash && (await seenWithOtherBuyer(deps, hash, appeal.order.buyerId)))
    flags.push(FLAGS.DUPLICATE_OTHER_BUYER);

  // The blob is written before the transaction and deleted if the transaction fails: a row never points
  // at a missing blob, and a blob without a row exists only if this process dies in between (the orphan
  // sweep finds those).
  const stored = await putSealed(deps.storage, sanitised);
  const purge: string[] = [];
  let doc: DocumentRow;
  try {
    doc = await deps.prisma.$transaction(
      async (tx) => {
        await lockAppeal(tx, appealId);
        const current = await tx.appeal.findUniqueOrThrow({
          where: { id: appealId },
          select: { status: true, requestedSlots: true, round: true, submittedAt: true },
        });
        assertUploadAllowed(current.status, slot, current.requestedSlots as Slot[]);
        const now = deps.clock.now();
        let page = 0;
        if (slot === 'BILLING_STATEMENT' && !unsorted) {
          if (fields.page !== undefined) page = fields.page;
          else {
            const taken = await tx.document.findMany({
              where: { appealId, slot, status: 'ACTIVE' },
              select: { page: true },
            });
            const free = nextFreePage(taken.map((d) => d.page));
            if (free === null) {
              throw new AppError(
                'DOCUMENT.TOO_MANY_PAGES',
                `The statement already has ${MAX_STATEMENT_PAGES} pages; replace or remove a page first.`,
                { maxPages: MAX_STATEMENT_PAGES },
              );
            }
            page = free;
          }
        }
        // an UNSORTED document stands beside the slots and replaces nothing
        const previous = unsorted
          ? []
          : await tx.document.findMany({ where: { appealId, slot, page, status: 'ACTIVE' } });
        for (const p of previous) {
          // A replaced document no reviewer has seen (uploaded after the last submission) is not kept.
          const unseen = !current.submittedAt || p.createdAt > current.submittedAt;
          await tx.document.update({
            where: { id: p.id },
            data: {
              status: 'SUPERSEDED',
              ...(unseen ? { blobKey: null, wrappedKey: null, purgedAt: now } : {}),
            },
          });
          if (unseen && p.blobKey) purge.push(p.blobKey);
        }
        const created = await tx.document.create({
          data: {
            appealId,
            slot,
            page,
            round: current.round,
            blobKey: stored.blobKey,
            wrappedKey: new Uint8Array(stored.wrappedKey),
            keyId: stored.keyId,
            mimeType: sanitised.mimeType,
            byteSize: sanitised.byteSize,
            width: inspection.width ?? null,
            height: inspection.height ?? null,
            pageCount: inspection.pageCount ?? null,
            contentHash: sanitised.contentHash,
            perceptualHash: hash,
            checks: checks as unknown as Prisma.InputJsonValue,
            flags,
            override: overridden,
            cardLast4Stated: slot === 'CARD_FRONT' ? (fields.cardLast4 ?? null) : null,
            cardLast4Read,
            ...(input.source ? sourceColumns(input.source) : {}),
            createdAt: now,
          },
        });
        await tx.uploadAttempt.create({
          data: {
            appealId,
            slot,
            accepted: true,
            failedRules: failed.map((c) => c.rule),
            heuristicOnly: failed.length > 0,
            createdAt: now,
          },
        });
        await touchBuyerActivity(tx, appealId, now);
        await recordHistory(tx, {
          appealId,
          at: now,
          actor: { type: 'BUYER' },
          action: 'DOCUMENT_UPLOADED',
          data: {
            documentId: created.id,
            slot,
            page,
            flags,
            replaced: previous.map((p) => p.id),
            ...(input.source ? { source: 'EMAIL', unsorted: Boolean(unsorted) } : {}),
          },
        });
        return created;
      },
      { maxWait: 10_000, timeout: 20_000 },
    );
  } catch (e) {
    // When the connection to the database dropped, the commit may have happened without our hearing of
    // it: deleting the blob could leave a row pointing at nothing. Keep it; if no row claims it, the
    // orphan sweep (storage.sweep-orphans) removes it later.
    if (isDependencyDown(e))
      deps.logger.warn(
        { appealId, slot },
        'upload outcome unknown (database connection lost); blob kept for the orphan sweep',
      );
    else await deleteBlobQuietly(deps.storage, stored.blobKey, deps.logger);
    throw e;
  }
  for (const key of purge) await deleteBlobQuietly(deps.storage, key, deps.logger);
  return toDocumentView(doc);
}

/**
 * Removes a document before submission: status REMOVED, blob deleted. Allowed while the slot can take
 * uploads (AWAITING_DOCUMENTS, or a requested slot in MORE_INFO_REQUESTED) and only for a document
 * uploaded since the last submission: what a reviewer has seen stays.
 */
export async function removeDocument(deps: IntakeDeps, appealId: string, docId: string): Promise<void> {
  if (!isUuid(docId)) throw new AppError('DOCUMENT.NOT_FOUND', 'No such document.');
  let blobKey: string | null = null;
  await deps.prisma.$transaction(async (tx) => {
    await lockAppeal(tx, appealId);
    const appeal = await tx.appeal.findUniqueOrThrow({
      where: { id: appealId },
      select: { status: true, requestedSlots: true, submittedAt: true },
    });
    const doc = await tx.document.findFirst({ where: { id: docId, appealId, status: 'ACTIVE' } });
    if (!doc) throw new AppError('DOCUMENT.NOT_FOUND', 'No such document.');
    assertUploadAllowed(appeal.status, doc.slot as Slot, appeal.requestedSlots as Slot[]);
    if (appeal.submittedAt && doc.createdAt <= appeal.submittedAt) {
      throw new AppError('APPEAL.INVALID_TRANSITION', 'A document already submitted cannot be removed.');
    }
    const now = deps.clock.now();
    await tx.document.update({
      where: { id: doc.id },
      data: { status: 'REMOVED', removedAt: now, blobKey: null, wrappedKey: null, purgedAt: now },
    });
    await touchBuyerActivity(tx, appealId, now);
    await recordHistory(tx, {
      appealId,
      at: now,
      actor: { type: 'BUYER' },
      action: 'DOCUMENT_REMOVED',
      data: { documentId: doc.id, slot: doc.slot, page: doc.page },
    });
    blobKey = doc.blobKey;
  });
  if (blobKey) await deleteBlobQuietly(deps.storage, blobKey, deps.logger);
}
