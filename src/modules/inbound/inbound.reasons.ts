// What to fix, per refused or skipped attachment, in the buyer's language and in the same plain words
// as the page: the failed checks through checkMessage (CHECKS_ZH), other refusals through errorMessage
// (ERRORS_ZH), exactly as the API answers a web upload. The English text is the checker's own.
import { type CheckLike, checkMessage, errorMessage, type Lang, langOf } from '../../platform/messages.ts';

/** The failed checks of a refused attachment, as kept on the mail row (no bytes, no digits beyond last 4). */
export type StoredCheck = Pick<CheckLike, 'rule' | 'passed' | 'measured' | 'threshold' | 'message'>;

export function failedChecksOf(details: unknown): StoredCheck[] | undefined {
  const checks = (details as { checks?: unknown } | null)?.checks;
  if (!Array.isArray(checks)) return undefined;
  return (checks as CheckLike[])
    .filter((c) => c && typeof c.rule === 'string' && c.passed === false)
    .map((c) => ({
      rule: c.rule,
      passed: false,
      measured: c.measured ?? null,
      threshold: c.threshold ?? null,
      message: c.message ?? '',
    }));
}

const SKIP: Record<Lang, Record<string, string>> = {
  en: {
    TOO_MANY:
      'Too many files in one e-mail: send the rest in another e-mail or upload them on your appeal page.',
    TOTAL_TOO_LARGE: 'The files of this e-mail are too large together: send this one in another e-mail.',
  },
  zh: {
    TOO_MANY: '一封邮件中的文件太多：请用另一封邮件发送其余文件，或在申诉页面上传。',
    TOTAL_TOO_LARGE: '这封邮件的文件加起来太大：请用另一封邮件单独发送此文件。',
  },
};

// refusals whose page text is the error's own (the card-data guard), not a list of rule verdicts
const BY_CODE = new Set(['DOCUMENT.CARD_NUMBER_VISIBLE', 'DOCUMENT.CVV_VISIBLE', 'SERVICE.BUSY']);

export function reasonIn(
  locale: string,
  o: { outcome: string; reason: string | null; code?: string; checks?: StoredCheck[] },
): string | null {
  const lang: Lang = langOf(locale) ?? 'en';
  if (o.outcome === 'SKIPPED') return SKIP[lang][o.reason ?? ''] ?? o.reason;
  if (o.outcome !== 'REFUSED') return o.reason;
  if (o.checks?.length && !(o.code && BY_CODE.has(o.code)))
    return o.checks.map((c) => checkMessage(lang, c)).join(' ');
  if (o.code) return errorMessage(lang, o.code, {}, o.reason ?? '');
  return o.reason;
}
