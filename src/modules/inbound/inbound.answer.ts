// The end of a mail's job, in one transaction: its row PROCESSED/UNMATCHED, the case history entry and
// the audit record, and at most one answer (threaded, RFC 3834 auto-replied, in the buyer's language,
// through the outbox). A mail no robot should answer, or a sender over the answer limit, gets none.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { money } from '../../platform/money.ts';
import { recordHistory } from '../appeals/appeals.history.ts';
import { type IdType, requiredSlots, type Slot } from '../appeals/appeals.rules.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { APPEAL_LINK_PLACEHOLDER, type QueuedEmail, queueEmail } from '../../platform/email-outbox.ts';
import type { Match } from './inbound.match.ts';
import type { ParsedMail } from './inbound.parse.ts';
import { readyForReview, submitLink } from './inbound.submit-link.ts';
import { reasonIn, type StoredCheck } from './inbound.reasons.ts';

/** An answer of the e-mail channel: its templates and schema are the notifications module's
 * (notifications.templates.inbound.ts), which validates it when it renders. */
type InboundMessage = QueuedEmail['message'];

export interface FileOutcome {
  filename: string;
  outcome: 'PLACED' | 'UNSORTED' | 'REFUSED' | 'SKIPPED';
  slot: Slot | null;
  documentId: string | null;
  reason: string | null;
  code?: string;
  /** the failed checks of a REFUSED file, for the answer in the buyer's language */
  checks?: StoredCheck[];
  confidence?: number;
  /** which cue placed or guessed it (file name, shape, OCR words) */
  cue?: string;
}

/** Answers per sender address within an hour, and to unmatched senders within a day. */
export const ANSWERS_PER_SENDER_PER_HOUR = 5;
export const UNMATCHED_ANSWERS_PER_DAY = 1;

type MailRow = Prisma.InboundMailGetPayload<object>;

async function answerAllowed(tx: Tx, deps: Pick<Deps, 'clock'>, from: string | null, unmatched: boolean) {
  if (!from) return false;
  const now = deps.clock.now().getTime();
  const since = new Date(now - (unmatched ? 86_400_000 : 3_600_000));
  const n = await tx.inboundMail.count({
    where: {
      fromAddress: from,
      answered: true,
      processedAt: { gte: since },
      ...(unmatched ? { status: 'UNMATCHED' } : {}),
    },
  });
  return n < (unmatched ? UNMATCHED_ANSWERS_PER_DAY : ANSWERS_PER_SENDER_PER_HOUR);
}

function reply(mail: MailRow, parsed: ParsedMail) {
  if (!mail.messageId) return undefined;
  return { inReplyTo: mail.messageId, references: parsed.references.slice(-10) };
}

export async function finishUnmatched(
  deps: Pick<Deps, 'prisma' | 'clock' | 'logger'>,
  mail: MailRow,
  parsed: ParsedMail,
  match: Exclude<Match, { kind: 'appeal' }>,
  silent: boolean,
): Promise<void> {
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    const to = parsed.fromAddress;
    let answered = false;
    if (!silent && to && (await answerAllowed(tx, deps, to, match.kind === 'none'))) {
      let message: InboundMessage;
      if (match.kind === 'ambiguous') {
        const appeals = await tx.appeal.findMany({
          where: { id: { in: match.appealIds } },
          select: {
            order: { select: { orderId: true, amountMinor: true, currency: true, blockedAt: true } },
          },
        });
        message = {
          template: 'INBOUND_WHICH_ORDER',
          subject: parsed.subject,
          orders: appeals.map((a) => ({
            orderId: a.order.orderId,
            amount: money(a.order.amountMinor, a.order.currency),
            date: a.order.blockedAt.toISOString().slice(0, 10),
          })),
        };
      } else message = { template: 'INBOUND_HOW_TO_APPEAL', subject: parsed.subject };
      await queueEmail(tx, { to, locale: localeOf(parsed), message, reply: reply(mail, parsed) });
      answered = true;
    }
    await tx.inboundMail.update({
      where: { id: mail.id },
      data: {
        status: 'UNMATCHED',
        matchedBy: match.kind === 'ambiguous' ? 'AMBIGUOUS' : null,
        answered,
        processedAt: now,
        rawBlobKey: null,
        rawWrappedKey: null,
        rawKeyId: null,
      },
    });
  });
}

/** A mail written in Chinese is answered in Chinese; otherwise the order's locale decides. */
function localeOf(parsed: ParsedMail, orderLocale?: string): string {
  const cjk = (`${parsed.subject} ${parsed.text}`.match(/[\u4e00-\u9fff]/g) ?? []).length;
  if (cjk >= 2) return 'zh';
  return orderLocale ?? 'en';
}

export async function finishMatched(
  deps: Pick<Deps, 'prisma' | 'clock' | 'logger' | 'config'>,
  mail: MailRow,
  parsed: ParsedMail,
  m: { appealId: string; by: string; senderCheck: string },
  outcomes: FileOutcome[],
  silent: boolean,
): Promise<void> {
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    const appeal = await tx.appeal.findUniqueOrThrow({
      where: { id: m.appealId },
      include: {
        order: true,
        documents: { where: { status: 'ACTIVE' }, select: { slot: true, cardLast4Read: true } },
      },
    });
    const ready = readyForReview(appeal);
    const filled = new Set(appeal.documents.map((d) => d.slot as Slot));
    const missing = requiredSlots(appeal.idType as IdType | null).filter((s) => !filled.has(s));
    let answered = false;
    if (!silent && parsed.fromAddress && (await answerAllowed(tx, deps, parsed.fromAddress, false))) {
      const locale = localeOf(parsed, appeal.order.buyerLocale);
      const message: InboundMessage = {
        template: 'INBOUND_ANSWER',
        subject: parsed.subject,
        buyerName: appeal.order.buyerName,
        orderId: appeal.order.orderId,
        files: outcomes.map((o) => ({
          filename: o.filename,
          outcome: o.outcome,
          slot: o.slot,
          reason: reasonIn(locale, o),
        })),
        missing,
        appealUrl: APPEAL_LINK_PLACEHOLDER,
        submitUrl: ready
          ? submitLink(deps.config.PUBLIC_BASE_URL, appeal, now, deps.config.APPEAL_TOKEN_SECRET)
          : null,
        tnef: parsed.tnef,
      };
      // answers go to the buyer's address on the order, never to whatever address the mail came from
      await queueEmail(tx, {
        to: appeal.order.buyerEmail,
        locale,
        message,
        appealId: appeal.id,
        reply: reply(mail, parsed),
      });
      answered = true;
    }
    await tx.inboundMail.update({
      where: { id: mail.id },
      data: {
        status: 'PROCESSED',
        appealId: appeal.id,
        matchedBy: m.by,
        attachments: outcomes as unknown as Prisma.InputJsonValue,
        answered,
        processedAt: now,
      },
    });
    const fresh = await tx.inboundMail.findUnique({ where: { id: mail.id }, select: { auth: true } });
    const summary = {
      inboundMailId: mail.id,
      matchedBy: m.by,
      senderCheck: m.senderCheck,
      auth: ((fresh?.auth as { results?: unknown } | null)?.results ?? null) as Prisma.InputJsonValue,
      files: outcomes.map((o) => ({
        filename: o.filename,
        outcome: o.outcome,
        slot: o.slot,
        documentId: o.documentId,
        code: o.code ?? null,
      })),
      tnef: parsed.tnef,
      answered,
    };
    await recordHistory(tx, {
      appealId: appeal.id,
      at: now,
      actor: { type: 'BUYER' },
      action: 'EMAIL_RECEIVED',
      data: summary,
    });
    await appendAudit(tx, {
      at: now,
      actor: { type: 'SYSTEM', id: 'inbound' },
      action: 'INBOUND_MAIL_PROCESSED',
      appealId: appeal.id,
      target: { type: 'inbound_mail', id: mail.id },
      data: { matchedBy: m.by, senderCheck: m.senderCheck, files: outcomes.length, answered },
    });
  });
}
