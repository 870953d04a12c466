// The e-mail port (issue 14): any module queues an e-mail request as an outbox row (topic email.send) in
// its own transaction; the notifications module owns the templates, renders the request and sends it
// (notifications.worker.ts). Plumbing like the job outbox: no module imports notifications to send mail.
import type { Tx } from './db.ts';
import { writeOutbox } from './outbox.ts';

export interface QueuedEmail {
  to: string;
  locale: string;
  /** an EmailMessage of notifications.templates.ts: { template: 'APPEAL_OPENED', ...data } */
  message: { template: string } & Record<string, unknown>;
  appealId?: string;
  /** an answer to a buyer's mail (src/modules/inbound): threading headers, Auto-Submitted: auto-replied */
  reply?: { inReplyTo: string; references: string[] };
}

/**
 * Stands in for the buyer's appeal link in stored outbox rows. The link carries the appeal token, and
 * the database must never hold a working token: the e-mail worker puts the appeal's current link in
 * at send time (so a link re-issued in between is the one sent).
 */
export const APPEAL_LINK_PLACEHOLDER = 'https://appeal-link.invalid/current';

const TOKEN_IN_URL = /\/a\/apl_[A-Za-z0-9_-]+/;

export function queueEmail(tx: Tx, email: QueuedEmail): Promise<string> {
  const message = { ...email.message };
  if (typeof message.appealUrl === 'string' && TOKEN_IN_URL.test(message.appealUrl)) {
    if (!email.appealId) throw new Error('an e-mail carrying the appeal link must name its appealId');
    message.appealUrl = APPEAL_LINK_PLACEHOLDER;
  }
  return writeOutbox(tx, 'email.send', { ...email, message });
}
