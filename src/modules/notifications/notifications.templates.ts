// E-mail templates: one pure function from a message and a locale to subject, plain text and HTML.
// Every template is written once as a small document (paragraphs, a button, lists, facts, tables) per
// language (notifications.templates.buyer.ts, .staff.ts), and both bodies are rendered from that one
// document (notifications.render.ts), so text and HTML cannot drift apart and every interpolated value
// passes through a single escaping point. The message schema (notifications.schema.ts) is the privacy
// boundary: it names the only facts an e-mail may carry.
import { AppError } from '../../platform/errors.ts';
import type { Render, Templates } from './notifications.doc.ts';
import { renderHtml, renderText } from './notifications.render.ts';
import {
  type EmailMessage,
  EmailMessageSchema,
  type EmailTemplate,
  type Locale,
  oneLine,
  type RenderedEmail,
} from './notifications.schema.ts';
import { BUYER_TEMPLATES } from './notifications.templates.buyer.ts';
import { STAFF_TEMPLATES } from './notifications.templates.staff.ts';

export { escapeHtml } from '../../platform/html.ts';
export {
  currencyExponent,
  formatDate,
  formatInstant,
  formatMoney,
  slotLabel,
} from './notifications.format.ts';
export {
  EMAIL_TEMPLATES,
  type EmailMessage,
  EmailMessageSchema,
  type EmailTemplate,
  type Locale,
  pickLocale,
  type RenderedEmail,
  SLOTS,
  type Slot,
} from './notifications.schema.ts';

const TEMPLATES: Templates = { ...BUYER_TEMPLATES, ...STAFF_TEMPLATES };

/**
 * Renders one message. Throws AppError('INTERNAL') when the message does not match its schema: that is
 * a bug in the caller, and the issue paths (never the values, which may be personal data) say where.
 */
export function renderEmail(msg: EmailMessage, locale: Locale): RenderedEmail {
  const r = EmailMessageSchema.safeParse(msg);
  if (!r.success) {
    const where = r.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
    throw new AppError(
      'INTERNAL',
      `E-mail message ${String(msg?.template)} is invalid: ${where.join('; ')}`,
      {
        issues: r.error.issues.map((i) => ({ path: i.path, code: i.code })),
      },
    );
  }
  const lang: Locale = locale === 'zh' ? 'zh' : 'en';
  const render = TEMPLATES[r.data.template] as Render<EmailTemplate>;
  const doc = render(r.data as never, lang);
  return { subject: oneLine(doc.subject), text: renderText(doc, lang), html: renderHtml(doc, lang) };
}
