// Which appeal a mail is about, in this order: the product's reference ([AD-<ref>] in the subject or a
// mailbox+<ref> recipient); In-Reply-To/References naming a message the product sent (its Message-ID is
// <outbox id@appeal-desk>); an order id in the subject or body; the sender's address equal to the buyer
// e-mail of exactly one open appeal. Several open appeals and no reference: ask which order.
import type { Deps } from '../../platform/deps.ts';
import { FINAL_STATUSES } from '../appeals/appeals.rules.ts';
import { findRefs, idRange, refPrefix, verifyRef } from '../../platform/mail-ref.ts';

export type Match =
  | { kind: 'appeal'; appealId: string; by: 'REFERENCE' | 'THREAD' | 'ORDER_ID' | 'SENDER' }
  | { kind: 'ambiguous'; appealIds: string[] }
  | { kind: 'none' };

const OPEN = { notIn: [...FINAL_STATUSES] };

export async function matchAppeal(
  deps: Pick<Deps, 'prisma' | 'config'>,
  mail: {
    subject: string;
    text: string;
    recipients: string[];
    threadIds: string[];
    fromAddress: string | null;
  },
): Promise<Match> {
  const secret = deps.config.APPEAL_TOKEN_SECRET;
  for (const ref of findRefs(mail.subject, mail.recipients, deps.config.SECURITY_MAILBOX)) {
    const prefix = refPrefix(ref)!;
    const candidates = await deps.prisma.appeal.findMany({
      where: { id: idRange(prefix) },
      select: { id: true },
    });
    const hit = candidates.find((a) => verifyRef(ref, a.id, secret));
    if (hit) return { kind: 'appeal', appealId: hit.id, by: 'REFERENCE' };
  }
  const outboxIds = mail.threadIds
    .map((m) => /^<([0-9a-f-]{36})@appeal-desk>$/i.exec(m)?.[1])
    .filter((x): x is string => Boolean(x))
    .slice(0, 20);
  if (outboxIds.length) {
    const rows = await deps.prisma.outboxMessage.findMany({
      where: { id: { in: outboxIds }, topic: 'email.send' },
      select: { payload: true },
    });
    for (const r of rows) {
      const appealId = (r.payload as { appealId?: string }).appealId;
      if (appealId) return { kind: 'appeal', appealId, by: 'THREAD' };
    }
  }
  const tokens = [
    ...new Set(`${mail.subject}\n${mail.text}`.match(/\b[A-Za-z0-9][A-Za-z0-9_-]{5,63}\b/g) ?? []),
  ]
    .filter((t) => /\d/.test(t))
    .slice(0, 200);
  if (tokens.length) {
    const orders = await deps.prisma.blockedOrder.findMany({
      where: { orderId: { in: tokens }, appeal: { isNot: null } },
      select: { appeal: { select: { id: true } } },
      take: 2,
    });
    if (orders.length === 1 && orders[0]!.appeal)
      return { kind: 'appeal', appealId: orders[0]!.appeal.id, by: 'ORDER_ID' };
  }
  if (mail.fromAddress) {
    const open = await deps.prisma.appeal.findMany({
      where: { status: OPEN, order: { buyerEmail: { equals: mail.fromAddress, mode: 'insensitive' } } },
      select: { id: true },
      orderBy: { createdAt: 'desc' },
      take: 20,
    });
    if (open.length === 1) return { kind: 'appeal', appealId: open[0]!.id, by: 'SENDER' };
    if (open.length > 1) return { kind: 'ambiguous', appealIds: open.map((a) => a.id) };
  }
  return { kind: 'none' };
}
