// The ADMIN's holiday list. Dates are local dates of the business calendar (YYYY-MM-DD, validated as real
// dates). A change clears this process's calendar cache; other processes pick it up within the cache TTL.
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { invalidateCalendarCache } from './sla.calendar.ts';

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

export async function putHoliday(deps: Pick<Deps, 'prisma'>, date: string, name: string) {
  const row = await deps.prisma.holiday.upsert({
    where: { date: day(date) },
    create: { date: day(date), name },
    update: { name },
  });
  invalidateCalendarCache();
  return { date: row.date.toISOString().slice(0, 10), name: row.name };
}

export async function deleteHoliday(deps: Pick<Deps, 'prisma'>, date: string): Promise<void> {
  const r = await deps.prisma.holiday.deleteMany({ where: { date: day(date) } });
  invalidateCalendarCache();
  if (r.count === 0) throw new AppError('HOLIDAY.NOT_FOUND', `${date} is not a holiday.`);
}
