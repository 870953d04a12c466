// The quality-sampling draw (issue 19.4): a final decision is drawn for a blind second review when
// HMAC-SHA256(seed, decision id), read as a number in [0, 1), is below QA_SAMPLE_RATE. The draw is a pure
// function of the seed and the decision id: a test that picks the seed knows the outcome, and the same
// event dispatched again (the workers' sweep, another process) draws the same way.
//
// Without QA_SEED the seed is derived from APPEAL_TOKEN_SECRET (HMAC with a fixed label), not random per
// process: a random seed would give a retried dispatch in another process a different outcome, and the
// secret keeps reviewers from computing in advance which of their decisions will be sampled.
import { createHmac } from 'node:crypto';
import type { Config } from '../../config.ts';

export type QaConfig = Pick<
  Config,
  'QA_SAMPLE_RATE' | 'QA_MONTHLY_CAP' | 'QA_SEED' | 'APPEAL_TOKEN_SECRET' | 'BUSINESS_TIMEZONE'
>;

/** The draw's key: QA_SEED, or a key derived from APPEAL_TOKEN_SECRET. */
export function qaSeed(config: Pick<QaConfig, 'QA_SEED' | 'APPEAL_TOKEN_SECRET'>): string {
  return (
    config.QA_SEED ??
    createHmac('sha256', config.APPEAL_TOKEN_SECRET).update('appeal-desk/qa-sample-seed/v1').digest('hex')
  );
}

/** HMAC-SHA256(seed, decisionId), its first 48 bits as a number in [0, 1). */
export function drawScore(seed: string, decisionId: string): number {
  const mac = createHmac('sha256', seed).update(decisionId).digest();
  return mac.readUIntBE(0, 6) / 2 ** 48;
}

/** Is this decision drawn at `rate` (0 = never, 1 = always)? */
export function isDrawn(seed: string, decisionId: string, rate: number): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  return drawScore(seed, decisionId) < rate;
}

/** YYYY-MM of `at` in `timeZone`: the month a sample counts against the cap. */
export function qaMonth(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(at);
  const y = parts.find((p) => p.type === 'year')!.value;
  const m = parts.find((p) => p.type === 'month')!.value;
  return `${y}-${m}`;
}
