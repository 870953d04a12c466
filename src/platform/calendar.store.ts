// The business calendar with its holidays from the database (issue 14: the calendar lives in platform, so
// event subscribers of any module can use it without importing sla). Holidays change rarely (ADMIN
// endpoint), so each process caches them briefly; a change made through this process clears the cache.
// The store is built once per process by buildRuntime (deps.calendar) and handed to the subscribers at
// the composition root, so two runtimes in one process (tests, the bench) never share a cache.
import { type BusinessCalendar, makeCalendar } from './calendar.ts';
import type { Db, Tx } from './db.ts';

const TTL_MS = 30_000;

export interface CalendarStore {
  /** the calendar of BUSINESS_TIMEZONE with the holidays read through `db` (cached for 30 s) */
  load(db: Db | Tx): Promise<BusinessCalendar>;
  /** forget the cached holidays (after a change) */
  invalidate(): void;
}

export function createCalendarStore(timezone: string): CalendarStore {
  let cached: { at: number; cal: BusinessCalendar } | null = null;
  return {
    async load(db) {
      if (cached && Date.now() - cached.at < TTL_MS) return cached.cal;
      const rows = await db.holiday.findMany({ select: { date: true } });
      const cal = makeCalendar(
        timezone,
        rows.map((r) => r.date.toISOString().slice(0, 10)),
      );
      cached = { at: Date.now(), cal };
      return cal;
    },
    invalidate() {
      cached = null;
    },
  };
}

/** The calendar of a use case's deps (deps.calendar, read through deps.prisma). */
export function loadCalendar(deps: { prisma: Db | Tx; calendar: CalendarStore }): Promise<BusinessCalendar> {
  return deps.calendar.load(deps.prisma);
}
