// The e-mail consumer: renders an outbox row's message in the recipient's language and sends it.
import type { OutboxHandler } from '../../platform/jobs.ts';
import type { Mailer } from '../../platform/mailer.ts';
import { EmailMessageSchema, pickLocale, renderEmail } from './notifications.templates.ts';

export function emailHandler(mailer: Mailer): OutboxHandler<'email.send'> {
  return async (payload, ctx) => {
    const message = EmailMessageSchema.parse(payload.message);
    const rendered = renderEmail(message, pickLocale(payload.locale));
    const sent = await mailer.send({
      to: payload.to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      // a stable Message-ID per outbox row lets receivers drop a duplicate if a crash re-sends it
      messageId: `<${ctx.outboxId}@appeal-desk>`,
      headers: { 'X-Appeal-Desk-Outbox-Id': ctx.outboxId },
    });
    return { result: { messageId: sent.messageId, response: sent.response } };
  };
}
