// The e-mail consumer: renders an outbox row's message in the recipient's language and sends it.
//
// What a failure means decides what happens next (runJob records it on the row):
// - the server refused this recipient or this message for good (5xx answer to RCPT TO or DATA, e.g.
//   550 "no such user"): PermanentJobError -> row FAILED with the server's answer, never retried;
// - anything else (4xx "try later", connection refused or reset, timeouts, a 5xx to the greeting or the
//   login, which is our configuration and not the recipient): a plain error -> BullMQ retries with
//   exponential backoff, and the row goes DEAD after the last attempt.
//
// Delivery is at-least-once: if the worker dies after the server accepted the message but before the row
// is marked DONE, the job runs again and the message is sent again with the SAME Message-ID (README,
// "Notifications and webhooks").
import { isAppError } from '../../platform/errors.ts';
import { errorText, type OutboxHandler, PermanentJobError } from '../../platform/jobs.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { Deps } from '../../platform/deps.ts';
import { appealToken, appealUrl } from '../../platform/appeal-token.ts';
import { APPEAL_LINK_PLACEHOLDER } from '../../platform/email-outbox.ts';
import { EmailMessageSchema, pickLocale, renderEmail } from './notifications.templates.ts';
import { isInboundTemplate, renderInboundEmail } from './notifications.templates.inbound.ts';
import { outgoingHeaders } from '../../platform/mail-ref.ts';

/** Puts the appeal's current link where the outbox row holds the placeholder (see queueEmail). */
async function withAppealLink(
  deps: Pick<Deps, 'prisma' | 'config'>,
  message: Record<string, unknown>,
  appealId: string | undefined,
): Promise<Record<string, unknown>> {
  if (message.appealUrl !== APPEAL_LINK_PLACEHOLDER) return message;
  if (!appealId) throw new PermanentJobError('appeal link placeholder without an appealId');
  const appeal = await deps.prisma.appeal.findUnique({
    where: { id: appealId },
    select: { tokenNonce: true, pendingTokenNonce: true },
  });
  if (!appeal) throw new PermanentJobError('appeal of the e-mail not found');
  // a reissued link waits as the pending link until it is opened (appeals.reissue.ts)
  const nonce =
    message.template === 'NEW_APPEAL_LINK'
      ? (appeal.pendingTokenNonce ?? appeal.tokenNonce)
      : appeal.tokenNonce;
  const token = appealToken(nonce, deps.config.APPEAL_TOKEN_SECRET);
  return { ...message, appealUrl: appealUrl(deps.config.PUBLIC_BASE_URL, token) };
}

/** The Message-ID of an outbox row's e-mail: the same on every attempt, so receivers can drop a repeat. */
export function messageIdFor(outboxId: string): string {
  return `<${outboxId}@appeal-desk>`;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** True when the server has refused this recipient or this message for good. */
export function isPermanentSmtpError(err: unknown): boolean {
  const e = err as SmtpError;
  if (typeof e?.responseCode !== 'number' || e.responseCode < 500 || e.responseCode > 599) return false;
  // EENVELOPE: a recipient refused at RCPT TO; EMESSAGE: the message refused after DATA
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return true;
  return /^(RCPT TO|DATA)/i.test(e.command ?? '');
}

/** The server's own answer when there is one ("550 5.1.1 ... unknown user"), else what went wrong. */
export function smtpAnswer(err: unknown): string {
  const e = err as SmtpError;
  if (e?.response) return e.response;
  return [e?.code, e?.message].filter(Boolean).join(': ') || String(err);
}

export function emailHandler(mailer: Mailer): OutboxHandler<'email.send'> {
  return async (payload, ctx) => {
    const message = await withAppealLink(ctx.deps, payload.message, payload.appealId);
    const inbound = isInboundTemplate(payload.message.template);
    const parsed = inbound
      ? { success: true as const, data: message }
      : EmailMessageSchema.safeParse(message);
    if (!parsed.success) {
      // which fields and why, never their values: the admin view shows this
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
      throw new PermanentJobError(errorText(`invalid e-mail message ${payload.message.template} (${why})`));
    }
    const locale = pickLocale(payload.locale);
    let rendered: ReturnType<typeof renderEmail>;
    try {
      rendered = inbound ? renderInboundEmail(message, locale) : renderEmail(parsed.data as never, locale);
    } catch (err) {
      // a message the templates refuse will be refused on every attempt
      if (isAppError(err))
        throw new PermanentJobError(`cannot render ${payload.message.template}: ${err.message}`);
      throw err;
    }
    // RFC 3834 on every mail, and the appeal's reference for replies (src/platform/mail-ref.ts)
    const out = outgoingHeaders({
      appealId: payload.appealId,
      secret: ctx.deps.config.APPEAL_TOKEN_SECRET,
      mailbox: ctx.deps.config.SECURITY_MAILBOX,
      autoReplied: Boolean(payload.reply),
      reply: payload.reply,
    });
    try {
      const sent = await mailer.send({
        to: payload.to,
        subject: rendered.subject + out.subjectTag,
        text: rendered.text,
        html: rendered.html,
        messageId: messageIdFor(ctx.outboxId),
        headers: { 'Content-Language': locale, 'X-Appeal-Desk-Outbox-Id': ctx.outboxId, ...out.headers },
      });
      return { result: { messageId: sent.messageId, response: sent.response } };
    } catch (err) {
      // servers quote the recipient back: the message is redacted here, before any log sees it
      if (isPermanentSmtpError(err)) throw new PermanentJobError(errorText(smtpAnswer(err)));
      throw new Error(errorText(smtpAnswer(err)), { cause: err });
    }
  };
}
