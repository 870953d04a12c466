// The catalogue of buyer-facing server texts (src/platform/messages.ts) is complete: every error code the
// server can answer and every rule the checker can produce has Chinese text, so a new code or rule from
// any module fails here until its translation is added. The rules are read from the checker's sources
// (every `rule: '<name>'` literal under src/modules/documents/), the codes from ERROR_STATUS.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/platform/errors.ts';
import {
  CHECKS_ZH,
  checkMessage,
  durationWords,
  ERRORS_ZH,
  errorMessage,
  langFromAcceptLanguage,
  PAGE_TEXTS,
  pickLang,
} from '../../src/platform/messages.ts';

const CJK = /[\u4e00-\u9fff]/;
const DOCS = path.resolve('src/modules/documents');

function checkerRules(): string[] {
  const rules = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts'))
        for (const m of readFileSync(p, 'utf8').matchAll(/\brule:\s*'([a-z0-9_-]+)'/g)) rules.add(m[1]!);
    }
  };
  walk(DOCS);
  return [...rules].sort();
}

describe('catalogue coverage', () => {
  it('every error code has a Chinese message', () => {
    const missing = Object.keys(ERROR_STATUS).filter((c) => !(c in ERRORS_ZH));
    expect(missing).toEqual([]);
    for (const code of Object.keys(ERROR_STATUS))
      expect(errorMessage('zh', code, { retryAfterSeconds: 60, missing: ['ID_BACK'] }, 'EN'), code).toMatch(
        CJK,
      );
  });

  it('every rule the checker can produce has a Chinese formatter (passed and failed)', () => {
    const rules = checkerRules();
    // the scan finds the rules (it would pass vacuously on a wrong folder)
    expect(rules).toEqual(expect.arrayContaining(['size', 'format', 'resolution', 'sharpness', 'last4']));
    expect(rules.filter((r) => !(r in CHECKS_ZH))).toEqual([]);
    for (const rule of rules)
      for (const passed of [true, false]) {
        const msg = checkMessage('zh', { rule, passed, measured: {}, threshold: {}, message: 'EN' });
        expect(msg, `${rule} ${passed}`).toMatch(CJK);
      }
  });

  it('page texts exist in both languages with the same keys', () => {
    expect(Object.keys(PAGE_TEXTS.zh).sort()).toEqual(Object.keys(PAGE_TEXTS.en).sort());
    for (const v of Object.values(PAGE_TEXTS.zh)) expect(v).toMatch(CJK);
  });
});

describe('formatting', () => {
  it('check verdicts from the structured result; English keeps the checker text', () => {
    const c = {
      rule: 'sharpness',
      passed: false,
      measured: { laplacianVariance: 12.4 },
      threshold: { minLaplacianVariance: 30 },
      message: 'This photo looks blurry (sharpness score 12; we need at least 30).',
    };
    expect(checkMessage('zh', c)).toContain('清晰度 12，至少需要 30');
    expect(checkMessage('en', c)).toBe(c.message);
    // an unknown rule keeps the checker's text rather than inventing one
    expect(checkMessage('zh', { ...c, rule: 'brand-new-rule' })).toBe(c.message);
  });

  it('waits in words', () => {
    expect(durationWords(2160, 'en')).toBe('36 minutes');
    expect(durationWords(2160, 'zh')).toBe('36 分钟');
    expect(durationWords(3600, 'en')).toBe('1 hour');
    expect(durationWords(3725, 'en')).toBe('1 hour 2 minutes');
    expect(durationWords(1, 'en')).toBe('1 second');
    expect(durationWords(45, 'zh')).toBe('45 秒');
    expect(errorMessage('en', 'RATE_LIMITED', { retryAfterSeconds: 90 }, 'x')).toBe(
      'Too many requests. Please wait 1 minute and try again.',
    );
    expect(errorMessage('en', 'CASE.NOT_FOUND', undefined, 'No such case.')).toBe('No such case.');
  });

  it('language choice: switch, then appeal locale, then Accept-Language', () => {
    expect(langFromAcceptLanguage('fr-FR,zh-CN;q=0.8,en;q=0.5')).toBe('zh');
    expect(langFromAcceptLanguage('en;q=0.2, zh-TW;q=0.9')).toBe('zh');
    expect(langFromAcceptLanguage('de')).toBe(null);
    expect(pickLang({ explicit: 'en', appealLocale: 'zh-CN', acceptLanguage: 'zh' })).toBe('en');
    expect(pickLang({ appealLocale: 'zh-Hans-CN', acceptLanguage: 'en-US' })).toBe('zh');
    expect(pickLang({ appealLocale: 'fr-FR', acceptLanguage: 'zh-CN' })).toBe('zh');
    expect(pickLang({})).toBe('en');
  });
});
