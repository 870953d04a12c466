// Public holidays of the configured region, from `date-holidays` (maintained: 3.37, 2026-09; ISC data for
// 200+ countries and their states), instead of a hand-kept table: HOLIDAYS_REGION is a country code with an
// optional state or region, `GB-ENG` (England & Wales, the default), `GB-SCT`, `DE-BY`, `CN`, `US-NY`...
// Only holidays of type public or bank count, and only those on a weekday: a holiday on a Saturday or
// Sunday changes no working day (its substitute, when the region has one, is listed on its own date).
// Administrators still override: the seed writes these rows once per year and leaves existing rows alone,
// and the holidays API adds proclaimed one-offs and deletes what a business does not observe.
// Known gaps of the data for GB before 2013 (1981, 1995, 1999, 2002, 2011, 2012 one-offs and moves) do not
// matter here: the seed covers the current and the next year.
import Holidays from 'date-holidays';

export interface NamedHoliday {
  date: string;
  name: string;
}

export const DEFAULT_HOLIDAYS_REGION = 'GB-ENG';

function regionOf(region: string): Holidays {
  const m = /^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$/.exec(region);
  const hd = new Holidays();
  const [country, state] = [m?.[1] ?? '', m?.[2]];
  const known = m && country in hd.getCountries() && (!state || state in (hd.getStates(country) ?? {}));
  if (!known) throw new RangeError(`calendar: date-holidays has no region ${JSON.stringify(region)}`);
  if (state) hd.init(country, state);
  else hd.init(country);
  return hd;
}

/** Throws RangeError for a region date-holidays does not know (config validation uses it). */
export function assertHolidaysRegion(region: string): void {
  regionOf(region);
}

/** The region's weekday public holidays of one year, sorted by date, one name per date. */
export function defaultHolidays(year: number, region: string = DEFAULT_HOLIDAYS_REGION): NamedHoliday[] {
  if (!Number.isInteger(year) || year < 1900 || year > 9999) {
    throw new RangeError(`calendar: default holidays cover the years 1900-9999, not ${year}`);
  }
  const byDate = new Map<string, string>();
  for (const h of regionOf(region).getHolidays(year)) {
    if (h.type !== 'public' && h.type !== 'bank') continue;
    const date = h.date.slice(0, 10);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    if (weekday === 0 || weekday === 6 || byDate.has(date)) continue;
    byDate.set(date, h.name);
  }
  return [...byDate].sort(([a], [b]) => a.localeCompare(b)).map(([date, name]) => ({ date, name }));
}
