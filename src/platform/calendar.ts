// The business calendar: which days count as working days, and how much working time lies between two
// instants. Pure (no I/O, no clock): callers pass instants and a calendar built from config/database rows.
//
// Model:
// - A working day is a Monday-Friday local date in the calendar's IANA zone that is not a holiday. It counts
//   whole, from local midnight to the next local midnight.
// - Working time is measured in "normalised working milliseconds": every working day is worth exactly
//   WORKING_DAY_MS, whatever its real length. A 23- or 25-hour DST day is scaled linearly, so day boundaries
//   always line up: "Tuesday 14:00 + 3 working days" is Friday 14:00 on the wall clock even across a DST
//   change on the weekend (Europe, North America). Only inside a working day that itself has a DST jump
//   (Asia/Jerusalem, Africa/Cairo) can a result differ from the wall clock, by less than the jump.
// - Non-working time is worth nothing, so an instant on a weekend or holiday is equivalent to the start of
//   the next working day: that is where a clock started then begins to run.
// - Deadlines are reported as the FIRST instant at which the required working time has elapsed: "Monday
//   00:00 + 5 working days" is Saturday 00:00 (the end of Friday), not the following Monday.

import { DateTime, IANAZone } from 'luxon';
import { AppError } from './errors.ts';

/** The working-time value of one working day (see the model above). */
export const WORKING_DAY_MS = 86_400_000;

export interface BusinessCalendar {
  /** IANA zone name, e.g. 'Europe/London'; working days are local dates in this zone. */
  readonly timezone: string;
  /** Local dates 'YYYY-MM-DD' that are not working days even when they fall on a weekday. */
  readonly holidays: ReadonlySet<string>;
}

/** An interval during which a clock did not run; `end: null` means it is still paused. */
export interface PauseInterval {
  readonly start: Date;
  readonly end: Date | null;
}

export interface NamedHoliday {
  date: string;
  name: string;
}

// ---------------------------------------------------------------------------------------------------------
// Calendar dates are handled as "epoch days" (days since 1970-01-01, proleptic Gregorian): integer
// arithmetic is cheap and exact, and only the conversion to instants needs the zone rules.

const DAY = 86_400_000; // a UTC calendar day; numerically equal to WORKING_DAY_MS but a different quantity
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function epochDay(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // setUTCFullYear, unlike Date.UTC, does not remap years 0-99
  return Math.round(d.getTime() / DAY);
}

function parseIsoDate(s: string): number | undefined {
  const m = ISO_DATE.exec(s);
  if (!m) return undefined;
  const e = epochDay(Number(m[1]), Number(m[2]), Number(m[3]));
  return isoDate(e) === s ? e : undefined; // rejects 2026-02-30 and friends
}

function isoDate(e: number): string {
  return new Date(e * DAY).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
function weekdayOf(e: number): number {
  return (((e + 4) % 7) + 7) % 7;
}

function instant(d: Date, what: string): number {
  const t = d instanceof Date ? d.getTime() : Number.NaN;
  if (Number.isNaN(t)) throw new RangeError(`calendar: ${what} is not a valid Date`);
  return t;
}

function nonNegative(n: number, what: string): number {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`calendar: ${what} must be a finite number >= 0`);
  return n;
}

/** The local date (as an epoch day) of an instant. */
function localDay(t: number, cal: BusinessCalendar): number {
  const dt = DateTime.fromMillis(t, { zone: cal.timezone });
  return epochDay(dt.year, dt.month, dt.day);
}

/**
 * The first instant of a local date. Where local midnight does not exist (a DST jump at 00:00, e.g.
 * America/Santiago, Africa/Cairo) luxon moves forward by the gap, so this is the first instant that
 * carries the date - which keeps day starts strictly increasing and adjacent days seamless.
 */
function dayStart(e: number, cal: BusinessCalendar): number {
  const d = new Date(e * DAY);
  return DateTime.fromObject(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
    { zone: cal.timezone },
  ).toMillis();
}

function isWorkingEpochDay(e: number, cal: BusinessCalendar): boolean {
  const wd = weekdayOf(e);
  return wd !== 0 && wd !== 6 && !cal.holidays.has(isoDate(e));
}

// Terminates: the holiday set is finite, so some later weekday is always a working day.
function nextWorkingDay(e: number, cal: BusinessCalendar): number {
  let d = e;
  while (!isWorkingEpochDay(d, cal)) d++;
  return d;
}

function previousWorkingDay(e: number, cal: BusinessCalendar): number {
  let d = e;
  while (!isWorkingEpochDay(d, cal)) d--;
  return d;
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Builds a calendar, validating its inputs: they come from config and from the admin API, and a bad zone
 * would otherwise surface much later as luxon's silent "invalid DateTime".
 * Throws AppError('REQUEST.INVALID') for a zone that is not an IANA name (fixed offsets such as '+01:00'
 * are refused: they have no DST rules and would quietly drift from the business's clock) or for a holiday
 * that is not a real 'YYYY-MM-DD' date.
 */
export function makeCalendar(timezone: string, holidays: Iterable<string>): BusinessCalendar {
  if (typeof timezone !== 'string' || !/^[A-Za-z]/.test(timezone) || !IANAZone.isValidZone(timezone)) {
    throw new AppError('REQUEST.INVALID', `Unknown IANA time zone: ${String(timezone)}`, {
      field: 'timezone',
      value: timezone,
    });
  }
  // Intl canonicalises the case ('europe/london' -> 'Europe/London') so stored and displayed names agree.
  const canonical = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  const set = new Set<string>();
  for (const h of holidays) {
    if (typeof h !== 'string' || parseIsoDate(h) === undefined) {
      throw new AppError('REQUEST.INVALID', `Holiday is not a valid YYYY-MM-DD date: ${String(h)}`, {
        field: 'holidays',
        value: h,
      });
    }
    set.add(h);
  }
  return Object.freeze({ timezone: canonical, holidays: set as ReadonlySet<string> });
}

/** 'YYYY-MM-DD' of an instant in the calendar's zone (what "answer by <date>" and holiday keys use). */
export function localDate(at: Date, cal: BusinessCalendar): string {
  return isoDate(localDay(instant(at, 'at'), cal));
}

/** A local date 'YYYY-MM-DD', or an instant (taken on its local date in the calendar's zone). */
export function isWorkingDay(date: string | Date, cal: BusinessCalendar): boolean {
  if (typeof date === 'string') {
    const e = parseIsoDate(date);
    if (e === undefined) throw new RangeError(`calendar: not a YYYY-MM-DD date: ${date}`);
    return isWorkingEpochDay(e, cal);
  }
  return isWorkingEpochDay(localDay(instant(date, 'date'), cal), cal);
}

/** `at` itself if it lies inside a working day, else 00:00 local of the next working day. */
export function nextWorkingStart(at: Date, cal: BusinessCalendar): Date {
  const t = instant(at, 'at');
  const e = localDay(t, cal);
  if (isWorkingEpochDay(e, cal)) return new Date(t);
  return new Date(dayStart(nextWorkingDay(e + 1, cal), cal));
}

/**
 * The first instant at which `workingMs` of working time has elapsed since `start` (moved first by
 * nextWorkingStart). Landing exactly on the end of a working day returns that end (the next local
 * midnight), the earliest instant at which the time is used up.
 */
export function addWorkingTime(start: Date, workingMs: number, cal: BusinessCalendar): Date {
  nonNegative(workingMs, 'workingMs');
  const t = nextWorkingStart(start, cal).getTime();
  let e = localDay(t, cal);
  let from = dayStart(e, cal);
  let to = dayStart(e + 1, cal);
  let offset = ((t - from) * WORKING_DAY_MS) / (to - from); // normalised position inside day e
  let remaining = workingMs;
  for (;;) {
    const room = WORKING_DAY_MS - offset;
    if (remaining <= room) {
      return new Date(from + Math.round(((offset + remaining) * (to - from)) / WORKING_DAY_MS));
    }
    remaining -= room;
    e = nextWorkingDay(e + 1, cal);
    from = dayStart(e, cal);
    to = dayStart(e + 1, cal);
    offset = 0;
  }
}

/** addWorkingTime by whole (or fractional) working days. */
export function addWorkingDays(start: Date, days: number, cal: BusinessCalendar): Date {
  return addWorkingTime(start, nonNegative(days, 'days') * WORKING_DAY_MS, cal);
}

/** Unrounded working time in [a, b), a < b, both in epoch ms. Walks local days: O(days spanned). */
function rawWorkingMs(a: number, b: number, cal: BusinessCalendar): number {
  let total = 0;
  let e = localDay(a, cal);
  let from = dayStart(e, cal);
  while (from < b) {
    const to = dayStart(e + 1, cal);
    if (isWorkingEpochDay(e, cal)) {
      const overlap = Math.min(b, to) - Math.max(a, from);
      if (overlap > 0) total += (overlap * WORKING_DAY_MS) / (to - from);
    }
    e++;
    from = to;
  }
  return total;
}

/**
 * The intervals in [from, until) during which a clock runs, i.e. minus the union of the pauses. Merging
 * first means overlapping or duplicated pause rows are subtracted once. An open pause (end null) runs to
 * `until`. `until` may be Infinity.
 */
function runningIntervals(
  from: number,
  until: number,
  pauses: readonly PauseInterval[],
): Array<[number, number]> {
  const clipped: Array<[number, number]> = [];
  for (const [i, p] of pauses.entries()) {
    const s = instant(p.start, `pauses[${i}].start`);
    const e = p.end === null ? Number.POSITIVE_INFINITY : instant(p.end, `pauses[${i}].end`);
    if (e < s) throw new RangeError(`calendar: pauses[${i}] ends before it starts`);
    const cs = Math.max(s, from);
    const ce = Math.min(e, until);
    if (ce > cs) clipped.push([cs, ce]);
  }
  clipped.sort((x, y) => x[0] - y[0]);
  const running: Array<[number, number]> = [];
  let cursor = from;
  for (const [s, e] of clipped) {
    if (s > cursor) running.push([cursor, s]);
    cursor = Math.max(cursor, e);
  }
  if (until > cursor) running.push([cursor, until]);
  return running;
}

/**
 * Working time elapsed from `from` to `to`, excluding the pauses, rounded to whole ms (DST days scale to
 * fractions). 0 when `to` is not after `from`: elapsed time is never negative, and a small clock skew
 * between processes should not produce one.
 */
export function workingMsBetween(
  from: Date,
  to: Date,
  cal: BusinessCalendar,
  pauses: readonly PauseInterval[] = [],
): number {
  const a = instant(from, 'from');
  const b = instant(to, 'to');
  if (b <= a) return 0;
  let total = 0;
  for (const [s, e] of runningIntervals(a, b, pauses)) total += rawWorkingMs(s, e, cal);
  return Math.round(total);
}

/**
 * Whole working days elapsed (rounded down), e.g. for refund ageing buckets: a refund decided on Tuesday
 * 10:00 is 1 working day old from Wednesday 10:00 on.
 */
export function workingDaysElapsed(
  from: Date,
  to: Date,
  cal: BusinessCalendar,
  pauses: readonly PauseInterval[] = [],
): number {
  return Math.floor(workingMsBetween(from, to, cal, pauses) / WORKING_DAY_MS);
}

/**
 * The first instant at which a clock started at `startAt` and stopped during `pauses` has run for
 * `workingMs`, or null if it is currently paused (an open pause) before getting there - a paused clock
 * has no deadline. A deadline already passed is the instant it was reached, whatever pauses came after.
 */
export function whenWorkingTimeReached(
  startAt: Date,
  workingMs: number,
  cal: BusinessCalendar,
  pauses: readonly PauseInterval[] = [],
): Date | null {
  nonNegative(workingMs, 'workingMs');
  let used = 0;
  for (const [s, e] of runningIntervals(instant(startAt, 'startAt'), Number.POSITIVE_INFINITY, pauses)) {
    if (e === Number.POSITIVE_INFINITY) return addWorkingTime(new Date(s), workingMs - used, cal);
    const w = rawWorkingMs(s, e, cal);
    // w > 0: an interval with no working time in it cannot be where the target is reached (this matters
    // only for workingMs 0, which is then reached at the first running working instant).
    if (w > 0 && used + w >= workingMs) return addWorkingTime(new Date(s), workingMs - used, cal);
    used += w;
  }
  return null;
}

export interface SlaDeadlineInput {
  /** When the SLA clock started (normally nextWorkingStart(first submission)). */
  startAt: Date;
  /** Every pause of this clock so far (waiting for the buyer); at most one may still be open. */
  pauses?: readonly PauseInterval[];
  targetDays: number;
  warnDays: number;
  breachDays: number;
}

export interface SlaDeadlines {
  targetAt: Date | null;
  warnAt: Date | null;
  breachAt: Date | null;
}

/**
 * SLA deadlines computed from the clock's whole history rather than from "time used before the pause":
 * with the history, a deadline passed before a pause stays the exact instant it was reached, and a pause
 * shifts the later deadlines by exactly the working time it covered. A deadline is null while an open pause
 * holds the clock before it was reached (no timer should fire for a case waiting on the buyer).
 * For a resumed clock this equals addWorkingTime(resumedAt, days * WORKING_DAY_MS - usedMs) for every
 * deadline not yet reached.
 */
export function slaDeadlines(input: SlaDeadlineInput, cal: BusinessCalendar): SlaDeadlines {
  const at = (days: number) =>
    whenWorkingTimeReached(input.startAt, nonNegative(days, 'days') * WORKING_DAY_MS, cal, input.pauses);
  return { targetAt: at(input.targetDays), warnAt: at(input.warnDays), breachAt: at(input.breachDays) };
}

/**
 * The local date to show for a deadline ("answer by <date>"): the working day inside which the deadline
 * falls, or, when it falls on a day boundary or in non-working time, the last working day ending at or
 * before it. So a deadline of Saturday 00:00 (the end of Friday) reads "Friday", not "Saturday".
 */
export function deadlineLocalDate(deadline: Date, cal: BusinessCalendar): string {
  const t = instant(deadline, 'deadline');
  const e = localDay(t, cal);
  if (isWorkingEpochDay(e, cal) && t > dayStart(e, cal)) return isoDate(e);
  return isoDate(previousWorkingDay(e - 1, cal));
}

// ---------------------------------------------------------------------------------------------------------
// Default holidays: England & Wales bank holidays (the Banking and Financial Dealings Act 1971 list plus
// the early May holiday from 1978), computed so the seed works for any year. Rules:
// - New Year's Day 1 Jan; on a weekend the substitute is the following Monday.
// - Good Friday and Easter Monday from Western Easter (anonymous Gregorian algorithm).
// - Early May: first Monday of May. Spring: last Monday of May. Summer: last Monday of August.
// - Christmas 25 Dec and Boxing Day 26 Dec; a holiday on a weekend is substituted by the next weekday not
//   already a holiday (Sat+Sun -> Mon+Tue; Sun+Mon -> Christmas substitute Tue; Fri+Sat -> Boxing Mon).
// - Proclaimed one-offs and moves since 1978 are listed in ONE_OFFS. Future proclamations cannot be
//   computed: administrators add them through the holidays API.
// Scotland and Northern Ireland have different lists and are not covered.

type Move = { replaces: 'Early May bank holiday' | 'Spring bank holiday'; to: string };
const ONE_OFFS: Record<number, { extra: NamedHoliday[]; moves: Move[] }> = {
  1981: { extra: [{ date: '1981-07-29', name: 'Royal wedding' }], moves: [] },
  1995: { extra: [], moves: [{ replaces: 'Early May bank holiday', to: '1995-05-08' }] }, // VE Day 50
  1999: { extra: [{ date: '1999-12-31', name: 'Millennium celebrations' }], moves: [] },
  2002: {
    extra: [{ date: '2002-06-03', name: 'Golden Jubilee bank holiday' }],
    moves: [{ replaces: 'Spring bank holiday', to: '2002-06-04' }],
  },
  2011: { extra: [{ date: '2011-04-29', name: 'Royal wedding' }], moves: [] },
  2012: {
    extra: [{ date: '2012-06-05', name: 'Diamond Jubilee bank holiday' }],
    moves: [{ replaces: 'Spring bank holiday', to: '2012-06-04' }],
  },
  2020: { extra: [], moves: [{ replaces: 'Early May bank holiday', to: '2020-05-08' }] }, // VE Day 75
  2022: {
    extra: [
      { date: '2022-06-03', name: 'Platinum Jubilee bank holiday' },
      { date: '2022-09-19', name: 'Bank holiday for the State Funeral of Queen Elizabeth II' },
    ],
    moves: [{ replaces: 'Spring bank holiday', to: '2022-06-02' }],
  },
  2023: {
    extra: [{ date: '2023-05-08', name: 'Bank holiday for the coronation of King Charles III' }],
    moves: [],
  },
};

/** Western (Gregorian) Easter Sunday as an epoch day: the anonymous Gregorian (Meeus/Jones/Butcher) algorithm. */
function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return epochDay(year, month, day);
}

function firstMonday(year: number, month: number): number {
  const first = epochDay(year, month, 1);
  return first + ((8 - weekdayOf(first)) % 7);
}

function lastMonday(year: number, month: number): number {
  const last = epochDay(year, month + 1, 1) - 1;
  return last - ((weekdayOf(last) + 6) % 7);
}

/** Exported for the seed and for tests; see the rules above. Sorted by date. */
export function defaultHolidays(year: number, region: 'GB' = 'GB'): NamedHoliday[] {
  if (region !== 'GB') throw new RangeError(`calendar: no default holidays for region ${String(region)}`);
  if (!Number.isInteger(year) || year < 1978 || year > 9999) {
    throw new RangeError(`calendar: default holidays cover the years 1978-9999, not ${year}`);
  }
  const days: Array<[number, string]> = [];
  const taken = (e: number) => weekdayOf(e) === 0 || weekdayOf(e) === 6 || days.some(([d]) => d === e);
  // A weekend holiday is observed on the next weekday that is not already a holiday; the date itself
  // stays out of the list because it is not a working day anyway.
  const addObserved = (e: number, name: string) => {
    if (weekdayOf(e) !== 0 && weekdayOf(e) !== 6) {
      days.push([e, name]);
      return;
    }
    let s = e + 1;
    while (taken(s)) s++;
    days.push([s, `${name} (substitute day)`]);
  };

  const moves = ONE_OFFS[year]?.moves ?? [];
  const movedTo = (name: Move['replaces'], usual: number) => {
    const move = moves.find((m) => m.replaces === name);
    return move ? parseIsoDate(move.to)! : usual;
  };
  const easter = easterSunday(year);

  addObserved(epochDay(year, 1, 1), 'New Year’s Day');
  days.push([easter - 2, 'Good Friday']);
  days.push([easter + 1, 'Easter Monday']);
  days.push([movedTo('Early May bank holiday', firstMonday(year, 5)), 'Early May bank holiday']);
  days.push([movedTo('Spring bank holiday', lastMonday(year, 5)), 'Spring bank holiday']);
  days.push([lastMonday(year, 8), 'Summer bank holiday']);
  // Christmas first when it is a weekday, so a Sunday Christmas yields Boxing Day on Monday 26th and the
  // Christmas substitute on Tuesday 27th (the statutory order).
  const christmas = epochDay(year, 12, 25);
  const boxing = christmas + 1;
  if (weekdayOf(christmas) === 0) {
    addObserved(boxing, 'Boxing Day');
    addObserved(christmas, 'Christmas Day');
  } else {
    addObserved(christmas, 'Christmas Day');
    addObserved(boxing, 'Boxing Day');
  }
  for (const x of ONE_OFFS[year]?.extra ?? []) days.push([parseIsoDate(x.date)!, x.name]);

  return days.sort((x, y) => x[0] - y[0]).map(([e, name]) => ({ date: isoDate(e), name }));
}
