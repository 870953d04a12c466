// The one-click "send for review" link an answer carries once every required slot is accepted and the
// OCR-read last 4 equal the order's. Single-purpose: it can only submit this appeal, within 7 days,
// while the appeal's link nonce is unchanged (a re-issued appeal link revokes it). It is not the appeal
// token and opens nothing else. GET shows one button (mail scanners that follow links must not submit),
// POST submits through the same use case as the page. The pages are src/web/buyer-pages.ts.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Deps } from '../../platform/deps.ts';
import { isAppError } from '../../platform/errors.ts';
import { type IdType, requiredSlots, type Slot } from '../appeals/appeals.rules.ts';
import { submitAppeal } from '../appeals/appeals.service.ts';

export const SUBMIT_LINK_DAYS = 7;

function mac(appealId: string, exp: number, nonce: string, secret: string): string {
  return createHmac('sha256', secret).update(`email-submit:${appealId}:${exp}:${nonce}`).digest('base64url');
}

export function submitLink(
  base: string,
  a: { id: string; tokenNonce: string },
  now: Date,
  secret: string,
): string {
  const exp = Math.floor(now.getTime() / 1000) + SUBMIT_LINK_DAYS * 86_400;
  return `${base}/m/submit/${a.id}.${exp}.${mac(a.id, exp, a.tokenNonce, secret)}`;
}

/** The appeal id a link stands for, or null when it is malformed, expired, altered or revoked. */
export async function verifySubmitLink(
  deps: Pick<Deps, 'prisma' | 'clock' | 'config' | 'calendar'>,
  sig: string,
): Promise<string | null> {
  const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(sig);
  if (!m) return null;
  const [, id, expText, given] = m as unknown as [string, string, string, string];
  const exp = Number(expText);
  if (exp * 1000 < deps.clock.now().getTime()) return null;
  const a = await deps.prisma.appeal.findUnique({ where: { id }, select: { tokenNonce: true } });
  if (!a) return null;
  const want = Buffer.from(mac(id, exp, a.tokenNonce, deps.config.APPEAL_TOKEN_SECRET));
  const got = Buffer.from(given);
  return want.length === got.length && timingSafeEqual(want, got) ? id : null;
}

/** Everything in place for a one-click submission: ID type, every required slot, card last 4 read by OCR. */
export function readyForReview(a: {
  idType: string | null;
  status: string;
  order: { cardLast4: string };
  documents: { slot: string; cardLast4Read: string | null }[];
}): boolean {
  if (a.status !== 'AWAITING_DOCUMENTS' || !a.idType) return false;
  const filled = new Set(a.documents.map((d) => d.slot as Slot));
  if (!requiredSlots(a.idType as IdType).every((s) => filled.has(s))) return false;
  const card = a.documents.find((d) => d.slot === 'CARD_FRONT');
  return Boolean(card?.cardLast4Read && card.cardLast4Read === a.order.cardLast4);
}

/** What a POST of the link did; the routes answer it as a page (src/web/buyer-pages.ts). */
export type SubmitByLinkOutcome =
  | { outcome: 'INVALID_LINK' }
  | { outcome: 'NOT_SENT'; message: string }
  | { outcome: 'SENT' };

export async function submitByLink(
  deps: Pick<Deps, 'prisma' | 'clock' | 'config' | 'calendar'>,
  sig: string,
): Promise<SubmitByLinkOutcome> {
  const id = await verifySubmitLink(deps, sig);
  if (!id) return { outcome: 'INVALID_LINK' };
  try {
    await submitAppeal(deps, id);
  } catch (e) {
    if (isAppError(e)) return { outcome: 'NOT_SENT', message: e.message };
    throw e;
  }
  return { outcome: 'SENT' };
}
