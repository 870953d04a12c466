// The appeal as the buyer (and staff) see it: status, slots with their state and checks, answer-by date,
// decision and refund. SPEC section 7 "The appeal view".
import { type BusinessCalendar, deadlineLocalDate } from '../../platform/calendar.ts';
import type { Deps } from '../../platform/deps.ts';
import { loadCalendar } from '../sla/sla.calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { money } from '../../platform/money.ts';
import { ALL_SLOTS, type IdType, requiredSlots, type Slot } from './appeals.rules.ts';

export async function loadAppealOr404(deps: Pick<Deps, 'prisma'>, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('APPEAL.NOT_FOUND', 'No such appeal.');
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
    const requested = appeal.status === 'MORE_INFO_REQUESTED' && appeal.requestedSlots.includes(slot);
    const state = requested ? 'REDO_REQUESTED' : active.length ? 'ACCEPTED' : 'EMPTY';
    const view = (d: (typeof docs)[number]) => ({
      id: d.id,
      page: d.page,
      mimeType: d.mimeType,
      width: d.width,
      height: d.height,
      checks: d.checks,
      flags: d.flags,
      override: d.override,
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

export async function getAppealView(deps: Pick<Deps, 'prisma' | 'config'>, id: string) {
  const a = await loadAppealOr404(deps, id);
  const cal = await loadCalendar(deps);
  const decision = a.decisions[0];
  const isDecided = a.status === 'APPROVED' || a.status === 'REJECTED';
  return {
    id: a.id,
    orderId: a.order.orderId,
    status: a.status,
    idType: a.idType,
    order: {
      orderId: a.order.orderId,
      amount: money(a.order.amountMinor, a.order.currency),
      card: { brand: a.order.cardBrand, last4: a.order.cardLast4 },
      errorCode: a.order.errorCode,
      blockedAt: a.order.blockedAt.toISOString(),
    },
    slots: slotStates(a),
    requestedSlots: a.requestedSlots,
    round: a.round,
    submittedAt: iso(a.submittedAt),
    answerBy: answerByDate(a.targetAt, cal),
    tokenExpiresAt: a.tokenExpiresAt.toISOString(),
    decision:
      decision && (isDecided || a.status === 'MORE_INFO_REQUESTED')
        ? {
            kind: decision.kind,
            reasonCodes: decision.reasonCodes,
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
        }
      : null,
  };
}
