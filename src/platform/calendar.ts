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

// Public holidays come from date-holidays (src/platform/holidays.ts); this re-export keeps the callers'
// one import.
export { defaultHolidays, type NamedHoliday } from './holidays.ts';
