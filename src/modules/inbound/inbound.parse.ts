// Parsing with postal-mime 4: the attachments the upload path may take, with what to skip. A forwarded
// message (message/rfc822) is parsed again by itself so its files are marked forwarded; inline images of
// a signature or logo (small, inline with a Content-ID) are skipped; TNEF (winmail.dat) is noticed so the
// answer can say how to resend; per-mail limits on the number of files and their total size.
import PostalMime, { type Email } from 'postal-mime';

export const MAX_FILES_PER_MAIL = 20;
/** inline pictures smaller than this, referenced by Content-ID, are signatures and logos */
export const SIGNATURE_IMAGE_MAX_BYTES = 64 * 1024;
const MAX_FORWARD_DEPTH = 3;

export interface MailFile {
  filename: string;
  mimeType: string;
  content: Buffer;
  forwarded: boolean;
}

export interface SkippedFile {
  filename: string;
  why: 'TOO_MANY' | 'TOTAL_TOO_LARGE';
}

export interface ParsedMail {
  messageId: string | null;
  fromAddress: string | null;
  subject: string;
  inReplyTo: string[];
  references: string[];
  text: string;
  headers: Record<string, string>;
  files: MailFile[];
  skipped: SkippedFile[];
  tnef: boolean;
}

const QUIET =
  /^(text\/|application\/(pgp-signature|pkcs7-signature|x-pkcs7-signature)|message\/delivery-status)/i;

function ids(v: string | undefined): string[] {
  return (v ?? '').match(/<[^<>\s]{1,900}>/g) ?? [];
}

function isTnef(a: { filename?: string | null; mimeType: string }): boolean {
  return (
    /^application\/(ms-tnef|vnd\.ms-tnef)$/i.test(a.mimeType) || /^winmail\.dat$/i.test(a.filename ?? '')
  );
}

export async function parseMail(raw: Buffer, limits: { totalBytes: number }): Promise<ParsedMail> {
  const email = await PostalMime.parse(raw, {
    forceRfc822Attachments: true,
    maxNestingDepth: 50,
    maxHeadersSize: 512 * 1024,
  });
  const headers: Record<string, string> = {};
  for (const h of email.headers) if (!(h.key in headers)) headers[h.key] = h.value;
  const files: MailFile[] = [];
  let tnef = false;
  const collect = async (e: Email, forwarded: boolean, depth: number) => {
    for (const a of e.attachments) {
      const content = Buffer.from(a.content as ArrayBuffer);
      if (a.mimeType.toLowerCase() === 'message/rfc822') {
        if (depth < MAX_FORWARD_DEPTH)
          await collect(await PostalMime.parse(content, { forceRfc822Attachments: true }), true, depth + 1);
        continue;
      }
      if (isTnef(a)) {
        tnef = true;
        continue;
      }
      if (QUIET.test(a.mimeType) && !a.filename) continue;
      const inline = a.related || (a.disposition === 'inline' && a.contentId);
      if (inline && a.mimeType.startsWith('image/') && content.length < SIGNATURE_IMAGE_MAX_BYTES) continue;
      files.push({
        filename: (a.filename || `attachment-${files.length + 1}`).slice(0, 200),
        mimeType: a.mimeType,
        content,
        forwarded,
      });
    }
  };
  await collect(email, false, 0);
  const skipped: SkippedFile[] = [];
  const kept: MailFile[] = [];
  let total = 0;
  for (const f of files) {
    if (kept.length >= MAX_FILES_PER_MAIL) skipped.push({ filename: f.filename, why: 'TOO_MANY' });
    else if (total + f.content.length > limits.totalBytes)
      skipped.push({ filename: f.filename, why: 'TOTAL_TOO_LARGE' });
    else {
      total += f.content.length;
      kept.push(f);
    }
  }
  return {
    messageId: email.messageId ?? null,
    fromAddress: email.from?.address?.toLowerCase() ?? null,
    subject: email.subject ?? '',
    inReplyTo: ids(email.inReplyTo),
    references: ids(email.references),
    text: (email.text ?? '').slice(0, 20_000),
    headers,
    files: kept,
    skipped,
    tnef,
  };
}

/** RFC 3834 and list conventions: mail no robot should answer. */
export function mustNotAnswer(p: Pick<ParsedMail, 'headers'>, envelopeFrom: string): boolean {
  const h = p.headers;
  const auto = (h['auto-submitted'] ?? 'no').trim().toLowerCase().split(/[;\s]/)[0];
  if (auto !== 'no') return true;
  if (/^(bulk|list|junk)$/i.test((h.precedence ?? '').trim())) return true;
  if (h['list-id'] || h['list-unsubscribe']) return true;
  if (!envelopeFrom || /^(mailer-daemon|postmaster)@/i.test(envelopeFrom)) return true;
  if (h['x-auto-response-suppress'] && /all|oof|autoreply/i.test(h['x-auto-response-suppress'])) return true;
  return false;
}
