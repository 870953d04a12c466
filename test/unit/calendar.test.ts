import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  addWorkingTime,
  type BusinessCalendar,
  deadlineLocalDate,
  defaultHolidays,
  isWorkingDay,
  localDate,
  makeCalendar,
  nextWorkingStart,
  slaDeadlines,
  WORKING_DAY_MS,
  whenWorkingTimeReached,
  workingDaysElapsed,
  workingMsBetween,
} from '../../src/platform/calendar.ts';
import { AppError } from '../../src/platform/errors.ts';

const d = (iso: string) => new Date(iso);
const iso = (x: Date | null) => (x === null ? null : x.toISOString());
const H = 3_600_000;
const W = WORKING_DAY_MS;

const gbHolidays = [2026, 2027, 2028].flatMap((y) => defaultHolidays(y).map((h) => h.date));
const london = makeCalendar('Europe/London', gbHolidays);
const plain = (zone: string, holidays: string[] = []) => makeCalendar(zone, holidays);

// March 2026: Mon 2, Tue 3, ... Fri 6, Sat 7, Sun 8, Mon 9. London is on GMT (= UTC) until 29 March.
describe('simple weekday arithmetic (Europe/London, GMT)', () => {
  it('Tuesday 14:00 + 3 working days is Friday 14:00', () => {
    expect(iso(addWorkingDays(d('2026-03-03T14:00:00Z'), 3, london))).toBe('2026-03-06T14:00:00.000Z');
  });

  it('Tuesday 14:00 + 5 working days skips the weekend to the next Tuesday 14:00', () => {
    expect(iso(addWorkingDays(d('2026-03-03T14:00:00Z'), 5, london))).toBe('2026-03-10T14:00:00.000Z');
  });

  it('adds partial days and rolls over midnight', () => {
    expect(iso(addWorkingTime(d('2026-03-02T09:00:00Z'), 12 * H, london))).toBe('2026-03-02T21:00:00.000Z');
    expect(iso(addWorkingTime(d('2026-03-02T09:00:00Z'), 20 * H, london))).toBe('2026-03-03T05:00:00.000Z');
    expect(iso(addWorkingTime(d('2026-03-06T20:00:00Z'), 6 * H, london))).toBe('2026-03-09T02:00:00.000Z');
  });

  it('zero working time inside a working day is the start itself', () => {
    expect(iso(addWorkingTime(d('2026-03-04T11:22:33.444Z'), 0, london))).toBe('2026-03-04T11:22:33.444Z');
  });

  it('a deadline landing on the end of Friday is Saturday 00:00, shown as Friday', () => {
    const due = addWorkingDays(d('2026-03-02T00:00:00Z'), 5, london);
    expect(iso(due)).toBe('2026-03-07T00:00:00.000Z');
    expect(deadlineLocalDate(due, london)).toBe('2026-03-06');
    expect(localDate(due, london)).toBe('2026-03-07');
  });

  it('measures working time between instants, ignoring the weekend', () => {
    expect(workingMsBetween(d('2026-03-06T18:00:00Z'), d('2026-03-09T06:00:00Z'), london)).toBe(12 * H);
    expect(workingMsBetween(d('2026-03-02T00:00:00Z'), d('2026-03-09T00:00:00Z'), london)).toBe(5 * W);
    expect(workingMsBetween(d('2026-03-07T01:00:00Z'), d('2026-03-08T23:00:00Z'), london)).toBe(0);
    // reversed or empty ranges are 0, never negative
    expect(workingMsBetween(d('2026-03-09T00:00:00Z'), d('2026-03-02T00:00:00Z'), london)).toBe(0);
  });

  it('counts a whole year: 261 weekdays in 2026 minus 8 weekday bank holidays', () => {
    expect(workingMsBetween(d('2026-01-01T00:00:00Z'), d('2027-01-01T00:00:00Z'), london)).toBe(253 * W);
  });

  it('refuses negative or non-finite working time and invalid dates', () => {
    expect(() => addWorkingTime(d('2026-03-02T00:00:00Z'), -1, london)).toThrow(RangeError);
    expect(() => addWorkingDays(d('2026-03-02T00:00:00Z'), Number.NaN, london)).toThrow(RangeError);
    expect(() => nextWorkingStart(new Date('nope'), london)).toThrow(RangeError);
    expect(() => isWorkingDay('2026-3-2', london)).toThrow(RangeError);
  });
});

describe('weekend and holiday submissions start at the next working day 00:00', () => {
  it('Saturday and Sunday start on Monday 00:00', () => {
    expect(iso(nextWorkingStart(d('2026-03-07T10:15:00Z'), london))).toBe('2026-03-09T00:00:00.000Z');
    expect(iso(nextWorkingStart(d('2026-03-08T23:59:59.999Z'), london))).toBe('2026-03-09T00:00:00.000Z');
    expect(iso(nextWorkingStart(d('2026-03-07T00:00:00Z'), london))).toBe('2026-03-09T00:00:00.000Z');
  });

  it('a weekday instant is returned unchanged', () => {
    expect(iso(nextWorkingStart(d('2026-03-06T23:59:59.999Z'), london))).toBe('2026-03-06T23:59:59.999Z');
    expect(iso(nextWorkingStart(d('2026-03-09T00:00:00Z'), london))).toBe('2026-03-09T00:00:00.000Z');
  });

  it('a Saturday submission + 3 working days is Thursday 00:00, "answer by Wednesday"', () => {
    const due = addWorkingDays(d('2026-03-07T10:15:00Z'), 3, london);
    expect(iso(due)).toBe('2026-03-12T00:00:00.000Z');
    expect(deadlineLocalDate(due, london)).toBe('2026-03-11');
  });

  it('Good Friday 2026 (BST) starts after Easter Monday: Tuesday 00:00 BST', () => {
    expect(iso(nextWorkingStart(d('2026-04-03T10:00:00Z'), london))).toBe('2026-04-06T23:00:00.000Z');
    expect(isWorkingDay('2026-04-03', london)).toBe(false);
    expect(isWorkingDay('2026-04-06', london)).toBe(false);
    expect(isWorkingDay('2026-04-07', london)).toBe(true);
  });
});

describe('long weekends', () => {
  it('Easter: Thursday 15:00 BST + 1 working day is Tuesday 15:00 BST', () => {
    expect(iso(addWorkingDays(d('2026-04-02T14:00:00Z'), 1, london))).toBe('2026-04-07T14:00:00.000Z');
  });

  it('a Monday holiday (early May 2026-05-04): Friday 10:00 + 1 is Tuesday 10:00', () => {
    expect(iso(addWorkingDays(d('2026-05-01T09:00:00Z'), 1, london))).toBe('2026-05-05T09:00:00.000Z');
  });

  it('a Friday holiday: Thursday 12:00 + 1 is Monday 12:00', () => {
    const cal = makeCalendar('Europe/London', ['2026-03-13']);
    expect(iso(addWorkingDays(d('2026-03-12T12:00:00Z'), 1, cal))).toBe('2026-03-16T12:00:00.000Z');
    expect(workingMsBetween(d('2026-03-12T12:00:00Z'), d('2026-03-16T12:00:00Z'), cal)).toBe(W);
  });
});

describe('year end', () => {
  // 2026: Christmas Fri 25, Boxing Day substitute Mon 28, New Year Fri 2027-01-01.
  it('2026: Wednesday 23 Dec + 3 skips Christmas and the Boxing Day substitute', () => {
    expect(iso(addWorkingDays(d('2026-12-23T10:00:00Z'), 3, london))).toBe('2026-12-30T10:00:00.000Z');
    expect(iso(addWorkingDays(d('2026-12-23T10:00:00Z'), 5, london))).toBe('2027-01-04T10:00:00.000Z');
  });

  it('2026: a Christmas Day submission starts on Tuesday 29 Dec', () => {
    expect(iso(nextWorkingStart(d('2026-12-25T12:00:00Z'), london))).toBe('2026-12-29T00:00:00.000Z');
    expect(workingMsBetween(d('2026-12-24T00:00:00Z'), d('2027-01-04T00:00:00Z'), london)).toBe(4 * W);
  });

  it('2027: Christmas on Saturday gives Monday 27 and Tuesday 28 off', () => {
    expect(iso(addWorkingDays(d('2027-12-24T09:00:00Z'), 1, london))).toBe('2027-12-29T09:00:00.000Z');
  });

  it('2028: New Year on Saturday is substituted on Monday 3 January', () => {
    expect(iso(addWorkingDays(d('2027-12-31T09:00:00Z'), 1, london))).toBe('2028-01-04T09:00:00.000Z');
  });

  it('a deadline at the start of the first day after a break reads as the last working day before it', () => {
    expect(deadlineLocalDate(d('2026-12-29T00:00:00Z'), london)).toBe('2026-12-24');
    expect(deadlineLocalDate(d('2026-12-29T00:00:00.001Z'), london)).toBe('2026-12-29');
    expect(deadlineLocalDate(d('2026-12-26T15:00:00Z'), london)).toBe('2026-12-24');
  });
});

describe('DST weeks: a working day still counts as one whole day', () => {
  it('Europe/London spring forward (Sun 2026-03-29): Friday 14:00 GMT + 1 = Monday 14:00 BST', () => {
    expect(iso(addWorkingDays(d('2026-03-27T14:00:00Z'), 1, london))).toBe('2026-03-30T13:00:00.000Z');
    expect(iso(addWorkingDays(d('2026-03-24T14:00:00Z'), 5, london))).toBe('2026-03-31T13:00:00.000Z');
    expect(workingMsBetween(d('2026-03-27T14:00:00Z'), d('2026-03-30T13:00:00Z'), london)).toBe(W);
    expect(workingMsBetween(d('2026-03-27T00:00:00Z'), d('2026-03-29T23:00:00Z'), london)).toBe(W);
  });

  it('Europe/London fall back (Sun 2026-10-25): Friday 14:00 BST + 1 = Monday 14:00 GMT', () => {
    expect(iso(addWorkingDays(d('2026-10-23T13:00:00Z'), 1, london))).toBe('2026-10-26T14:00:00.000Z');
    expect(workingMsBetween(d('2026-10-23T13:00:00Z'), d('2026-10-26T14:00:00Z'), london)).toBe(W);
  });

  it('America/New_York spring forward (Sun 2026-03-08) and fall back (Sun 2026-11-01)', () => {
    const ny = plain('America/New_York');
    expect(iso(addWorkingDays(d('2026-03-05T14:00:00Z'), 3, ny))).toBe('2026-03-10T13:00:00.000Z');
    expect(iso(nextWorkingStart(d('2026-03-07T12:00:00Z'), ny))).toBe('2026-03-09T04:00:00.000Z');
    expect(iso(addWorkingDays(d('2026-10-30T21:00:00Z'), 1, ny))).toBe('2026-11-02T22:00:00.000Z');
    expect(workingMsBetween(d('2026-10-30T04:00:00Z'), d('2026-11-03T05:00:00Z'), ny)).toBe(2 * W);
  });

  it('Asia/Jerusalem springs forward on a Friday (23 h): the day is scaled linearly', () => {
    const jlm = plain('Asia/Jerusalem');
    // Thu 12:00 IST + 1 day = half of the 23-hour Friday = 11.5 h after its midnight = 12:30 IDT
    expect(iso(addWorkingDays(d('2026-03-26T10:00:00Z'), 1, jlm))).toBe('2026-03-27T09:30:00.000Z');
    // Thu 00:00 + 2 days = Sat 00:00 IDT, whatever the real length
    expect(iso(addWorkingDays(d('2026-03-25T22:00:00Z'), 2, jlm))).toBe('2026-03-27T21:00:00.000Z');
    expect(workingMsBetween(d('2026-03-26T22:00:00Z'), d('2026-03-27T21:00:00Z'), jlm)).toBe(W);
    // 5 real hours of a 23-hour day
    expect(workingMsBetween(d('2026-03-26T22:00:00Z'), d('2026-03-27T03:00:00Z'), jlm)).toBe(
      Math.round((5 / 23) * W),
    );
  });

  it('Africa/Cairo: a 25-hour Thursday and a Friday whose midnight does not exist', () => {
    const cairo = plain('Africa/Cairo');
    // Thu 2026-10-29 runs 21:00Z (Wed) to 22:00Z: half of it is 12.5 h
    expect(iso(addWorkingDays(d('2026-10-28T09:00:00Z'), 1, cairo))).toBe('2026-10-29T09:30:00.000Z');
    // Fri 2026-04-24 starts at 01:00 EEST (22:00Z Thursday) and lasts 23 h
    expect(iso(addWorkingDays(d('2026-04-22T22:00:00Z'), 1, cairo))).toBe('2026-04-23T22:00:00.000Z');
    expect(iso(addWorkingDays(d('2026-04-22T22:00:00Z'), 2, cairo))).toBe('2026-04-24T21:00:00.000Z');
    const thursdayOff = plain('Africa/Cairo', ['2026-04-23']);
    expect(iso(nextWorkingStart(d('2026-04-23T10:00:00Z'), thursdayOff))).toBe('2026-04-23T22:00:00.000Z');
  });
});

describe('time zones east and west of UTC', () => {
  it('Asia/Shanghai: Friday 20:00Z is already Saturday there', () => {
    const sh = plain('Asia/Shanghai');
    expect(isWorkingDay(d('2026-03-06T20:00:00Z'), sh)).toBe(false);
    expect(localDate(d('2026-03-06T20:00:00Z'), sh)).toBe('2026-03-07');
    expect(iso(nextWorkingStart(d('2026-03-06T20:00:00Z'), sh))).toBe('2026-03-08T16:00:00.000Z');
    expect(iso(addWorkingDays(d('2026-03-03T01:00:00Z'), 3, sh))).toBe('2026-03-06T01:00:00.000Z');
    expect(iso(addWorkingDays(d('2026-03-06T01:00:00Z'), 1, sh))).toBe('2026-03-09T01:00:00.000Z');
  });

  it('Pacific/Auckland: Sunday 20:00Z is Monday morning there; DST ends Sun 2026-04-05', () => {
    const akl = plain('Pacific/Auckland');
    expect(isWorkingDay(d('2026-03-08T20:00:00Z'), akl)).toBe(true);
    expect(iso(nextWorkingStart(d('2026-03-08T20:00:00Z'), akl))).toBe('2026-03-08T20:00:00.000Z');
    expect(iso(nextWorkingStart(d('2026-03-06T12:00:00Z'), akl))).toBe('2026-03-08T11:00:00.000Z');
    // Fri 10:00 NZDT (+13) + 1 = Mon 10:00 NZST (+12)
    expect(iso(addWorkingDays(d('2026-04-02T21:00:00Z'), 1, akl))).toBe('2026-04-05T22:00:00.000Z');
  });

  it('America/Los_Angeles: Saturday 01:00Z is still Friday evening there', () => {
    const la = plain('America/Los_Angeles');
    expect(isWorkingDay(d('2026-03-07T01:00:00Z'), la)).toBe(true);
    expect(iso(nextWorkingStart(d('2026-03-07T01:00:00Z'), la))).toBe('2026-03-07T01:00:00.000Z');
    // Fri 17:00 PST + 1 = Mon 17:00 PDT (DST began Sun 2026-03-08)
    expect(iso(addWorkingDays(d('2026-03-07T01:00:00Z'), 1, la))).toBe('2026-03-10T00:00:00.000Z');
    // Sat 23:00 PST (Sunday in UTC) starts on Mon 00:00 PDT
    expect(iso(nextWorkingStart(d('2026-03-08T07:00:00Z'), la))).toBe('2026-03-09T07:00:00.000Z');
  });
});

describe('pauses', () => {
  const from = d('2026-03-02T00:00:00Z'); // Monday
  const to = d('2026-03-13T00:00:00Z'); // Friday 00:00: nine working days later

  it('without pauses: nine working days', () => {
    expect(workingMsBetween(from, to, london)).toBe(9 * W);
  });

  it('a pause spanning a weekend removes only its working time (Thu 12:00 - Tue 12:00 = 3 days)', () => {
    const pauses = [{ start: d('2026-03-05T12:00:00Z'), end: d('2026-03-10T12:00:00Z') }];
    expect(workingMsBetween(from, to, london, pauses)).toBe(6 * W);
  });

  it('overlapping and duplicated pauses are subtracted once', () => {
    const pauses = [
      { start: d('2026-03-06T00:00:00Z'), end: d('2026-03-10T12:00:00Z') },
      { start: d('2026-03-05T12:00:00Z'), end: d('2026-03-09T12:00:00Z') },
      { start: d('2026-03-09T00:00:00Z'), end: d('2026-03-09T06:00:00Z') },
      { start: d('2026-03-05T12:00:00Z'), end: d('2026-03-09T12:00:00Z') },
    ];
    expect(workingMsBetween(from, to, london, pauses)).toBe(6 * W);
  });

  it('a pause still open runs until `to`', () => {
    const pauses = [{ start: d('2026-03-11T06:00:00Z'), end: null }];
    expect(workingMsBetween(from, to, london, pauses)).toBe(7.25 * W);
  });

  it('pauses outside the range are ignored; a pause ending before it starts is refused', () => {
    const outside = [
      { start: d('2026-02-20T00:00:00Z'), end: d('2026-03-02T00:00:00Z') },
      { start: d('2026-03-13T00:00:00Z'), end: null },
    ];
    expect(workingMsBetween(from, to, london, outside)).toBe(9 * W);
    const backwards = [{ start: d('2026-03-05T00:00:00Z'), end: d('2026-03-04T00:00:00Z') }];
    expect(() => workingMsBetween(from, to, london, backwards)).toThrow(RangeError);
  });

  it('working days elapsed (ageing) rounds down', () => {
    const decided = d('2026-03-03T10:00:00Z');
    expect(workingDaysElapsed(decided, d('2026-03-04T09:59:59.999Z'), london)).toBe(0);
    expect(workingDaysElapsed(decided, d('2026-03-04T10:00:00Z'), london)).toBe(1);
    expect(workingDaysElapsed(decided, d('2026-03-17T10:00:00Z'), london)).toBe(10);
  });
});

describe('slaDeadlines', () => {
  const startAt = d('2026-03-02T09:00:00Z'); // Monday 09:00 GMT
  const days = { targetDays: 3, warnDays: 4, breachDays: 5 };
  const asIso = (x: { targetAt: Date | null; warnAt: Date | null; breachAt: Date | null }) => ({
    targetAt: iso(x.targetAt),
    warnAt: iso(x.warnAt),
    breachAt: iso(x.breachAt),
  });

  it('without pauses: 3, 4 and 5 working days after the start', () => {
    expect(asIso(slaDeadlines({ startAt, ...days }, london))).toEqual({
      targetAt: '2026-03-05T09:00:00.000Z',
      warnAt: '2026-03-06T09:00:00.000Z',
      breachAt: '2026-03-09T09:00:00.000Z',
    });
  });

  it('a pause shifts every later deadline by exactly the paused working time', () => {
    const pause = { start: d('2026-03-04T09:00:00Z'), end: d('2026-03-09T15:00:00Z') };
    const paused = workingMsBetween(pause.start, pause.end as Date, london);
    expect(paused).toBe(3.25 * W);
    const before = slaDeadlines({ startAt, ...days }, london);
    const after = slaDeadlines({ startAt, pauses: [pause], ...days }, london);
    expect(asIso(after)).toEqual({
      targetAt: '2026-03-10T15:00:00.000Z',
      warnAt: '2026-03-11T15:00:00.000Z',
      breachAt: '2026-03-12T15:00:00.000Z',
    });
    for (const k of ['targetAt', 'warnAt', 'breachAt'] as const) {
      expect(workingMsBetween(before[k]!, after[k]!, london)).toBe(paused);
      expect(iso(addWorkingTime(before[k]!, paused, london))).toBe(iso(after[k]));
    }
    // the same as resuming with the time already used (the incremental view)
    const usedMs = workingMsBetween(startAt, pause.start, london);
    expect(usedMs).toBe(2 * W);
    expect(iso(addWorkingTime(pause.end as Date, 3 * W - usedMs, london))).toBe(iso(after.targetAt));
  });

  it('a deadline reached before a pause stays the instant it was reached', () => {
    const pause = { start: d('2026-03-06T12:00:00Z'), end: d('2026-03-11T12:00:00Z') };
    expect(asIso(slaDeadlines({ startAt, pauses: [pause], ...days }, london))).toEqual({
      targetAt: '2026-03-05T09:00:00.000Z',
      warnAt: '2026-03-06T09:00:00.000Z',
      breachAt: '2026-03-12T09:00:00.000Z',
    });
  });

  it('an open pause leaves the unreached deadlines null', () => {
    const early = [{ start: d('2026-03-04T09:00:00Z'), end: null }];
    expect(asIso(slaDeadlines({ startAt, pauses: early, ...days }, london))).toEqual({
      targetAt: null,
      warnAt: null,
      breachAt: null,
    });
    const late = [{ start: d('2026-03-06T12:00:00Z'), end: null }];
    expect(asIso(slaDeadlines({ startAt, pauses: late, ...days }, london))).toEqual({
      targetAt: '2026-03-05T09:00:00.000Z',
      warnAt: '2026-03-06T09:00:00.000Z',
      breachAt: null,
    });
  });

  it('a target reached exactly as a pause begins is that instant', () => {
    const pauses = [{ start: d('2026-03-05T09:00:00Z'), end: d('2026-03-10T09:00:00Z') }];
    expect(iso(whenWorkingTimeReached(startAt, 3 * W, london, pauses))).toBe('2026-03-05T09:00:00.000Z');
    expect(iso(whenWorkingTimeReached(startAt, 3 * W + 1, london, pauses))).toBe('2026-03-10T09:00:00.001Z');
  });

  it('refund window: 7 and 10 working days after a decision', () => {
    const decided = d('2026-03-24T10:00:00Z'); // Tuesday, GMT; BST from Sunday 29th
    expect(iso(addWorkingDays(decided, 7, london))).toBe('2026-04-02T09:00:00.000Z');
    // 10 days skips Good Friday and Easter Monday
    expect(iso(addWorkingDays(decided, 10, london))).toBe('2026-04-09T09:00:00.000Z');
  });
});

describe('round trip: workingMsBetween inverts addWorkingTime', () => {
  it('holds on many deterministic pseudo-random instants in six zones', () => {
    const zones: BusinessCalendar[] = [
      london,
      plain('America/New_York'),
      plain('Asia/Shanghai'),
      plain('Pacific/Auckland'),
      plain('Asia/Jerusalem'),
      plain('Africa/Cairo'),
    ];
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const base = Date.parse('2026-01-01T00:00:00Z');
    let checked = 0;
    for (const cal of zones) {
      for (let i = 0; i < 60; i++) {
        const start = nextWorkingStart(new Date(base + Math.floor(rand() * 365 * 86_400_000)), cal);
        const ms = Math.floor(rand() * 8 * W);
        const end = addWorkingTime(start, ms, cal);
        // 1 ms of rounding is possible only on days whose length is not 24 h
        expect(Math.abs(workingMsBetween(start, end, cal) - ms)).toBeLessThanOrEqual(1);
        checked++;
      }
    }
    expect(checked).toBe(360);
  });
});

describe('makeCalendar', () => {
  it('throws AppError REQUEST.INVALID on an invalid IANA zone', () => {
    for (const bad of ['Mars/Olympus_Mons', 'Europe/Londn', '+01:00', 'UTC+1', '']) {
      let caught: unknown;
      try {
        makeCalendar(bad, []);
      } catch (e) {
        caught = e;
      }
      expect(caught, bad).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe('REQUEST.INVALID');
    }
  });

  it('throws on a holiday that is not a real date', () => {
    expect(() => makeCalendar('Europe/London', ['2026-02-30'])).toThrow(AppError);
    expect(() => makeCalendar('Europe/London', ['26-12-25'])).toThrow(AppError);
  });

  it('normalises the zone name case and keeps the holidays', () => {
    const cal = makeCalendar('europe/london', ['2026-03-04', '2026-03-04']);
    expect(cal.timezone).toBe('Europe/London');
    expect([...cal.holidays]).toEqual(['2026-03-04']);
    expect(isWorkingDay('2026-03-04', cal)).toBe(false);
    expect(isWorkingDay('2026-03-05', cal)).toBe(true);
  });
});

describe('defaultHolidays (date-holidays; England & Wales by default)', () => {
  it('2026', () => {
    expect(defaultHolidays(2026)).toEqual([
      { date: '2026-01-01', name: "New Year's Day" },
      { date: '2026-04-03', name: 'Good Friday' },
      { date: '2026-04-06', name: 'Easter Monday' },
      { date: '2026-05-04', name: 'Early May bank holiday' },
      { date: '2026-05-25', name: 'Spring bank holiday' },
      { date: '2026-08-31', name: 'Summer bank holiday' },
      { date: '2026-12-25', name: 'Christmas Day' },
      { date: '2026-12-28', name: 'Boxing Day (substitute day)' },
    ]);
  });

  it('2027: Christmas on Saturday, both substitutes', () => {
    expect(defaultHolidays(2027)).toEqual([
      { date: '2027-01-01', name: "New Year's Day" },
      { date: '2027-03-26', name: 'Good Friday' },
      { date: '2027-03-29', name: 'Easter Monday' },
      { date: '2027-05-03', name: 'Early May bank holiday' },
      { date: '2027-05-31', name: 'Spring bank holiday' },
      { date: '2027-08-30', name: 'Summer bank holiday' },
      { date: '2027-12-27', name: 'Christmas Day (substitute day)' },
      { date: '2027-12-28', name: 'Boxing Day (substitute day)' },
    ]);
  });

  it('past years match the published lists, including one-offs and the Sunday-Christmas order', () => {
    const dates = (y: number) => defaultHolidays(y).map((h) => h.date);
    expect(dates(2022)).toEqual([
      '2022-01-03',
      '2022-04-15',
      '2022-04-18',
      '2022-05-02',
      '2022-06-02',
      '2022-06-03',
      '2022-08-29',
      '2022-09-19',
      '2022-12-26',
      '2022-12-27',
    ]);
    expect(defaultHolidays(2022).at(-1)).toEqual({
      date: '2022-12-27',
      name: 'Christmas Day (substitute day)',
    });
    expect(dates(2023)).toEqual([
      '2023-01-02',
      '2023-04-07',
      '2023-04-10',
      '2023-05-01',
      '2023-05-08',
      '2023-05-29',
      '2023-08-28',
      '2023-12-25',
      '2023-12-26',
    ]);
    expect(dates(2020)).toEqual([
      '2020-01-01',
      '2020-04-10',
      '2020-04-13',
      '2020-05-08',
      '2020-05-25',
      '2020-08-31',
      '2020-12-25',
      '2020-12-28',
    ]);
    expect(dates(2028)).toContain('2028-01-03');
  });

  it('computes Easter Monday correctly across the range of possible Easter dates', () => {
    const easterMonday = (y: number) => defaultHolidays(y).find((h) => h.name === 'Easter Monday')?.date;
    expect(easterMonday(2008)).toBe('2008-03-24'); // Easter 23 March
    expect(easterMonday(2011)).toBe('2011-04-25'); // Easter 24 April
    expect(easterMonday(2024)).toBe('2024-04-01');
    expect(easterMonday(2025)).toBe('2025-04-21');
    expect(easterMonday(2038)).toBe('2038-04-26'); // Easter 25 April, the latest possible
    expect(easterMonday(2285)).toBe('2285-03-23'); // Easter 22 March, the earliest possible
  });

  it('other regions come from the same library; unknown regions and odd years are refused', () => {
    const de = defaultHolidays(2026, 'DE-BY');
    expect(de.map((h) => h.date)).toEqual(expect.arrayContaining(['2026-01-06', '2026-06-04', '2026-12-25']));
    const scotland = defaultHolidays(2026, 'GB-SCT').map((h) => h.date);
    expect(scotland).toContain('2026-01-02'); // 2 January, Scotland only
    expect(dates2026()).not.toContain('2026-01-02');
    // weekends never listed (2026-12-26 Boxing Day is a Saturday; its substitute is)
    expect(dates2026()).not.toContain('2026-12-26');
    expect(() => defaultHolidays(2026, 'XX')).toThrow(RangeError);
    expect(() => defaultHolidays(2026, 'GB-ZZZ')).toThrow(RangeError);
    expect(() => defaultHolidays(2026, 'gb-eng')).toThrow(RangeError);
    expect(() => defaultHolidays(2026.5)).toThrow(RangeError);
  });
});

function dates2026(): string[] {
  return defaultHolidays(2026).map((h) => h.date);
}
