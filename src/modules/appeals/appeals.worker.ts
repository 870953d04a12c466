// Job handlers of the appeals module.
import type { DirectHandler } from '../../platform/jobs.ts';
import { expireDueAppeals } from './appeals.lifecycle.ts';

/** The 'appeals.expire' maintenance job. */
export const expireAppealsHandler: DirectHandler = async (_data, { deps }) => {
  const n = await expireDueAppeals(deps);
  if (n > 0) deps.logger.info({ expired: n }, 'appeals expired');
};
