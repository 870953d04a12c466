// The appeal as the buyer (and staff) see it: status, slots with their state and checks, answer-by date,
// decision and refund. SPEC section 7 "The appeal view".
import { DateTime } from 'luxon';
import { APPEAL_TOKEN_PREFIX } from '../../platform/crypto.ts';
import { appealByToken } from './appeals.token.ts';
import {
  type BusinessCalendar,
  deadlineLocalDate,
  localDate,
  nextWorkingStart,
  slaDeadlines,
} from '../../platform/calendar.ts';
import type { Tx } from '../../platform/db.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { money } from '../../platform/money.ts';
import { loadCalendar } from '../../platform/calendar.store.ts';
import { recordHistory } from './appeals.history.ts';
import {
  ALL_SLOTS,
  type AppealStatus,
  type IdType,
  nextStatus,
  requiredSlots,
  type Slot,
} from './appeals.rules.ts';
import { transitionAppeal } from './appeals.transition.ts';
import { listUnsorted } from './appeals.unsorted.ts';
import { appealViewPorts } from './appeals.view-ports.ts';
import { isUuid } from '../../platform/ids.ts';

export async function loadAppealOr404(deps: Pick<Deps, 'prisma'>, id: string) {
  if (!isUuid(id)) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
  const appeal = await deps.prisma.appeal.findUnique({
    where: { id },
    include: {
      order: true,
      documents: {
        where: { status: { in: ['ACTIVE', 'REDO_REQUESTED'] } },
        orderBy: [{ slot: 'asc' }, { page: 'asc' }],
      },
      decisions: { orderBy: { createdAt: 'desc' }, take: 1 },
      refund: true,
    },
  });
  if (!appeal) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
  return appeal;
}

type LoadedAppeal = Awaited<ReturnType<typeof loadAppealOr404>>;

export function slotStates(appeal: LoadedAppeal) {
  const required = new Set(requiredSlots(appeal.idType as IdType | null));
  return ALL_SLOTS.map((slot: Slot) => {
    const docs = appeal.documents.filter((d) => d.slot === slot);
    const active = docs.filter((d) => d.status === 'ACTIVE');
    // a requested slot is done once a document of the current round stands in it
    const requested =
      appeal.status === 'MORE_INFO_REQUESTED' &&
      appeal.requestedSlots.includes(slot) &&
      !active.some((d) => d.round === appeal.round);
    const state = requested ? 'REDO_REQUESTED' : active.length ? 'ACCEPTED' : 'EMPTY';
    const view = (d: (typeof docs)[number]) => ({
      id: d.id,
      page: d.page,
      mimeType: d.mimeType,
      width: d.width,
      height: d.height,
      /** pages of a PDF statement (null for images) */
      pageCount: d.pageCount,
      checks: d.checks,
      flags: d.flags,
      override: d.override,
      /** WEB, or EMAIL with its sender check (PASS, UNVERIFIED, RELEASED) for the reviewer */
      source: { channel: d.source, senderCheck: d.senderCheck, filename: d.filename },
      createdAt: d.createdAt.toISOString(),
    });
    return {
      slot,
      required: required.has(slot),
      state,
      document: active[0] ? view(active[0]) : null,
      ...(slot === 'BILLING_STATEMENT' ? { documents: active.map(view) } : {}),
    };
  });
}

function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

/** "You will get an answer by <date>": the working day on which the reply target falls. */
export function answerByDate(targetAt: Date | null, cal: BusinessCalendar): string | null {
  return targetAt ? deadlineLocalDate(targetAt, cal) : null;
}

/**
 * The appeal expires APPEAL_EXPIRY_DAYS local calendar days after the buyer's last action
 * (appeals.lifecycle.ts expiryCutoff); the buyer is told the day before, so a reply on that day is in time.
 */
export function respondByDate(lastActivity: Date, days: number, cal: BusinessCalendar): string {
  const expires = DateTime.fromJSDate(lastActivity, { zone: cal.timezone }).plus({ days });
  return localDate(expires.minus({ days: 1 }).toJSDate(), cal);
}

// `clock` is optional so callers typed before refunds existed still compile; without it `overdue` is null.
export async function getAppealView(
  deps: Pick<Deps, 'prisma' | 'config' | 'calendar'> & Partial<Pick<Deps, 'clock'>>,
  id: string,
) {
  const a = await loadAppealOr404(deps, id);
  const cal = await loadCalendar(deps);
  const decision = a.decisions[0];
  const isDecided = a.status === 'APPROVED' || a.status === 'REJECTED';
  // the buyer page shows the catalogue's texts for the reasons, in the order the reviewer gave them
  const reasonRows = decision?.reasonCodes.length
    ? await deps.prisma.reasonCode.findMany({ where: { code: { in: decision.reasonCodes } } })
    : [];
  const reasons = (decision?.reasonCodes ?? []).flatMap((code) => {
    const r = reasonRows.find((x) => x.code === code);
    return r ? [{ code, buyerText: { en: r.buyerTextEn, zh: r.buyerTextZh } }] : [];
  });
  return {
    id: a.id,
    orderId: a.order.orderId,
    status: a.status,
    idType: a.idType,
    /** the buyer's locale from the order (the page's language until the buyer picks one) */
    locale: a.order.buyerLocale,
    order: {
      orderId: a.order.orderId,
      amount: money(a.order.amountMinor, a.order.currency),
      card: { brand: a.order.cardBrand, last4: a.order.cardLast4 },
      errorCode: a.order.errorCode,
      blockedAt: a.order.blockedAt.toISOString(),
    },
    slots: slotStates(a),
    /** documents that came by e-mail and wait for the buyer to put them in a slot (src/modules/inbound) */
    unsorted: await listUnsorted(deps, a.id),
    requestedSlots: a.requestedSlots,
    round: a.round,
    submittedAt: iso(a.submittedAt),
    answerBy: answerByDate(a.targetAt, cal),
    /** while waiting for the buyer: the last local date to act before the appeal expires */
    respondBy:
      a.status === 'AWAITING_DOCUMENTS' || a.status === 'MORE_INFO_REQUESTED'
        ? respondByDate(a.lastBuyerActivityAt, deps.config.APPEAL_EXPIRY_DAYS, cal)
        : null,
    tokenExpiresAt: a.tokenExpiresAt.toISOString(),
    decision:
      decision && (isDecided || a.status === 'MORE_INFO_REQUESTED')
        ? {
            kind: decision.kind,
            reasonCodes: decision.reasonCodes,
            reasons,
            buyerMessage: decision.buyerMessage,
            slots: decision.slots,
            decidedAt: decision.createdAt.toISOString(),
          }
        : null,
    refund: a.refund
      ? {
          id: a.refund.id,
          status: a.refund.status,
          amount: money(a.refund.amountMinor, a.refund.currency),
          expectedFrom: a.refund.expectedFrom.toISOString(),
          dueBy: a.refund.dueBy.toISOString(),
          arn: a.refund.arn,
          settledAt: iso(a.refund.settledAt),
          /** not SETTLED by dueBy (SPEC section 5) */
          overdue: deps.clock ? appealViewPorts().refundOverdue(a.refund, deps.clock.now()) : null,
        }
      : null,
  };
}

// ---------------------------------------------------------------------------------------------------
// Buyer actions: the appeal link, the ID type, submission

/**
 * The appeal an appeal-link token opens. Looked up by the token's SHA-256 (and compared in constant
 * time); an unknown token is AUTH.INVALID, an expired one AUTH.TOKEN_EXPIRED.
 */
export async function resolveAppealLink(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  token: string,
): Promise<{ appealId: string; expiresAt: Date }> {
  if (!token.startsWith(APPEAL_TOKEN_PREFIX) || !/^[A-Za-z0-9_-]{10,200}$/.test(token))
    throw new AppError('AUTH.INVALID', 'This appeal link is not valid.');
  const appeal = await appealByToken(deps.prisma, token);
  if (!appeal) throw new AppError('AUTH.INVALID', 'This appeal link is not valid.');
  if (appeal.tokenExpiresAt <= deps.clock.now())
    throw new AppError('AUTH.TOKEN_EXPIRED', 'This appeal link has expired. Ask for a new link by e-mail.', {
      appealId: appeal.id,
    });
  return { appealId: appeal.id, expiresAt: appeal.tokenExpiresAt };
}

async function lockAppeal(tx: Tx, appealId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM appeals WHERE id = ${appealId}::uuid FOR UPDATE`;
}

/** The buyer picks the ID type while collecting documents; a passport makes ID_BACK optional. */
export async function setIdType(
  deps: Pick<Deps, 'prisma' | 'config' | 'clock' | 'calendar'>,
  appealId: string,
  idType: IdType,
) {
  await deps.prisma.$transaction(async (tx) => {
    await lockAppeal(tx, appealId);
    const a = await tx.appeal.findUnique({ where: { id: appealId }, select: { status: true, idType: true } });
    if (!a) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
    if (a.status !== 'AWAITING_DOCUMENTS')
      throw new AppError(
        'APPEAL.INVALID_TRANSITION',
        `The ID type can only be chosen before submitting (the appeal is ${a.status}).`,
        { status: a.status },
      );
    if (a.idType === idType) return;
    const now = deps.clock.now();
    await tx.appeal.update({ where: { id: appealId }, data: { idType, lastBuyerActivityAt: now } });
    await recordHistory(tx, {
      appealId,
      at: now,
      actor: { type: 'BUYER' },
      action: 'ID_TYPE_SET',
      data: { from: a.idType, to: idType },
    });
  });
  return getAppealView(deps, appealId);
}

/** What submission still needs: required slots without a document, and requested slots not redone. */
export function missingSlots(a: {
  status: AppealStatus;
  idType: IdType | null;
  round: number;
  requestedSlots: readonly Slot[];
  documents: readonly { slot: Slot; round: number }[];
}): Slot[] {
  const missing = requiredSlots(a.idType).filter((s) => !a.documents.some((d) => d.slot === s));
  if (a.status === 'MORE_INFO_REQUESTED') {
    for (const s of a.requestedSlots) {
      if (!missing.includes(s) && !a.documents.some((d) => d.slot === s && d.round === a.round))
        missing.push(s);
    }
  }
  return ALL_SLOTS.filter((s) => missing.includes(s));
}

/**
 * Submits (AWAITING_DOCUMENTS) or resubmits (MORE_INFO_REQUESTED) the appeal. One transaction: status,
 * SLA clock (started at the first submission, resumed on a resubmission by closing the open pause),
 * deadlines, history, the routing job and the SUBMITTED e-mail with the answer-by date.
 */
export async function submitAppeal(
  deps: Pick<Deps, 'prisma' | 'config' | 'clock' | 'calendar'>,
  appealId: string,
) {
  const cal = await loadCalendar(deps);
  await deps.prisma.$transaction(
    async (tx) => {
      await lockAppeal(tx, appealId);
      const a = await tx.appeal.findUnique({
        where: { id: appealId },
        include: {
          order: true,
          documents: { where: { status: 'ACTIVE' }, select: { slot: true, round: true } },
        },
      });
      if (!a) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
      const event = a.status === 'MORE_INFO_REQUESTED' ? 'RESUBMIT' : 'SUBMIT';
      const to = nextStatus(a.status, event);
      if (!to)
        throw new AppError(
          'APPEAL.INVALID_TRANSITION',
          `The appeal cannot be submitted while it is ${a.status}.`,
          {
            status: a.status,
          },
        );
      if (!a.idType)
        throw new AppError('APPEAL.ID_TYPE_REQUIRED', 'Choose the type of ID document first.', {
          missing: ['ID_TYPE'],
        });
      const missing = missingSlots({
        status: a.status,
        idType: a.idType,
        round: a.round,
        requestedSlots: a.requestedSlots as Slot[],
        documents: a.documents as { slot: Slot; round: number }[],
      });
      if (missing.length)
        throw new AppError(
          'APPEAL.MISSING_SLOTS',
          `Some documents are still missing: ${missing.join(', ')}.`,
          {
            missing,
          },
        );

      const now = deps.clock.now();
      if (event === 'RESUBMIT') {
        await tx.slaPause.updateMany({ where: { appealId, endedAt: null }, data: { endedAt: now } });
      }
      const slaStartAt = a.slaStartAt ?? nextWorkingStart(now, cal);
      const pauses = await tx.slaPause.findMany({ where: { appealId }, orderBy: { startedAt: 'asc' } });
      const deadlines = slaDeadlines(
        {
          startAt: slaStartAt,
          pauses: pauses.map((p) => ({ start: p.startedAt, end: p.endedAt })),
          targetDays: deps.config.SLA_TARGET_DAYS,
          warnDays: deps.config.SLA_WARN_DAYS,
          breachDays: deps.config.SLA_BREACH_DAYS,
        },
        cal,
      );
      await transitionAppeal(
        tx,
        appealId,
        event,
        { type: 'BUYER' },
        {
          now,
          action: event === 'SUBMIT' ? 'SUBMITTED' : 'RESUBMITTED',
          patch: {
            submittedAt: now,
            firstSubmittedAt: a.firstSubmittedAt ?? now,
            slaStartAt,
            slaPausedAt: null,
            targetAt: deadlines.targetAt,
            warnAt: deadlines.warnAt,
            breachAt: deadlines.breachAt,
            lastBuyerActivityAt: now,
          },
          historyData: { round: a.round },
          eventData: { round: a.round },
        },
      );
      // routing ('case.route') and the SUBMITTED e-mail (when the SLA has a target) are the review and
      // notifications subscribers' reactions to appeal.submitted / appeal.resubmitted
    },
    { maxWait: 10_000, timeout: 20_000 },
  );
  return getAppealView(deps, appealId);
}
