// Per-reviewer figures for leads (issue 19 point 5), computed from the case history by pure functions:
// the caller loads the history rows, the open cases and the staff names (review.figures.query.ts) and
// passes the business calendar and the clock's now. Definitions (README "Reviewer figures"):
// - a decision is a final decision on a case: APPROVED or REJECTED, or an approval proposed for a second
//   approval (APPROVAL_AWAITING_SECOND), credited to its actor at that instant; the APPROVED that follows
//   a SECOND_APPROVAL is the confirmation of the first approver's decision and is not counted again. A
//   request for more information is not a decision here: it starts a pause.
// - handling time runs from the start of the decider's assignment (the first ASSIGNED to them since the
//   case was last with someone else or in the pool) to the decision, in working time of the business
//   calendar, minus the pauses (from MORE_INFO_REQUESTED until the status leaves it). A decision by
//   someone the case was not assigned to (a lead taking over) has no handling time.
// - an overturn of reviewer X: X proposed an approval for a second approval and another person then
//   rejected the case or asked for more information instead.
// - open cases: IN_REVIEW and assigned now, aged in working days since the assignment, pauses excluded.
import { DateTime } from 'luxon';
import {
  type BusinessCalendar,
  localDate,
  type PauseInterval,
  WORKING_DAY_MS,
  workingMsBetween,
} from '../../platform/calendar.ts';

export interface FigureHistoryRow {
  appealId: string;
  at: Date;
  actorId: string | null;
  action: string;
  fromStatus: string | null;
  toStatus: string | null;
  data: unknown;
}

export interface OpenCaseRow {
  appealId: string;
  assigneeId: string;
  assignedAt: Date | null;
}

export const AGE_BUCKETS = ['0-1d', '1-3d', '3-5d', '5d+'] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number];

export interface ReviewerFigures {
  reviewerId: string;
  name: string;
  decisions: number;
  decisionsPerDay: { date: string; count: number }[];
  medianHandlingWorkingHours: number | null;
  withinTargetShare: number | null;
  overturns: number;
  openByAge: Record<AgeBucket, number>;
}

export interface FiguresInput {
  /** local dates 'YYYY-MM-DD' in the calendar's zone, both included */
  from: string;
  to: string;
  now: Date;
  targetDays: number;
  cal: BusinessCalendar;
  /** ordered by appeal, then by the history's id (the order of writing) */
  history: readonly FigureHistoryRow[];
  open: readonly OpenCaseRow[];
  staff: readonly { id: string; name: string }[];
}

export interface DecisionFact {
  appealId: string;
  by: string;
  at: Date;
  /** working ms from the start of the decider's assignment, pauses excluded; null if not assigned */
  handlingMs: number | null;
}

export interface AppealFacts {
  decisions: DecisionFact[];
  overturns: { of: string; by: string; at: Date }[];
  /** the current assignee of the walk and when their assignment started */
  assignee: string | null;
  assignedSince: Date | null;
  pauses: PauseInterval[];
}

const UNASSIGNING = new Set(['UNASSIGNED', 'ROUTED_TO_POOL', 'ESCALATED_TO_LEAD']);

function reviewerIdOf(data: unknown): string | null {
  if (data && typeof data === 'object' && 'reviewerId' in data) {
    const v = (data as { reviewerId: unknown }).reviewerId;
    return typeof v === 'string' ? v : null;
  }
  return null;
}

/** Walks one appeal's history in order: its decisions, overturns, pauses and current assignment. */
export function appealFacts(rows: readonly FigureHistoryRow[], cal: BusinessCalendar): AppealFacts {
  const out: AppealFacts = { decisions: [], overturns: [], assignee: null, assignedSince: null, pauses: [] };
  let pauseStart: Date | null = null;
  let pendingBy: string | null = null;
  let confirming = false;
  const decide = (by: string | null, at: Date) => {
    if (!by) return;
    const handlingMs =
      out.assignee === by && out.assignedSince
        ? workingMsBetween(out.assignedSince, at, cal, out.pauses)
        : null;
    out.decisions.push({ appealId: '', by, at, handlingMs });
  };
  const overrule = (by: string | null, at: Date) => {
    if (pendingBy && by && pendingBy !== by) out.overturns.push({ of: pendingBy, by, at });
    pendingBy = null;
  };
  for (const r of rows) {
    if (r.toStatus === 'MORE_INFO_REQUESTED' && r.fromStatus !== 'MORE_INFO_REQUESTED') pauseStart = r.at;
    if (r.fromStatus === 'MORE_INFO_REQUESTED' && r.toStatus !== 'MORE_INFO_REQUESTED' && pauseStart) {
      out.pauses.push({ start: pauseStart, end: r.at });
      pauseStart = null;
    }
    if (r.action === 'ASSIGNED') {
      const to = reviewerIdOf(r.data);
      if (to !== out.assignee || !out.assignedSince) out.assignedSince = to ? r.at : null;
      out.assignee = to;
    } else if (UNASSIGNING.has(r.action)) {
      out.assignee = null;
      out.assignedSince = null;
    } else if (r.action === 'APPROVAL_AWAITING_SECOND') {
      decide(r.actorId, r.at);
      pendingBy = r.actorId;
    } else if (r.action === 'SECOND_APPROVAL') {
      pendingBy = null;
      confirming = true;
    } else if (r.action === 'APPROVED') {
      if (!confirming) decide(r.actorId, r.at);
      confirming = false;
    } else if (r.action === 'REJECTED') {
      overrule(r.actorId, r.at);
      decide(r.actorId, r.at);
    } else if (r.action === 'MORE_INFO_REQUESTED') {
      overrule(r.actorId, r.at);
    }
  }
  if (pauseStart) out.pauses.push({ start: pauseStart, end: null });
  const appealId = rows[0]?.appealId ?? '';
  for (const d of out.decisions) d.appealId = appealId;
  return out;
}

/** The median of a list of numbers, null when empty. */
export function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The age bucket of a working time: [0,1), [1,3), [3,5), [5,...) working days. */
export function ageBucket(workingMs: number): AgeBucket {
  const d = workingMs / WORKING_DAY_MS;
  if (d < 1) return '0-1d';
  if (d < 3) return '1-3d';
  if (d < 5) return '3-5d';
  return '5d+';
}

/** Every local date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let d = DateTime.fromISO(from, { zone: 'UTC' });
  const end = DateTime.fromISO(to, { zone: 'UTC' });
  while (d <= end) {
    out.push(d.toISODate()!);
    d = d.plus({ days: 1 });
  }
  return out;
}

function groupByAppeal(rows: readonly FigureHistoryRow[]): FigureHistoryRow[][] {
  const groups = new Map<string, FigureHistoryRow[]>();
  for (const r of rows) {
    const g = groups.get(r.appealId);
    if (g) g.push(r);
    else groups.set(r.appealId, [r]);
  }
  return [...groups.values()];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The figures per reviewer: staff first (in the given order), then anyone else who decided. */
export function reviewerFigures(input: FiguresInput): ReviewerFigures[] {
  const { cal } = input;
  const days = datesBetween(input.from, input.to);
  const inRange = (at: Date) => {
    const d = localDate(at, cal);
    return d >= input.from && d <= input.to;
  };
  const names = new Map(input.staff.map((s) => [s.id, s.name]));
  const rows = new Map<string, { perDay: Map<string, number>; handling: number[]; overturns: number }>();
  const openBy = new Map<string, Record<AgeBucket, number>>();
  const row = (id: string) => {
    let r = rows.get(id);
    if (!r) {
      r = { perDay: new Map(), handling: [], overturns: 0 };
      rows.set(id, r);
    }
    return r;
  };
  for (const s of input.staff) row(s.id);
  const facts = new Map<string, AppealFacts>();
  for (const g of groupByAppeal(input.history)) {
    const f = appealFacts(g, cal);
    facts.set(g[0]!.appealId, f);
    for (const d of f.decisions) {
      if (!inRange(d.at)) continue;
      const r = row(d.by);
      const day = localDate(d.at, cal);
      r.perDay.set(day, (r.perDay.get(day) ?? 0) + 1);
      if (d.handlingMs !== null) r.handling.push(d.handlingMs);
    }
    for (const o of f.overturns) if (inRange(o.at)) row(o.of).overturns++;
  }
  for (const c of input.open) {
    const f = facts.get(c.appealId);
    const since = f && f.assignee === c.assigneeId && f.assignedSince ? f.assignedSince : c.assignedAt;
    if (!since) continue;
    row(c.assigneeId);
    const ms = workingMsBetween(since, input.now, cal, f?.pauses ?? []);
    const b = openBy.get(c.assigneeId) ?? { '0-1d': 0, '1-3d': 0, '3-5d': 0, '5d+': 0 };
    b[ageBucket(ms)]++;
    openBy.set(c.assigneeId, b);
  }
  const targetMs = input.targetDays * WORKING_DAY_MS;
  return [...rows.entries()].map(([id, r]) => {
    const med = median(r.handling);
    const decisions = [...r.perDay.values()].reduce((a, b) => a + b, 0);
    return {
      reviewerId: id,
      name: names.get(id) ?? id,
      decisions,
      decisionsPerDay: days.map((date) => ({ date, count: r.perDay.get(date) ?? 0 })),
      medianHandlingWorkingHours: med === null ? null : round2(med / 3_600_000),
      withinTargetShare: r.handling.length
        ? round2(r.handling.filter((ms) => ms <= targetMs).length / r.handling.length)
        : null,
      overturns: r.overturns,
      openByAge: openBy.get(id) ?? { '0-1d': 0, '1-3d': 0, '3-5d': 0, '5d+': 0 },
    };
  });
}

/** The CSV rows of the figures: one line per reviewer (per-day counts joined as date:count). */
export const FIGURES_CSV_COLUMNS = [
  'reviewerId',
  'name',
  'decisions',
  'medianHandlingWorkingHours',
  'withinTargetShare',
  'overturns',
  'open0to1d',
  'open1to3d',
  'open3to5d',
  'open5dPlus',
  'decisionsPerDay',
] as const;

export function figuresCsvRows(figs: readonly ReviewerFigures[]): Record<string, string | number>[] {
  return figs.map((f) => ({
    reviewerId: f.reviewerId,
    name: f.name,
    decisions: f.decisions,
    medianHandlingWorkingHours: f.medianHandlingWorkingHours ?? '',
    withinTargetShare: f.withinTargetShare ?? '',
    overturns: f.overturns,
    open0to1d: f.openByAge['0-1d'],
    open1to3d: f.openByAge['1-3d'],
    open3to5d: f.openByAge['3-5d'],
    open5dPlus: f.openByAge['5d+'],
    decisionsPerDay: f.decisionsPerDay.map((d) => `${d.date}:${d.count}`).join(' '),
  }));
}

/** The instants that bound the local dates [from, to] in the calendar's zone: [start of from, end of to). */
export function rangeInstants(from: string, to: string, cal: BusinessCalendar): { start: Date; end: Date } {
  const start = DateTime.fromISO(from, { zone: cal.timezone }).startOf('day');
  const end = DateTime.fromISO(to, { zone: cal.timezone }).startOf('day').plus({ days: 1 });
  return { start: start.toJSDate(), end: end.toJSDate() };
}
