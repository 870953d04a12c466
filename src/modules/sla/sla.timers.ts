// SLA timers. Deadlines (targetAt, warnAt, breachAt) live on the appeal row; BullMQ delayed jobs are only
// the wake-up call. Each job carries the deadline it was set for and has a deterministic id, so a changed
// deadline adds a new job and the old one finds a different deadline in the database and does nothing.
// The sweep recomputes from the database every minute: it fires whatever is due and was missed and re-adds
// the delayed jobs of pending deadlines, so a lost queue (FLUSHALL, a Redis restart without AOF) loses no
// timer. Firing inserts a sla_events row whose unique (appeal, kind) key makes each timer happen once.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Deps } from '../../platform/deps.ts';
import { recordHistory } from '../appeals/appeals.history.ts';
import { queueEmail } from '../notifications/notifications.outbox.ts';

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
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT id::text FROM appeals WHERE id = ${job.appealId}::uuid FOR UPDATE`;
      if (locked.length === 0) return 'stale';
      const a = await tx.appeal.findUniqueOrThrow({
        where: { id: job.appealId },
        include: { order: true, assignee: true },
      });
      if (!(CLOCK_STATUSES as readonly string[]).includes(a.status)) return 'stale';
      const current = a[FIELD[job.kind]];
      if (!current || current.getTime() !== deadline.getTime()) return 'stale';
      if (deadline.getTime() > now.getTime()) return 'early';
      const inserted = await tx.slaEvent.createMany({
        data: [{ appealId: a.id, kind: job.kind, deadlineAt: deadline, firedAt: now, firedBy }],
        skipDuplicates: true,
      });
      if (inserted.count === 0) return 'duplicate';

      await recordHistory(tx, {
        appealId: a.id,
        at: now,
        actor: { type: 'SYSTEM', id: `sla-${firedBy}` },
        action: ACTION[job.kind],
        data: { deadlineAt: deadline.toISOString(), assigneeId: a.assigneeId } as Prisma.InputJsonValue,
      });
      if (job.kind === 'BREACH') await tx.appeal.update({ where: { id: a.id }, data: { escalated: true } });

      const leads = await tx.$queryRaw<{ id: string; email: string; name: string }[]>`
        SELECT id::text, email, name FROM staff_users WHERE 'LEAD' = ANY(roles) AND active ORDER BY email`;
      const consoleUrl = `${deps.config.PUBLIC_BASE_URL}/console/cases/${a.id}`;
      const base = { caseId: a.id, orderId: a.order.orderId, consoleUrl };
      const assigneeName = a.assignee?.name ?? null;
      if (job.kind === 'REMINDER') {
        // the reminder goes to the assignee; a case still in the pool reminds the leads instead
        const to = a.assignee ? [a.assignee] : leads;
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
              breachAt: (a.breachAt ?? deadline).toISOString(),
            },
          });
        }
      } else {
        const to = [...leads];
        if (a.assignee && !to.some((l) => l.id === a.assignee!.id)) to.push(a.assignee);
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
