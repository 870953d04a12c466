// Overdue refunds (SPEC section 5): a refund not SETTLED by dueBy is overdue. Once a day finance staff get
// one digest each, through the outbox. Also the pruning of expired idempotency keys.
import type { Deps } from '../../platform/deps.ts';
import { localDate, workingDaysElapsed } from '../../platform/calendar.ts';
import { money } from '../../platform/money.ts';
import { queueEmail } from '../../platform/email-outbox.ts';
import { loadCalendar } from '../../platform/calendar.store.ts';

/** The template's limit; beyond it the digest lists the most overdue and the totals still count all. */
export const DIGEST_MAX_ROWS = 5000;

export interface DigestResult {
  asOf: string;
  overdue: number;
  emails: number;
  /** set when nothing was sent: no overdue refund, or today's digest already went out */
  skipped?: 'NONE_OVERDUE' | 'ALREADY_SENT';
}

/**
 * Queues one FINANCE_OVERDUE_DIGEST per active FINANCE user. Idempotent per local business day: a marker
 * row (idempotency_records, scope `job:refunds.overdue-digest`, key = the date) is inserted in the same
 * transaction as the e-mails, so a re-run or a second scheduler the same day sends nothing more.
 */
export async function sendOverdueDigest(
  deps: Pick<Deps, 'prisma' | 'config' | 'clock' | 'calendar'>,
): Promise<DigestResult> {
  const now = deps.clock.now();
  const cal = await loadCalendar(deps);
  const asOf = localDate(now, cal);
  const overdue = await deps.prisma.refund.findMany({
    where: { status: { not: 'SETTLED' }, dueBy: { lt: now } },
    include: { order: { select: { orderId: true } } },
    orderBy: [{ dueBy: 'asc' }, { id: 'asc' }],
  });
  if (overdue.length === 0) return { asOf, overdue: 0, emails: 0, skipped: 'NONE_OVERDUE' };

  const totals = new Map<string, { value: number; count: number }>();
  for (const r of overdue) {
    const t = totals.get(r.currency) ?? { value: 0, count: 0 };
    t.value += Number(r.amountMinor);
    t.count += 1;
    totals.set(r.currency, t);
  }
  const rows = overdue.slice(0, DIGEST_MAX_ROWS).map((r) => ({
    refundId: r.id,
    orderId: r.order.orderId,
    amount: money(r.amountMinor, r.currency),
    dueBy: localDate(r.dueBy, cal),
    workingDaysOverdue: workingDaysElapsed(r.dueBy, now, cal),
  }));
  // raw SQL: Prisma's `has` on enum arrays fails under the PGlite adapter
  const finance = await deps.prisma.$queryRaw<{ email: string; name: string }[]>`
    SELECT email, name FROM staff_users WHERE active AND 'FINANCE' = ANY(roles) ORDER BY email`;

  return deps.prisma.$transaction(async (tx) => {
    const marker = await tx.$queryRaw<{ key: string }[]>`
      INSERT INTO idempotency_records (scope, key, request_hash, response_status, response_body, created_at, expires_at)
      VALUES ('job:refunds.overdue-digest', ${asOf}, '', 200, ${JSON.stringify({ emails: finance.length })}::jsonb,
              ${now}, ${new Date(now.getTime() + 48 * 3600_000)})
      ON CONFLICT (scope, key) DO NOTHING RETURNING key`;
    if (marker.length === 0)
      return { asOf, overdue: overdue.length, emails: 0, skipped: 'ALREADY_SENT' as const };
    for (const u of finance) {
      await queueEmail(tx, {
        to: u.email,
        locale: 'en',
        message: {
          template: 'FINANCE_OVERDUE_DIGEST',
          staffName: u.name,
          asOf,
          consoleUrl: `${deps.config.PUBLIC_BASE_URL}/finance/refunds?overdue=true`,
          refunds: rows,
          totals: [...totals].map(([currency, t]) => ({ currency, value: t.value, count: t.count })),
        },
      });
    }
    return { asOf, overdue: overdue.length, emails: finance.length };
  });
}

/** Deletes idempotency records past their expiry (each is kept at least 24 h). Returns how many. */
export async function pruneIdempotencyRecords(deps: Pick<Deps, 'prisma' | 'clock'>): Promise<number> {
  const r = await deps.prisma.idempotencyRecord.deleteMany({
    where: { expiresAt: { lt: deps.clock.now() } },
  });
  return r.count;
}
