// Job handlers of the refunds module (workers/handlers.ts maps job names to them).
import type { DirectHandler } from '../../platform/jobs.ts';
import { pruneIdempotencyRecords, sendOverdueDigest } from './refunds.overdue.ts';

export const overdueDigestHandler: DirectHandler = async (_data, { deps }) => {
  const r = await sendOverdueDigest(deps);
  deps.logger.info(
    { asOf: r.asOf, overdue: r.overdue, emails: r.emails, skipped: r.skipped },
    'refund overdue digest',
  );
};

export const pruneIdempotencyHandler: DirectHandler = async (_data, { deps }) => {
  const n = await pruneIdempotencyRecords(deps);
  deps.logger.info({ deleted: n }, 'expired idempotency keys pruned');
};
