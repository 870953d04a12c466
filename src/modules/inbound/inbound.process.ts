// The job of one received mail: who sent it, which appeal, and every file through the upload use case
// (documents.service.ts uploadDocument: every check, the card-number guard and its incident, encryption,
// duplicates), then one answer. Re-running the job after a crash skips the files already filed.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Prisma } from '../../generated/prisma/client.ts';
import { isAppError } from '../../platform/errors.ts';
import type { Slot } from '../appeals/appeals.rules.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { type IntakeDeps, uploadDocument } from '../documents/documents.service.ts';
import { deleteBlobQuietly, readDecrypted } from '../../platform/document-storage.ts';
import type { CardReading } from '../documents/ocr.types.ts';
import { checkSender, type AuthVerdict } from './inbound.auth.ts';
import { checkingSlot, classify, classifyByText, PLACE_CONFIDENCE, withOcr } from './inbound.classify.ts';
import { matchAppeal } from './inbound.match.ts';
import { mustNotAnswer, parseMail, type ParsedMail } from './inbound.parse.ts';
import { finishMatched, finishUnmatched, type FileOutcome } from './inbound.answer.ts';
import { failedChecksOf } from './inbound.reasons.ts';
import { placeUnsorted } from './inbound.unsorted.ts';

type MailRow = Prisma.InboundMailGetPayload<object>;

/** How long a processing run holds a mail before another run may take it over (a run dies with its worker). */
export const CLAIM_LEASE_MS = 2 * 60_000;

async function rawOf(deps: IntakeDeps, mail: MailRow): Promise<Buffer> {
  return readDecrypted(deps.storage, {
    blobKey: mail.rawBlobKey!,
    wrappedKey: mail.rawWrappedKey!,
    keyId: mail.rawKeyId!,
  });
}

async function authenticate(deps: IntakeDeps, mail: MailRow, raw: Buffer): Promise<AuthVerdict> {
  const received = (mail.auth as { received?: { ip?: string; helo?: string } } | null)?.received ?? {};
  try {
    return await checkSender(raw, {
      ip: received.ip ?? '127.0.0.1',
      helo: received.helo ?? '',
      mailFrom: mail.envelopeFrom,
      mta: new URL(deps.config.PUBLIC_BASE_URL).hostname,
      trustReceived: deps.config.INBOUND_LMTP,
    });
  } catch (err) {
    // DNS down or a message mailauth cannot read: accepted, flagged for the reviewer
    deps.logger.warn({ inboundMailId: mail.id, err: (err as Error).message }, 'sender check failed to run');
    return {
      senderCheck: 'UNVERIFIED',
      results: { spf: 'temperror', dkim: [], dmarc: 'temperror', arc: 'none', headerFrom: null },
    };
  }
}

/** Processes one mail; a mail already processed (or quarantined, discarded) is left alone. */
export async function processInboundMail(deps: IntakeDeps, id: string): Promise<void> {
  const mail = await deps.prisma.inboundMail.findUnique({ where: { id } });
  if (!mail || !mail.rawBlobKey) return;
  // RELEASED: a quarantined mail staff let through (its sender check is not run again)
  if (mail.status !== 'RECEIVED' && mail.status !== 'RELEASED') return;
  const opts = { released: mail.status === 'RELEASED' };
  // one run at a time: a redelivered job (a stalled lock, a restarted worker) waits for the lease
  const now0 = deps.clock.now();
  const claimed = await deps.prisma.inboundMail.updateMany({
    where: {
      id,
      status: mail.status,
      OR: [{ claimedAt: null }, { claimedAt: { lt: new Date(now0.getTime() - CLAIM_LEASE_MS) } }],
    },
    data: { claimedAt: now0 },
  });
  if (claimed.count === 0) throw new Error('inbound mail is being processed by another run; retrying later');
  const raw = await rawOf(deps, mail);
  const parsed = await parseMail(raw, { totalBytes: deps.config.INBOUND_MAX_BYTES });
  const silent = mustNotAnswer(parsed, mail.envelopeFrom);
  const now = deps.clock.now();
  let senderCheck: 'PASS' | 'UNVERIFIED' | 'RELEASED';
  if (opts.released) senderCheck = 'RELEASED';
  else {
    const verdict = await authenticate(deps, mail, raw);
    const data = {
      fromAddress: parsed.fromAddress,
      subject: parsed.subject.slice(0, 300),
      senderCheck: verdict.senderCheck,
      auth: { ...(mail.auth as object), results: verdict.results } as Prisma.InputJsonValue,
    };
    if (verdict.senderCheck === 'FAIL') {
      await deps.prisma.$transaction(async (tx) => {
        await tx.inboundMail.update({
          where: { id },
          data: {
            ...data,
            status: 'QUARANTINED',
            processedAt: now,
            claimedAt: null,
            // the staff list shows what the mail carries: names, types and sizes, never content
            quarantinedFiles: [
              ...parsed.files.map((f) => ({
                filename: f.filename,
                mimeType: f.mimeType,
                size: f.content.length,
                forwarded: f.forwarded,
              })),
              ...parsed.skipped.map((f) => ({
                filename: f.filename,
                mimeType: null,
                size: null,
                forwarded: false,
              })),
            ],
          },
        });
        await appendAudit(tx, {
          at: now,
          actor: { type: 'SYSTEM', id: 'inbound' },
          action: 'INBOUND_MAIL_QUARANTINED',
          target: { type: 'inbound_mail', id },
          data: { dmarc: verdict.results.dmarc, spf: verdict.results.spf, files: parsed.files.length },
        });
      });
      deps.logger.warn({ inboundMailId: id }, 'inbound mail failed DMARC: quarantined');
      return;
    }
    await deps.prisma.inboundMail.update({ where: { id }, data });
    senderCheck = verdict.senderCheck;
  }

  const recipients = ((mail.auth as { received?: { rcptTo?: string[] } } | null)?.received?.rcptTo ??
    []) as string[];
  const match = await matchAppeal(deps, {
    subject: parsed.subject,
    text: parsed.text,
    recipients,
    threadIds: [...parsed.inReplyTo, ...parsed.references],
    fromAddress: parsed.fromAddress,
  });
  if (match.kind !== 'appeal') {
    // nothing of an unmatched mail is kept but its row (dedupe, the once-a-day answer)
    await finishUnmatched(deps, mail, parsed, match, silent);
    await deleteBlobQuietly(deps.storage, mail.rawBlobKey, deps.logger);
    return;
  }
  const outcomes = await fileAll(deps, mail, parsed, match.appealId, senderCheck);
  await finishMatched(
    deps,
    mail,
    parsed,
    { appealId: match.appealId, by: match.by, senderCheck },
    outcomes,
    silent,
  );
}

async function dimensions(buf: Buffer): Promise<{ width: number | null; height: number | null }> {
  try {
    const m = await sharp(buf, { limitInputPixels: 100_000_000 }).metadata();
    const swap = (m.orientation ?? 1) >= 5;
    return { width: (swap ? m.height : m.width) ?? null, height: (swap ? m.width : m.height) ?? null };
  } catch {
    return { width: null, height: null };
  }
}

async function fileAll(
  deps: IntakeDeps,
  mail: MailRow,
  parsed: ParsedMail,
  appealId: string,
  senderCheck: 'PASS' | 'UNVERIFIED' | 'RELEASED',
): Promise<FileOutcome[]> {
  const done = ((mail.attachments as FileOutcome[] | null) ?? []).slice();
  const order = await deps.prisma.appeal.findUniqueOrThrow({
    where: { id: appealId },
    select: { order: { select: { cardLast4: true } } },
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'inbound-'));
  try {
    for (let i = done.length; i < parsed.files.length; i++) {
      const f = parsed.files[i]!;
      // a crash between a filed document and the progress update: the document is there, reuse it
      const already = await deps.prisma.document.findFirst({
        where: { inboundMailId: mail.id, filename: f.filename.slice(0, 255) },
        select: { id: true, status: true, slot: true },
      });
      let outcome: FileOutcome;
      if (already) {
        outcome = {
          filename: f.filename,
          outcome: already.status === 'UNSORTED' ? 'UNSORTED' : 'PLACED',
          slot: already.slot as Slot,
          documentId: already.id,
          reason: null,
        };
      } else {
        outcome = await fileOne(deps, dir, mail.id, appealId, f, senderCheck, order.order.cardLast4);
      }
      done.push(outcome);
      await deps.prisma.inboundMail.update({
        where: { id: mail.id },
        data: { attachments: done as unknown as Prisma.InputJsonValue },
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return [
    ...done,
    ...parsed.skipped.map((s) => ({
      filename: s.filename,
      outcome: 'SKIPPED' as const,
      slot: null,
      documentId: null,
      reason: s.why === 'TOO_MANY' ? 'TOO_MANY' : 'TOTAL_TOO_LARGE',
    })),
  ];
}

async function fileOne(
  deps: IntakeDeps,
  dir: string,
  inboundMailId: string,
  appealId: string,
  f: ParsedMail['files'][number],
  senderCheck: 'PASS' | 'UNVERIFIED' | 'RELEASED',
  orderLast4: string,
): Promise<FileOutcome> {
  const isPdf = f.content.subarray(0, 5).toString('latin1') === '%PDF-';
  const dims = isPdf ? { width: null, height: null } : await dimensions(f.content);
  const c = classify({ filename: f.filename, isPdf, ...dims });
  const place = c.slot !== null && c.slot !== 'CARD_FRONT' && c.confidence >= PLACE_CONFIDENCE;
  const slot: Slot = place ? c.slot! : checkingSlot(c, isPdf);
  const file = path.join(dir, randomUUID());
  await writeFile(file, f.content);
  const source = {
    channel: 'EMAIL' as const,
    senderCheck,
    filename: f.filename,
    inboundMailId,
    forwarded: f.forwarded,
  };
  try {
    let reading: CardReading | null = null;
    const doc = await uploadDocument(deps, {
      appealId,
      fields: { slot, override: false },
      filePath: file,
      source: place ? source : { ...source, unsorted: { slotGuess: c.slot, confidence: c.confidence } },
      onReading: (r) => {
        reading = r;
      },
    });
    if (place)
      return { filename: f.filename, outcome: 'PLACED', slot, documentId: doc.id, reason: null, cue: c.cue };
    // the words of the intake's own OCR read (no second read to classify): MRZ, PASSPORT, bank words,
    // brand marks, the order's last 4
    const r = reading as CardReading | null;
    const guess = withOcr(c, classifyByText(r?.cues, r?.last4 ?? null, orderLast4));
    // a card front is placed by itself only when OCR read the order's last 4 on it
    const cardOk = guess.slot !== 'CARD_FRONT' || (r?.last4 != null && r.last4 === orderLast4);
    if (guess.slot && guess.confidence >= PLACE_CONFIDENCE && cardOk) {
      try {
        const placed = await placeUnsorted(deps, appealId, doc.id, {
          slot: guess.slot,
          ...(guess.slot === 'CARD_FRONT' ? { cardLast4: orderLast4 } : {}),
        });
        return {
          filename: f.filename,
          outcome: 'PLACED',
          slot: guess.slot,
          documentId: placed.id,
          reason: null,
          cue: guess.cue,
        };
      } catch (err) {
        // stays unsorted (the slot's own rules refused it, or the slot takes no upload now); the buyer places it
        deps.logger.info(
          { inboundMailId, slot: guess.slot, code: (err as { code?: string }).code },
          'OCR guess not placed',
        );
      }
    }
    if (guess !== c)
      await deps.prisma.document.updateMany({
        where: { id: doc.id, status: 'UNSORTED' },
        data: { slotGuess: guess.slot, slotConfidence: guess.confidence },
      });
    return {
      filename: f.filename,
      outcome: 'UNSORTED',
      slot: guess.slot,
      documentId: doc.id,
      reason: null,
      confidence: guess.confidence,
      cue: guess.cue,
    };
  } catch (err) {
    if (!isAppError(err) || err.code === 'INTERNAL' || err.code === 'DEPENDENCY.UNAVAILABLE') throw err;
    return {
      filename: f.filename,
      outcome: 'REFUSED',
      slot: place ? slot : null,
      documentId: null,
      reason: err.message,
      code: err.code,
      ...(failedChecksOf(err.details) ? { checks: failedChecksOf(err.details) } : {}),
    };
  } finally {
    await rm(file, { force: true });
  }
}
