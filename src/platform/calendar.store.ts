// The business calendar with its holidays from the database (issue 14: the calendar lives in platform, so
// event subscribers of any module can use it without importing sla). Holidays change rarely (ADMIN
// endpoint), so each process caches them briefly; a change made through this process clears the cache.
import { type BusinessCalendar, makeCalendar } from './calendar.ts';
import type { Db, Tx } from './db.ts';

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
