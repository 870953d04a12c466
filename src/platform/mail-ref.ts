// The reference the product puts in every e-mail about an appeal, so a reply finds its appeal without
// the appeal token: `[AD-<ref>]` in the subject and a reply address `<mailbox>+<ref>@<domain>`. The ref
// is the first 48 bits of the appeal id and 32 bits of an HMAC over the whole id (a guessed or altered
// ref does not verify); it opens nothing by itself, it only says which appeal a mail is about.
import { createHmac, timingSafeEqual } from 'node:crypto';

const REF = /^([0-9a-f]{12})([0-9a-f]{8})$/;

function mac(appealId: string, secret: string): string {
  return createHmac('sha256', secret).update(`mail-ref:${appealId}`).digest('hex').slice(0, 8);
}

export function mailRef(appealId: string, secret: string): string {
  return appealId.replace(/-/g, '').slice(0, 12) + mac(appealId, secret);
}

/** The appeal-id prefix of a well-formed ref (the caller looks it up and calls verifyRef), else null. */
export function refPrefix(ref: string): string | null {
  const m = REF.exec(ref.toLowerCase());
  return m ? m[1]! : null;
}

export function verifyRef(ref: string, appealId: string, secret: string): boolean {
  const want = Buffer.from(mailRef(appealId, secret));
  const got = Buffer.from(ref.toLowerCase());
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Refs found in a subject ([AD-...]) and in recipient sub-addresses (mailbox+<ref>@domain). */
export function findRefs(subject: string, recipients: readonly string[], mailbox: string): string[] {
  const out = new Set<string>();
  for (const m of subject.matchAll(/\[AD-([0-9a-f]{20})\]/gi)) out.add(m[1]!.toLowerCase());
  const [local, domain] = splitAddress(mailbox);
  for (const r of recipients) {
    const [l, d] = splitAddress(r);
    if (d !== domain) continue;
    const plus = l.indexOf('+');
    if (plus > 0 && l.slice(0, plus) === local) {
      const ref = l.slice(plus + 1);
      if (refPrefix(ref)) out.add(ref);
    }
  }
  return [...out];
}

export function splitAddress(address: string): [string, string] {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  return at < 0 ? [a, ''] : [a.slice(0, at), a.slice(at + 1)];
}

/** True for the security mailbox itself and its +<anything> sub-addresses (the only RCPT accepted). */
export function isOurMailbox(address: string, mailbox: string): boolean {
  const [l, d] = splitAddress(address);
  const [local, domain] = splitAddress(mailbox);
  if (d !== domain) return false;
  return l === local || l.startsWith(`${local}+`);
}

/** The reply address carrying the ref. */
export function replyAddress(mailbox: string, ref: string): string {
  const [local, domain] = splitAddress(mailbox);
  return `${local}+${ref}@${domain}`;
}

/** The appeal id range whose ids start with this 12-hex prefix (an index range, no text scan). */
export function idRange(prefix: string): { gte: string; lte: string } {
  const p = `${prefix.slice(0, 8)}-${prefix.slice(8, 12)}`;
  return { gte: `${p}-0000-0000-000000000000`, lte: `${p}-ffff-ffff-ffffffffffff` };
}

/**
 * Headers every e-mail the product sends carries (RFC 3834 and Exchange's suppression), plus the
 * appeal reference when the mail is about an appeal. `autoReplied` for answers to a buyer's mail.
 */
export function outgoingHeaders(opts: {
  appealId?: string;
  secret: string;
  mailbox: string;
  autoReplied: boolean;
  reply?: { inReplyTo: string; references: string[] };
}): { headers: Record<string, string>; subjectTag: string } {
  const headers: Record<string, string> = {
    'Auto-Submitted': opts.autoReplied ? 'auto-replied' : 'auto-generated',
    'X-Auto-Response-Suppress': 'All',
  };
  let subjectTag = '';
  if (opts.appealId) {
    const ref = mailRef(opts.appealId, opts.secret);
    headers['Reply-To'] = replyAddress(opts.mailbox, ref);
    subjectTag = ` [AD-${ref}]`;
  }
  if (opts.reply) {
    headers['In-Reply-To'] = opts.reply.inReplyTo;
    headers.References = [...opts.reply.references, opts.reply.inReplyTo].join(' ');
  }
  return { headers, subjectTag };
}
