// SLA timers. Deadlines (targetAt, warnAt, breachAt) live on the appeal row; BullMQ delayed jobs are only
// the wake-up call. Each job carries the deadline it was set for and has a deterministic id, so a changed
// deadline adds a new job and the old one finds a different deadline in the database and does nothing.
// The sweep recomputes from the database every minute: it fires whatever is due and was missed and re-adds
// the delayed jobs of pending deadlines, so a lost queue (FLUSHALL, a Redis restart without AOF) loses no
// timer. Firing inserts a sla_events row whose unique (appeal, kind) key makes each timer happen once.
import type { Deps } from '../../platform/deps.ts';
import { queueEmail } from '../../platform/email-outbox.ts';
import { markEscalated } from '../appeals/appeals.flags.ts';

export const SLA_KINDS = ['REMINDER', 'WARNING', 'BREACH'] as const;
export type SlaKind = (typeof SLA_KINDS)[number];

const FIELD = { REMINDER: 'targetAt', WARNING: 'warnAt', BREACH: 'breachAt' } as const;
const ACTION = { REMINDER: 'SLA_REMINDER', WARNING: 'SLA_WARNING', BREACH: 'SLA_BREACH' } as const;
const CLOCK_STATUSES = ['SUBMITTED', 'IN_REVIEW'] as const;

export interface SlaFireJob {
  appealId: string;
  kind: SlaKind;
  /** ISO instant of the deadline the timer was set for */
  deadlineAt: string;
}

/**
 * BullMQ refuses custom ids with ':' (other than its own 3-part repeat ids), so the parts are joined
 * with '-': sla-<appealId>-<kind>-<deadline epoch ms>.
 */
export function slaJobId(appealId: string, kind: SlaKind, deadline: Date): string {
  return `sla-${appealId}-${kind}-${deadline.getTime()}`;
}

type SlaDeps = Pick<Deps, 'prisma' | 'clock' | 'queues' | 'config' | 'logger'>;

interface PendingDeadline {
  appealId: string;
  kind: SlaKind;
  deadline: Date;
}

async function addTimers(deps: SlaDeps, pending: PendingDeadline[]): Promise<number> {
  if (pending.length === 0) return 0;
  const now = deps.clock.now().getTime();
  await deps.queues.sla.addBulk(
    pending.map((p) => ({
      name: 'sla.fire',
      data: { appealId: p.appealId, kind: p.kind, deadlineAt: p.deadline.toISOString() } satisfies SlaFireJob,
      opts: {
        jobId: slaJobId(p.appealId, p.kind, p.deadline),
        delay: Math.max(0, p.deadline.getTime() - now),
      },
    })),
  );
  return pending.length;
}

/** Deadlines of running clocks without a fired event; `appealId` narrows to one appeal. */
async function unfiredDeadlines(deps: Pick<Deps, 'prisma'>, appealId?: string): Promise<PendingDeadline[]> {
  const rows = await deps.prisma.$queryRaw<{ appealId: string; kind: SlaKind; deadline: Date }[]>`
    SELECT a.id::text AS "appealId", k.kind, k.deadline
    FROM appeals a
    CROSS JOIN LATERAL (VALUES ('REMINDER', a.target_at), ('WARNING', a.warn_at), ('BREACH', a.breach_at))
      AS k(kind, deadline)
    WHERE a.status IN ('SUBMITTED', 'IN_REVIEW')
      AND k.deadline IS NOT NULL
      AND (${appealId ?? null}::uuid IS NULL OR a.id = ${appealId ?? null}::uuid)
      AND NOT EXISTS (SELECT 1 FROM sla_events e WHERE e.appeal_id = a.id AND e.kind::text = k.kind)
    ORDER BY k.deadline, a.id`;
  return rows.map((r) => ({ ...r, deadline: new Date(r.deadline) }));
}

/** (Re)adds the delayed jobs of one appeal's pending deadlines. Safe to call any number of times. */
export async function scheduleSlaTimers(deps: SlaDeps, appealId: string): Promise<number> {
  return addTimers(deps, await unfiredDeadlines(deps, appealId));
}

export type FireOutcome = 'fired' | 'duplicate' | 'stale' | 'early';

interface FireRow {
  id: string;
  status: string;
  targetAt: Date | string | null;
  warnAt: Date | string | null;
  breachAt: Date | string | null;
  orderId: string;
  assigneeId: string | null;
  assigneeName: string | null;
  assigneeEmail: string | null;
  leads: { id: string; email: string; name: string }[];
}

/**
 * Fires one timer if it is still current: the case's clock runs (SUBMITTED or IN_REVIEW), the deadline in
 * the database is the one the timer was set for, and it has passed. The event row, the history entry, the
 * escalation flag and the e-mails are written in one transaction; a second fire finds the event row and
 * does nothing.
 */
export async function fireSlaTimer(
  deps: SlaDeps,
  job: SlaFireJob,
  firedBy: 'timer' | 'sweep',
): Promise<FireOutcome> {
  const now = deps.clock.now();
  const deadline = new Date(job.deadlineAt);
  return deps.prisma.$transaction(
    async (tx) => {
      // one statement locks the case and reads what the e-mails need (order, assignee, active leads)
      const [a] = await tx.$queryRaw<FireRow[]>`
        SELECT a.id::text, a.status::text, a.target_at AS "targetAt", a.warn_at AS "warnAt",
               a.breach_at AS "breachAt", o.order_id AS "orderId",
               a.assignee_id::text AS "assigneeId", s.name AS "assigneeName", s.email AS "assigneeEmail",
               (SELECT coalesce(json_agg(json_build_object('id', l.id::text, 'email', l.email, 'name', l.name)
                                         ORDER BY l.email), '[]'::json)
                FROM staff_users l WHERE 'LEAD' = ANY(l.roles) AND l.active) AS leads
        FROM appeals a
        JOIN blocked_orders o ON o.id = a.order_id
        LEFT JOIN staff_users s ON s.id = a.assignee_id
        WHERE a.id = ${job.appealId}::uuid
        FOR UPDATE OF a`;
      if (!a) return 'stale';
      if (!(CLOCK_STATUSES as readonly string[]).includes(a.status)) return 'stale';
      const at = (d: Date | string | null) => (d === null ? null : new Date(d));
      const current = at(a[FIELD[job.kind]]);
      if (!current || current.getTime() !== deadline.getTime()) return 'stale';
      if (deadline.getTime() > now.getTime()) return 'early';
      // the event row (its unique (appeal, kind) key makes a second fire a no-op), the history entry and,
      // for a breach, the escalation flag (appeals.flags.ts): the last two only if the event was new
      const history = JSON.stringify({ deadlineAt: deadline.toISOString(), assigneeId: a.assigneeId });
      const [ins] = await tx.$queryRaw<{ n: number }[]>`
        WITH ev AS (
          INSERT INTO sla_events (id, appeal_id, kind, deadline_at, fired_at, fired_by)
          VALUES (gen_random_uuid(), ${a.id}::uuid, ${job.kind}::"SlaEventKind", ${deadline}, ${now}, ${firedBy})
          ON CONFLICT DO NOTHING
          RETURNING appeal_id
        ), h AS (
          INSERT INTO case_history (appeal_id, at, actor_type, actor_id, action, data)
          SELECT appeal_id, ${now}, 'SYSTEM', ${`sla-${firedBy}`}, ${ACTION[job.kind]}, ${history}::jsonb FROM ev
        )
        SELECT count(*)::int AS n FROM ev`;
      if (!ins || ins.n === 0) return 'duplicate';
      if (job.kind === 'BREACH') await markEscalated(tx, a.id);

      const leads = a.leads;
      const assignee = a.assigneeId
        ? { id: a.assigneeId, name: a.assigneeName!, email: a.assigneeEmail! }
        : null;
      const consoleUrl = `${deps.config.PUBLIC_BASE_URL}/console/cases/${a.id}`;
      const base = { caseId: a.id, orderId: a.orderId, consoleUrl };
      const assigneeName = assignee?.name ?? null;
      if (job.kind === 'REMINDER') {
        // the reminder goes to the assignee; a case still in the pool reminds the leads instead
        const to = assignee ? [assignee] : leads;
        for (const s of to) {
          await queueEmail(tx, {
            to: s.email,
            locale: 'en',
            appealId: a.id,
            message: {
              template: 'REVIEWER_REMINDER',
              staffName: s.name,
              ...base,
              targetAt: deadline.toISOString(),
            },
          });
        }
      } else if (job.kind === 'WARNING') {
        for (const s of leads) {
          await queueEmail(tx, {
            to: s.email,
            locale: 'en',
            appealId: a.id,
            message: {
              template: 'LEAD_WARNING',
              staffName: s.name,
              ...base,
              assigneeName,
              breachAt: (at(a.breachAt) ?? deadline).toISOString(),
            },
          });
        }
      } else {
        const to = [...leads];
        if (assignee && !to.some((l) => l.id === assignee.id)) to.push(assignee);
        for (const s of to) {
          await queueEmail(tx, {
            to: s.email,
            locale: 'en',
            appealId: a.id,
            message: {
              template: 'LEAD_ESCALATION',
              staffName: s.name,
              ...base,
              assigneeName,
              breachedAt: deadline.toISOString(),
            },
          });
        }
      }
      return 'fired';
    },
    { timeout: 15_000 },
  );
}

export interface SweepResult {
  fired: number;
  rescheduled: number;
}

/**
 * Fires every deadline that has passed without its event, and re-adds the delayed job of every pending
 * one (an existing job id is left alone by BullMQ, so this is cheap when nothing was lost).
 */
export async function sweepSla(deps: SlaDeps): Promise<SweepResult> {
  const now = deps.clock.now().getTime();
  const all = await unfiredDeadlines(deps);
  let fired = 0;
  for (const d of all.filter((p) => p.deadline.getTime() <= now)) {
    const out = await fireSlaTimer(
      deps,
      { appealId: d.appealId, kind: d.kind, deadlineAt: d.deadline.toISOString() },
      'sweep',
    );
    if (out === 'fired') fired++;
  }
  const rescheduled = await addTimers(
    deps,
    all.filter((p) => p.deadline.getTime() > now),
  );
  return { fired, rescheduled };
}
