// Shortcuts for review/routing/SLA tests: staff accounts with sessions, and appeals put into SUBMITTED the
// way POST /api/v1/appeals/:id/submit does it (status, submittedAt, SLA start and deadlines from the
// business calendar and the pauses so far, the open pause closed, a 'case.route' outbox row), without
// depending on the document intake.
import { createHash, randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import { handlers } from '../../workers/handlers.ts';
import { nextWorkingStart, slaDeadlines } from '../../src/platform/calendar.ts';
import type { Deps } from '../../src/platform/deps.ts';
import { runJob } from '../../src/platform/jobs.ts';
import type { Mailer } from '../../src/platform/mailer.ts';
import { writeOutbox } from '../../src/platform/outbox.ts';
import { hashPassword } from '../../src/platform/password.ts';
import { recordHistory } from '../../src/modules/appeals/appeals.history.ts';
import { loadCalendar } from '../../src/modules/sla/sla.calendar.ts';
import { blockedOrder, RISK_KEY } from './factories.ts';
import type { client } from './http.ts';

type Call = ReturnType<typeof client>;
type Role = 'REVIEWER' | 'LEAD' | 'FINANCE' | 'ADMIN' | 'SECURITY';

let sharedHash: Promise<string> | null = null;
export const STAFF_PASSWORD = 'correct horse battery';

export interface TestStaff {
  id: string;
  email: string;
  name: string;
  token: string;
}

/** A staff user with a live session (token for `Authorization: Bearer`). */
export async function makeStaff(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  roles: Role[],
  over: { maxOpenCases?: number; name?: string; lastAssignedAt?: Date } = {},
): Promise<TestStaff> {
  sharedHash ??= hashPassword(STAFF_PASSWORD);
  const tag = randomBytes(4).toString('hex');
  const name = over.name ?? `${roles[0]!.toLowerCase()}-${tag}`;
  const u = await deps.prisma.staffUser.create({
    data: {
      email: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${tag}@staff.test`,
      name,
      passwordHash: await sharedHash,
      roles: { set: roles },
      ...(over.maxOpenCases === undefined ? {} : { maxOpenCases: over.maxOpenCases }),
      ...(over.lastAssignedAt ? { lastAssignedAt: over.lastAssignedAt } : {}),
    },
  });
  const token = `stf_${randomBytes(32).toString('base64url')}`;
  await deps.prisma.staffSession.create({
    data: {
      id: createHash('sha256').update(token).digest('hex'),
      userId: u.id,
      csrfToken: randomBytes(16).toString('hex'),
      // long-lived: tests move the clock by days
      expiresAt: new Date(deps.clock.now().getTime() + 3650 * 86_400_000),
    },
  });
  return { id: u.id, email: u.email, name, token };
}

/** Registers a blocked order through the API; returns the appeal id. */
export async function registerAppeal(call: Call, over: Record<string, unknown> = {}): Promise<string> {
  const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder(over) });
  if (r.status !== 201) throw new Error(`registration failed: ${r.status} ${r.text}`);
  return r.body.appealId as string;
}

const SLOTS_FOR_PASSPORT = ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'] as const;

/**
 * What submit does, directly in the database: first submission (from AWAITING_DOCUMENTS, with ACTIVE
 * documents for the PASSPORT slots) or resubmission (from MORE_INFO_REQUESTED: the requested slots get
 * new ACTIVE documents and the open pause ends).
 */
export async function markSubmitted(deps: Deps, appealId: string): Promise<void> {
  const cal = await loadCalendar(deps);
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    const a = await tx.appeal.findUniqueOrThrow({ where: { id: appealId }, include: { pauses: true } });
    if (a.status !== 'AWAITING_DOCUMENTS' && a.status !== 'MORE_INFO_REQUESTED')
      throw new Error(`cannot submit from ${a.status}`);
    const slots = a.status === 'AWAITING_DOCUMENTS' ? SLOTS_FOR_PASSPORT : a.requestedSlots;
    for (const slot of slots) {
      await tx.document.create({
        data: {
          appealId,
          slot,
          round: a.round,
          mimeType: 'image/jpeg',
          byteSize: 1000,
          contentHash: randomBytes(32).toString('hex'),
          checks: [],
        },
      });
    }
    await tx.slaPause.updateMany({ where: { appealId, endedAt: null }, data: { endedAt: now } });
    const pauses = a.pauses.map((p) => ({ start: p.startedAt, end: p.endedAt ?? now }));
    const slaStartAt = a.slaStartAt ?? nextWorkingStart(now, cal);
    const d = slaDeadlines(
      {
        startAt: slaStartAt,
        pauses,
        targetDays: deps.config.SLA_TARGET_DAYS,
        warnDays: deps.config.SLA_WARN_DAYS,
        breachDays: deps.config.SLA_BREACH_DAYS,
      },
      cal,
    );
    await tx.appeal.update({
      where: { id: appealId },
      data: {
        status: 'SUBMITTED',
        idType: a.idType ?? 'PASSPORT',
        submittedAt: now,
        firstSubmittedAt: a.firstSubmittedAt ?? now,
        slaStartAt,
        slaPausedAt: null,
        requestedSlots: { set: [] },
        lastBuyerActivityAt: now,
        targetAt: d.targetAt,
        warnAt: d.warnAt,
        breachAt: d.breachAt,
      },
    });
    await recordHistory(tx, {
      appealId,
      at: now,
      actor: { type: 'BUYER' },
      action: a.status === 'AWAITING_DOCUMENTS' ? 'SUBMITTED' : 'RESUBMITTED',
      from: a.status,
      to: 'SUBMITTED',
    });
    await writeOutbox(tx, 'case.route', { appealId });
  });
}

const noMailer = {
  send: async () => ({ messageId: 'x', response: '250' }),
  close: () => {},
} as unknown as Mailer;

/**
 * Runs every pending 'case.route' outbox row through the real handler (runJob: schema, row status, DONE),
 * in creation order, without Redis in between: deterministic for tests that are not about the queue.
 */
export async function processRouting(deps: Deps): Promise<number> {
  const map = handlers({ deps, mailer: noMailer });
  let n = 0;
  for (;;) {
    // routing, then the SLA wake-up calls its events asked for (what the relay and the workers do)
    const rows = await deps.prisma.outboxMessage.findMany({
      where: { topic: { in: ['case.route', 'sla.schedule'] }, status: { in: ['PENDING', 'PUBLISHED'] } },
      orderBy: { createdAt: 'asc' },
    });
    if (rows.length === 0) return n;
    for (const r of rows) {
      await runJob(map, { name: r.topic, data: { outboxId: r.id }, attemptsMade: 0 } as Job, deps);
      if (r.topic === 'case.route') n++;
    }
  }
}

/** A new appeal, submitted and routed; returns its id. */
export async function submittedCase(
  deps: Deps,
  call: Call,
  over: Record<string, unknown> = {},
): Promise<string> {
  const id = await registerAppeal(call, over);
  await markSubmitted(deps, id);
  await processRouting(deps);
  return id;
}

/** Templates of the e-mails queued so far (optionally for one appeal), in order. */
export async function emailsQueued(deps: Pick<Deps, 'prisma'>, appealId?: string) {
  const rows = await deps.prisma.outboxMessage.findMany({
    where: { topic: 'email.send' },
    orderBy: { createdAt: 'asc' },
  });
  return rows
    .map(
      (r) =>
        r.payload as {
          to: string;
          appealId?: string;
          message: { template: string } & Record<string, unknown>;
        },
    )
    .filter((p) => !appealId || p.appealId === appealId);
}
