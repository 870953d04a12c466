// Queues an e-mail as an outbox row in the caller's transaction; the e-mail worker renders and sends it.
import type { Tx } from '../../platform/db.ts';
import { writeOutbox } from '../../platform/outbox.ts';

export interface QueuedEmail {
  to: string;
  locale: string;
  /** an EmailMessage of notifications.templates.ts: { template: 'APPEAL_OPENED', ...data } */
  message: { template: string } & Record<string, unknown>;
  appealId?: string;
}

export function queueEmail(tx: Tx, email: QueuedEmail): Promise<string> {
  return writeOutbox(tx, 'email.send', email);
}
