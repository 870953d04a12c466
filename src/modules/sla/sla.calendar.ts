// The default holidays seeded into the calendar. The calendar itself is deps.calendar
// (src/platform/calendar.store.ts); a process that seeds while running invalidates its own store.
import { defaultHolidays } from '../../platform/calendar.ts';
import type { Db } from '../../platform/db.ts';

export { loadCalendar } from '../../platform/calendar.store.ts';

/**
 * Seeds the public holidays of `region` (date-holidays; default England & Wales) for the given years,
 * leaving existing rows alone (an administrator's own rows and names win).
 */
export async function seedHolidays(prisma: Db, years: number[], region?: string): Promise<number> {
  const rows = years
    .flatMap((y) => defaultHolidays(y, region))
    .map((h) => ({ date: new Date(`${h.date}T00:00:00Z`), name: h.name }));
  const r = await prisma.holiday.createMany({ data: rows, skipDuplicates: true });
  return r.count;
}
