// The per-reviewer figures from a fixed case history (Europe/London, GMT in early March 2026, so local
// time = UTC). Mon 2026-03-02 .. Wed 2026-03-11; one working day = 24 working hours (calendar model).
import { describe, expect, it } from 'vitest';
import { makeCalendar, WORKING_DAY_MS } from '../../src/platform/calendar.ts';
import {
  ageBucket,
  appealFacts,
  datesBetween,
  type FigureHistoryRow,
  figuresCsvRows,
  median,
  reviewerFigures,
} from '../../src/modules/review/review.figures.ts';
import { figuresRange } from '../../src/modules/review/review.figures.query.ts';

const cal = makeCalendar('Europe/London', []);
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const L = '00000000-0000-4000-8000-00000000000c';
const ROUTER = null;

function h(
  appealId: string,
  at: string,
  action: string,
  actorId: string | null,
  extra: Partial<FigureHistoryRow> = {},
): FigureHistoryRow {
  return {
    appealId,
    at: new Date(at),
    actorId,
    action,
    fromStatus: null,
    toStatus: null,
    data: null,
    ...extra,
  };
}
const assigned = (id: string, at: string, to: string) =>
  h(id, at, 'ASSIGNED', ROUTER, { data: { reviewerId: to }, toStatus: 'IN_REVIEW' });
const moreInfo = (id: string, at: string, by: string) =>
  h(id, at, 'MORE_INFO_REQUESTED', by, { fromStatus: 'IN_REVIEW', toStatus: 'MORE_INFO_REQUESTED' });
const resubmitted = (id: string, at: string) =>
  h(id, at, 'RESUBMITTED', null, { fromStatus: 'MORE_INFO_REQUESTED', toStatus: 'SUBMITTED' });

const HISTORY: FigureHistoryRow[] = [
  // 1: A, Mon 09:00 -> Mon 15:00 = 6 h
  assigned('c1', '2026-03-02T09:00:00Z', A),
  h('c1', '2026-03-02T15:00:00Z', 'APPROVED', A),
  // 2: A, Fri 12:00 -> Mon 12:00 over the weekend = 12 h + 12 h = 24 h
  assigned('c2', '2026-03-06T12:00:00Z', A),
  h('c2', '2026-03-09T12:00:00Z', 'REJECTED', A),
  // 3: A, Tue 00:00, paused Tue 12:00 -> Thu 12:00, back to A, approved Fri 12:00 = 12 h + 24 h = 36 h
  assigned('c3', '2026-03-03T00:00:00Z', A),
  moreInfo('c3', '2026-03-03T12:00:00Z', A),
  resubmitted('c3', '2026-03-05T12:00:00Z'),
  assigned('c3', '2026-03-05T12:00:00Z', A),
  h('c3', '2026-03-06T12:00:00Z', 'APPROVED', A),
  // 4: A, Mon 00:00 -> Fri 12:00 = 4.5 working days = 108 h: outside the 3-day target
  assigned('c4', '2026-03-02T00:00:00Z', A),
  h('c4', '2026-03-06T12:00:00Z', 'APPROVED', A),
  // 5: B proposes an approval after 4 h, lead L rejects it: one overturn of B, one decision of L (no
  // handling time: the case was not assigned to L)
  assigned('c5', '2026-03-02T10:00:00Z', B),
  h('c5', '2026-03-02T14:00:00Z', 'APPROVAL_AWAITING_SECOND', B),
  h('c5', '2026-03-03T09:00:00Z', 'REJECTED', L, { fromStatus: 'IN_REVIEW', toStatus: 'REJECTED' }),
  // 6: B proposes after 2 h, L confirms: the confirming APPROVED is not a second decision
  assigned('c6', '2026-03-03T08:00:00Z', B),
  h('c6', '2026-03-03T10:00:00Z', 'APPROVAL_AWAITING_SECOND', B),
  h('c6', '2026-03-03T11:00:00Z', 'SECOND_APPROVAL', L),
  h('c6', '2026-03-03T11:00:00Z', 'APPROVED', L),
  // 11: before the range
  assigned('c11', '2026-02-26T09:00:00Z', A),
  h('c11', '2026-02-27T09:00:00Z', 'APPROVED', A),
  // open cases, now = Wed 2026-03-11 12:00
  assigned('o7', '2026-03-11T06:00:00Z', A), // 6 h -> 0-1d
  assigned('o8', '2026-03-06T12:00:00Z', A), // 12 + 24 + 24 + 12 = 72 h = 3.0 d -> 3-5d
  // 9: B Mon 12:00, paused Mon 18:00 -> Tue 18:00, back to B: 6 + 6 + 12 = 24 h = 1.0 d -> 1-3d
  assigned('o9', '2026-03-09T12:00:00Z', B),
  moreInfo('o9', '2026-03-09T18:00:00Z', B),
  resubmitted('o9', '2026-03-10T18:00:00Z'),
  assigned('o9', '2026-03-10T18:00:00Z', B),
  assigned('o10', '2026-03-02T00:00:00Z', B), // 7.5 working days -> 5d+
];

const OPEN = [
  { appealId: 'o7', assigneeId: A, assignedAt: new Date('2026-03-11T06:00:00Z') },
  { appealId: 'o8', assigneeId: A, assignedAt: new Date('2026-03-06T12:00:00Z') },
  // the table's assigned_at is the latest assignment; the history's stint started earlier
  { appealId: 'o9', assigneeId: B, assignedAt: new Date('2026-03-10T18:00:00Z') },
  { appealId: 'o10', assigneeId: B, assignedAt: new Date('2026-03-02T00:00:00Z') },
];

const STAFF = [
  { id: A, name: 'Alice' },
  { id: B, name: 'Bob' },
  { id: L, name: 'Lena (lead)' },
];

function figures() {
  return reviewerFigures({
    from: '2026-03-02',
    to: '2026-03-10',
    now: new Date('2026-03-11T12:00:00Z'),
    targetDays: 3,
    cal,
    history: HISTORY,
    open: OPEN,
    staff: STAFF,
  });
}

describe('reviewer figures from a fixed history', () => {
  it('A: 4 decisions in the range, median of 6/24/36/108 h = 30 h, 3 of 4 within 3 working days', () => {
    const a = figures().find((f) => f.reviewerId === A)!;
    expect(a.name).toBe('Alice');
    expect(a.decisions).toBe(4);
    expect(a.medianHandlingWorkingHours).toBe(30);
    expect(a.withinTargetShare).toBe(0.75);
    expect(a.overturns).toBe(0);
    expect(a.decisionsPerDay).toEqual([
      { date: '2026-03-02', count: 1 },
      { date: '2026-03-03', count: 0 },
      { date: '2026-03-04', count: 0 },
      { date: '2026-03-05', count: 0 },
      { date: '2026-03-06', count: 2 },
      { date: '2026-03-07', count: 0 },
      { date: '2026-03-08', count: 0 },
      { date: '2026-03-09', count: 1 },
      { date: '2026-03-10', count: 0 },
    ]);
    expect(a.openByAge).toEqual({ '0-1d': 1, '1-3d': 0, '3-5d': 1, '5d+': 0 });
  });

  it('B: 2 proposed approvals (4 h and 2 h, median 3 h), one overruled by the lead', () => {
    const b = figures().find((f) => f.reviewerId === B)!;
    expect(b.decisions).toBe(2);
    expect(b.medianHandlingWorkingHours).toBe(3);
    expect(b.withinTargetShare).toBe(1);
    expect(b.overturns).toBe(1);
    expect(b.openByAge).toEqual({ '0-1d': 0, '1-3d': 1, '3-5d': 0, '5d+': 1 });
  });

  it('the lead: one decision (the overruling rejection), no handling time, the confirmation not counted', () => {
    const l = figures().find((f) => f.reviewerId === L)!;
    expect(l.decisions).toBe(1);
    expect(l.decisionsPerDay.find((d) => d.date === '2026-03-03')?.count).toBe(1);
    expect(l.medianHandlingWorkingHours).toBeNull();
    expect(l.withinTargetShare).toBeNull();
    expect(l.overturns).toBe(0);
  });

  it('one row per staff member, in the order given, even with nothing to show', () => {
    const nobody = { id: '00000000-0000-4000-8000-00000000000d', name: 'Nobody' };
    const out = reviewerFigures({
      from: '2026-03-02',
      to: '2026-03-02',
      now: new Date('2026-03-11T12:00:00Z'),
      targetDays: 3,
      cal,
      history: [],
      open: [],
      staff: [nobody],
    });
    expect(out).toEqual([
      {
        reviewerId: nobody.id,
        name: 'Nobody',
        decisions: 0,
        decisionsPerDay: [{ date: '2026-03-02', count: 0 }],
        medianHandlingWorkingHours: null,
        withinTargetShare: null,
        overturns: 0,
        openByAge: { '0-1d': 0, '1-3d': 0, '3-5d': 0, '5d+': 0 },
      },
    ]);
  });

  it('a holiday is not working time either', () => {
    const withHoliday = makeCalendar('Europe/London', ['2026-03-03']);
    const f = appealFacts(
      [assigned('x', '2026-03-02T12:00:00Z', A), h('x', '2026-03-04T12:00:00Z', 'REJECTED', A)],
      withHoliday,
    );
    // Mon 12 h + (Tue holiday) + Wed 12 h
    expect(f.decisions[0]!.handlingMs).toBe(WORKING_DAY_MS);
  });

  it('a reassignment starts the handling time again for the new reviewer; a return to the pool ends it', () => {
    const f = appealFacts(
      [
        assigned('y', '2026-03-02T00:00:00Z', A),
        assigned('y', '2026-03-03T00:00:00Z', B),
        h('y', '2026-03-03T06:00:00Z', 'REJECTED', B),
      ],
      cal,
    );
    expect(f.decisions).toEqual([
      { appealId: 'y', by: B, at: new Date('2026-03-03T06:00:00Z'), handlingMs: 6 * 3_600_000 },
    ]);
    const g = appealFacts(
      [
        assigned('z', '2026-03-02T00:00:00Z', A),
        h('z', '2026-03-02T01:00:00Z', 'UNASSIGNED', L),
        h('z', '2026-03-02T02:00:00Z', 'APPROVED', A),
      ],
      cal,
    );
    expect(g.decisions[0]!.handlingMs).toBeNull();
  });
});

describe('local dates', () => {
  it('a decision counts on its local date in the calendar zone, and the range is in local dates', () => {
    const shanghai = makeCalendar('Asia/Shanghai', []);
    const history = [
      assigned('s', '2026-03-02T01:00:00Z', A),
      // Mon 17:30 UTC = Tue 01:30 in Shanghai
      h('s', '2026-03-02T17:30:00Z', 'APPROVED', A),
    ];
    const run = (from: string, to: string) =>
      reviewerFigures({
        from,
        to,
        now: new Date('2026-03-04T00:00:00Z'),
        targetDays: 3,
        cal: shanghai,
        history,
        open: [],
        staff: [{ id: A, name: 'Alice' }],
      })[0]!;
    expect(run('2026-03-02', '2026-03-02').decisions).toBe(0);
    const tue = run('2026-03-03', '2026-03-03');
    expect(tue.decisionsPerDay).toEqual([{ date: '2026-03-03', count: 1 }]);
    // Mon 09:00 -> Tue 01:30 local: 15 h + 1.5 h
    expect(tue.medianHandlingWorkingHours).toBe(16.5);
  });
});

describe('helpers', () => {
  it('median of odd and even lists, null when empty', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('age buckets: [0,1) [1,3) [3,5) [5,..) working days', () => {
    const d = WORKING_DAY_MS;
    expect([0, d - 1, d, 3 * d - 1, 3 * d, 5 * d - 1, 5 * d, 40 * d].map(ageBucket)).toEqual([
      '0-1d',
      '0-1d',
      '1-3d',
      '1-3d',
      '3-5d',
      '3-5d',
      '5d+',
      '5d+',
    ]);
  });

  it('dates between two local dates, both included, across a month end', () => {
    expect(datesBetween('2026-02-27', '2026-03-02')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
  });

  it('the range: default 30 days to today, from after to and over 92 days refused', () => {
    const now = new Date('2026-03-11T23:30:00Z');
    expect(figuresRange({}, now, 'Asia/Shanghai')).toEqual({ from: '2026-02-11', to: '2026-03-12' });
    expect(figuresRange({ from: '2026-01-01', to: '2026-04-02' }, now, 'UTC')).toEqual({
      from: '2026-01-01',
      to: '2026-04-02',
    });
    const code = (f: () => unknown) => {
      try {
        f();
        return null;
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(code(() => figuresRange({ from: '2026-01-01', to: '2026-04-03' }, now, 'UTC'))).toBe(
      'REQUEST.INVALID',
    );
    expect(code(() => figuresRange({ from: '2026-03-02', to: '2026-03-01' }, now, 'UTC'))).toBe(
      'REQUEST.INVALID',
    );
  });

  it('CSV rows: one per reviewer, per-day counts as date:count, empty cells for no handling time', () => {
    const rows = figuresCsvRows(figures());
    expect(rows.find((r) => r.reviewerId === L)).toMatchObject({
      name: 'Lena (lead)',
      decisions: 1,
      medianHandlingWorkingHours: '',
      withinTargetShare: '',
    });
    expect(rows.find((r) => r.reviewerId === A)).toMatchObject({
      medianHandlingWorkingHours: 30,
      withinTargetShare: 0.75,
      open0to1d: 1,
      open3to5d: 1,
      decisionsPerDay: expect.stringContaining('2026-03-06:2'),
    });
  });
});
