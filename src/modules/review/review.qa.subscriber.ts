// Quality sampling as a subscriber of appeal.decided (issue 19.4): a final decision (outcome APPROVED or
// REJECTED; not a request for more information) is drawn (review.qa.draw.ts) and, while the month's
// samples are below QA_MONTHLY_CAP, written as an OPEN qa_reviews row in the decision's transaction.
//
// The cap holds under concurrent decisions: the month's counter row is incremented by one conditional
// upsert (INSERT ... ON CONFLICT DO UPDATE ... WHERE count < cap). The row lock it takes is held until the
// decision's transaction ends, so a concurrent decision waits and then sees the committed count; a
// transaction that rolls back gives its increment back. Only drawn decisions touch the row.
import type { Tx } from '../../platform/db.ts';
import type { DomainEvent, Subscriber } from '../../platform/events.ts';
import { isDrawn, type QaConfig, qaMonth, qaSeed } from './review.qa.draw.ts';

/** Takes one place under the month's cap; false when the cap is reached. */
export async function takeMonthlySlot(tx: Tx, month: string, cap: number): Promise<boolean> {
  if (cap <= 0) return false;
  const rows = await tx.$queryRaw<{ count: number }[]>`
    INSERT INTO qa_monthly_counts (month, count) VALUES (${month}, 1)
    ON CONFLICT (month) DO UPDATE SET count = qa_monthly_counts.count + 1
    WHERE qa_monthly_counts.count < ${cap}
    RETURNING count`;
  return rows.length === 1;
}

export function qaSubscriber(config: QaConfig): Subscriber {
  const seed = qaSeed(config);
  return {
    name: 'qa',
    events: ['appeal.decided'],
    async handle(tx: Tx, event: DomainEvent) {
      const outcome = event.data.outcome;
      if (outcome !== 'APPROVED' && outcome !== 'REJECTED') return;
      const decisionId = event.data.decisionId;
      if (typeof decisionId !== 'string') return;
      if (!isDrawn(seed, decisionId, config.QA_SAMPLE_RATE)) return;
      const decision = await tx.decision.findUnique({
        where: { id: decisionId },
        select: { reviewerId: true, reasonCodes: true },
      });
      if (!decision) return;
      const month = qaMonth(event.occurredAt, config.BUSINESS_TIMEZONE);
      if (!(await takeMonthlySlot(tx, month, config.QA_MONTHLY_CAP))) return;
      await tx.qaReview.create({
        data: {
          appealId: event.appealId,
          decisionId,
          month,
          firstReviewerId: decision.reviewerId,
          firstOutcome: outcome,
          firstReasonCodes: decision.reasonCodes,
          createdAt: event.occurredAt,
        },
      });
    },
  };
}
