// The business calendar with its holidays from the database. Holidays change rarely (ADMIN endpoint),
// so each process caches them briefly; a change made through this process clears the cache at once.
import type { Db, Tx } from '../../platform/db.ts';
import { type BusinessCalendar, defaultHolidays, makeCalendar } from '../../platform/calendar.ts';

const TTL_MS = 30_000;
let cached: { key: string; at: number; cal: BusinessCalendar } | null = null;

export async function loadCalendar(deps: {
  prisma: Db | Tx;
  config: { BUSINESS_TIMEZONE: string };
}): Promise<BusinessCalendar> {
  const key = deps.config.BUSINESS_TIMEZONE;
  if (cached && cached.key === key && Date.now() - cached.at < TTL_MS) return cached.cal;
  const rows = await deps.prisma.holiday.findMany({ select: { date: true } });
  const cal = makeCalendar(
    key,
    rows.map((r) => r.date.toISOString().slice(0, 10)),
  );
  cached = { key, at: Date.now(), cal };
  return cal;
}

export function invalidateCalendarCache(): void {
  cached = null;
}

/**
 * Seeds the public holidays of `region` (date-holidays; default England & Wales) for the given years,
 * leaving existing rows alone (an administrator's own rows and names win).
 */
export async function seedHolidays(prisma: Db, years: number[], region?: string): Promise<number> {
  const rows = years
    .flatMap((y) => defaultHolidays(y, region))
    .map((h) => ({ date: new Date(`${h.date}T00:00:00Z`), name: h.name }));
  const r = await prisma.holiday.createMany({ data: rows, skipDuplicates: true });
  invalidateCalendarCache();
  return r.count;
}
