// The ADMIN's holiday list. Dates are local dates of the business calendar (YYYY-MM-DD, validated as real
// dates). A change clears this process's calendar cache; other processes pick it up within the cache TTL.
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { type AuditActor, appendAudit } from '../audit/audit.service.ts';

function day(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

export async function listHolidays(deps: Pick<Deps, 'prisma'>, year?: number) {
  const rows = await deps.prisma.holiday.findMany({
    where: year ? { date: { gte: day(`${year}-01-01`), lt: day(`${year + 1}-01-01`) } } : {},
    orderBy: { date: 'asc' },
  });
  return rows.map((h) => ({ date: h.date.toISOString().slice(0, 10), name: h.name }));
}

const SYSTEM_ACTOR: AuditActor = { type: 'SYSTEM', id: null, label: 'system' };

export async function putHoliday(
  deps: Pick<Deps, 'prisma' | 'clock' | 'calendar'>,
  date: string,
  name: string,
  source?: AuditSource,
) {
  const row = await deps.prisma.$transaction(async (tx) => {
    const h = await tx.holiday.upsert({
      where: { date: day(date) },
      create: { date: day(date), name },
      update: { name },
    });
    await appendAudit(tx, {
      ...(source ?? { actor: SYSTEM_ACTOR }),
      at: deps.clock.now(),
      action: 'HOLIDAY_SET',
      target: { type: 'HOLIDAY', id: date },
      data: { date, name },
    });
    return h;
  });
  deps.calendar.invalidate();
  return { date: row.date.toISOString().slice(0, 10), name: row.name };
}

export async function deleteHoliday(
  deps: Pick<Deps, 'prisma' | 'clock' | 'calendar'>,
  date: string,
  source?: AuditSource,
): Promise<void> {
  const count = await deps.prisma.$transaction(async (tx) => {
    const r = await tx.holiday.deleteMany({ where: { date: day(date) } });
    if (r.count > 0)
      await appendAudit(tx, {
        ...(source ?? { actor: SYSTEM_ACTOR }),
        at: deps.clock.now(),
        action: 'HOLIDAY_DELETED',
        target: { type: 'HOLIDAY', id: date },
        data: { date },
      });
    return r.count;
  });
  deps.calendar.invalidate();
  if (count === 0) throw new AppError('HOLIDAY.NOT_FOUND', `${date} is not a holiday.`);
}
