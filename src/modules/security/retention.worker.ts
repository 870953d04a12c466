// The daily 'retention.purge' job (maintenance queue): purges document blobs of cases closed more than
// RETENTION_DAYS ago. Safe to run again at any time.
import type { DirectHandler } from '../../platform/jobs.ts';
import { purgeExpiredDocuments } from './retention.service.ts';

export const retentionPurgeHandler: DirectHandler = async (_data, ctx) => {
  await purgeExpiredDocuments(ctx.deps);
};
