import { describe, expect, it } from 'vitest';
import {
  EMAIL_TEMPLATES,
  type EmailMessage,
  type EmailTemplate,
  escapeHtml,
  formatDate,
  formatInstant,
  formatMoney,
  type Locale,
  pickLocale,
  renderEmail,
} from '../../src/modules/notifications/notifications.templates.ts';
import { isAppError } from '../../src/platform/errors.ts';

const URL_ = 'https://appeals.example.com/a/tok_9f8e7d6c5b4a?lang=en&x=1';
const CONSOLE = 'https://appeals.example.com/console/cases/3f2c9a1e';
const ORDER = 'ORD-2026-000042';

// JPY has no minor unit, KWD three: the two places where "divide by 100" goes wrong.
const JPY_1234 = { value: 1234, currency: 'JPY' };
const KWD_1234 = { value: 1234, currency: 'KWD' };
const EUR_123456 = { value: 123456, currency: 'EUR' };

// What each locale must show for the values above. Intl's symbol for JPY differs between ICU versions
// ("¥" or "JP¥"), so the yen pattern pins digits and the absence of decimals rather than the symbol.
const yen = /(JP)?¥1,234(?![.\d])/;
const kwd = /KWD\s?1\.234(?!\d)/;
const eur = /€1,234\.56(?!\d)/;
const date6Mar: Record<Locale, string> = { en: '6 March 2026', zh: '2026年3月6日' };
const date13Mar: Record<Locale, string> = { en: '13 March 2026', zh: '2026年3月13日' };
const date20Mar: Record<Locale, string> = { en: '20 March 2026', zh: '2026年3月20日' };

type Fact = string | RegExp | Record<Locale, string | RegExp>;
interface Case {
  msg: EmailMessage;
  /** what the subject must contain */
  subjectHas: Fact;
  /** facts the text and the HTML must both show */
  facts: Fact[];
}

// One entry per template; the Record type makes the compiler insist on all of them.
const CASES: Record<EmailTemplate, Case> = {
  APPEAL_OPENED: {
    msg: {
      template: 'APPEAL_OPENED',
      buyerName: 'Ana Silva',
      orderId: ORDER,
      appealUrl: URL_,
      amount: JPY_1234,
      cardBrand: 'Visa',
      cardLast4: '4242',
      answerWindowDays: 3,
    },
    subjectHas: ORDER,
    facts: [URL_, yen, '4242', 'Visa', { en: '3 working days', zh: '3 个工作日' }, 'Ana Silva'],
  },
  DOCUMENTS_REJECTED: {
    msg: {
      template: 'DOCUMENTS_REJECTED',
      buyerName: 'Ana Silva',
      orderId: ORDER,
      appealUrl: URL_,
      problems: [
        { slot: 'CARD_FRONT', messages: ['Image is 600x450, need at least 1000 px on the long side'] },
        { slot: 'ID_BACK', messages: ['Too blurry (score 41, need 120)', 'Too dark'] },
      ],
    },
    subjectHas: ORDER,
    facts: [
      URL_,
      'Image is 600x450, need at least 1000 px on the long side',
      'Too blurry (score 41, need 120)',
      'Too dark',
      { en: 'Front of your card', zh: '银行卡正面' },
      { en: 'Back of your ID document', zh: '身份证件背面' },
    ],
  },
  SUBMITTED: {
    msg: { template: 'SUBMITTED', buyerName: 'Ana', orderId: ORDER, appealUrl: URL_, answerBy: '2026-03-06' },
    subjectHas: ORDER,
    facts: [URL_, date6Mar],
  },
  MORE_INFO_REQUESTED: {
    msg: {
      template: 'MORE_INFO_REQUESTED',
      buyerName: 'Ana',
      orderId: ORDER,
      appealUrl: URL_,
      slots: ['CARD_BACK', 'BILLING_STATEMENT'],
      reasons: [{ code: 'STATEMENT_UNREADABLE', en: 'The statement is cut off', zh: '账单不完整' }],
      buyerMessage: 'Please include the page with\nthe payment on 2 March.',
      respondBy: '2026-03-20',
    },
    subjectHas: ORDER,
    facts: [
      URL_,
      date20Mar,
      { en: 'Back of your card', zh: '银行卡背面' },
      { en: 'Card statement', zh: '银行卡账单' },
      { en: 'The statement is cut off', zh: '账单不完整' },
      'Please include the page with',
      'the payment on 2 March.',
    ],
  },
  APPROVED: {
    msg: { template: 'APPROVED', buyerName: 'Ana', orderId: ORDER, appealUrl: URL_ },
    subjectHas: ORDER,
    facts: [URL_, { en: 'approved', zh: '已通过' }],
  },
  REJECTED: {
    msg: {
      template: 'REJECTED',
      buyerName: 'Ana',
      orderId: ORDER,
      appealUrl: URL_,
      reasons: [
        { code: 'NAME_MISMATCH', en: 'The name on the card does not match', zh: '卡上姓名与证件不符' },
      ],
      buyerMessage: null,
      refund: { amount: KWD_1234, expectedFrom: '2026-03-06', dueBy: '2026-03-13' },
    },
    subjectHas: ORDER,
    facts: [
      URL_,
      kwd,
      date6Mar,
      date13Mar,
      { en: 'The name on the card does not match', zh: '卡上姓名与证件不符' },
    ],
  },
  EXPIRED: {
    msg: {
      template: 'EXPIRED',
      buyerName: 'Ana',
      orderId: ORDER,
      appealUrl: URL_,
      refund: { amount: EUR_123456, expectedFrom: '2026-03-06', dueBy: '2026-03-13' },
    },
    subjectHas: ORDER,
    facts: [URL_, eur, date6Mar, date13Mar],
  },
  WITHDRAWN: {
    msg: {
      template: 'WITHDRAWN',
      buyerName: 'Ana',
      orderId: ORDER,
      refund: { amount: JPY_1234, expectedFrom: '2026-03-06', dueBy: '2026-03-13' },
    },
    subjectHas: ORDER,
    facts: [yen, date6Mar, date13Mar],
  },
  REFUND_SETTLED: {
    msg: {
      template: 'REFUND_SETTLED',
      buyerName: 'Ana',
      orderId: ORDER,
      appealUrl: URL_,
      amount: KWD_1234,
      arn: '74987506033123456789012',
      settledOn: '2026-03-13',
    },
    subjectHas: ORDER,
    facts: [URL_, kwd, '74987506033123456789012', date13Mar, 'ARN'],
  },
  NEW_APPEAL_LINK: {
    msg: {
      template: 'NEW_APPEAL_LINK',
      buyerName: 'Ana',
      orderId: ORDER,
      appealUrl: URL_,
      expiresOn: '2026-03-20',
    },
    subjectHas: ORDER,
    facts: [URL_, date20Mar],
  },
  REVIEWER_REMINDER: {
    msg: {
      template: 'REVIEWER_REMINDER',
      staffName: 'Rita',
      caseId: 'case-7',
      orderId: ORDER,
      targetAt: '2026-03-06T17:00:00+00:00',
      consoleUrl: CONSOLE,
    },
    subjectHas: ORDER,
    facts: [CONSOLE, 'case-7', { en: 'Fri 6 Mar 2026, 17:00 (UTC)', zh: '2026年3月6日 17:00（UTC）' }],
  },
  LEAD_WARNING: {
    msg: {
      template: 'LEAD_WARNING',
      staffName: 'Lee',
      caseId: 'case-7',
      orderId: ORDER,
      assigneeName: 'Rita Reviewer',
      breachAt: '2026-03-09T18:00:00+01:00',
      consoleUrl: CONSOLE,
    },
    subjectHas: ORDER,
    facts: [
      CONSOLE,
      'case-7',
      'Rita Reviewer',
      { en: 'Mon 9 Mar 2026, 18:00 (UTC+01:00)', zh: '2026年3月9日 18:00（UTC+01:00）' },
    ],
  },
  LEAD_ESCALATION: {
    msg: {
      template: 'LEAD_ESCALATION',
      staffName: 'Lee',
      caseId: 'case-7',
      orderId: ORDER,
      assigneeName: null,
      breachedAt: '2026-03-10T09:30:00Z',
      consoleUrl: CONSOLE,
    },
    subjectHas: ORDER,
    facts: [
      CONSOLE,
      'case-7',
      { en: 'unassigned', zh: '未分配' },
      { en: 'Tue 10 Mar 2026, 09:30 (UTC)', zh: '2026年3月10日 09:30（UTC）' },
    ],
  },
  FINANCE_OVERDUE_DIGEST: {
    msg: {
      template: 'FINANCE_OVERDUE_DIGEST',
      staffName: 'Fay',
      asOf: '2026-03-20',
      consoleUrl: 'https://appeals.example.com/console/refunds?overdue=true',
      refunds: [
        { refundId: 'rf-1', orderId: ORDER, amount: JPY_1234, dueBy: '2026-03-13', workingDaysOverdue: 5 },
        { refundId: 'rf-2', orderId: 'ORD-2', amount: KWD_1234, dueBy: '2026-03-06', workingDaysOverdue: 10 },
      ],
      totals: [
        { currency: 'JPY', value: 1234, count: 1 },
        { currency: 'KWD', value: 1234, count: 1 },
      ],
    },
    subjectHas: date20Mar,
    facts: [
      'https://appeals.example.com/console/refunds?overdue=true',
      'rf-1',
      'rf-2',
      ORDER,
      'ORD-2',
      yen,
      kwd,
      date13Mar,
      date6Mar,
      date20Mar,
    ],
  },
  SECURITY_INCIDENT: {
    msg: {
      template: 'SECURITY_INCIDENT',
      staffName: 'Sam',
      incidentId: 'inc-31',
      appealId: 'appeal-99',
      slot: 'CARD_FRONT',
      detectedAt: '2026-03-02T09:15:00+00:00',
      consoleUrl: 'https://appeals.example.com/console/incidents/inc-31',
    },
    subjectHas: 'inc-31',
    facts: [
      'https://appeals.example.com/console/incidents/inc-31',
      'appeal-99',
      { en: 'card front', zh: '银行卡正面' },
      { en: 'Mon 2 Mar 2026, 09:15 (UTC)', zh: '2026年3月2日 09:15（UTC）' },
    ],
  },
};

const LOCALES: Locale[] = ['en', 'zh'];
const forLocale = (f: Fact, l: Locale): string | RegExp =>
  typeof f === 'string' || f instanceof RegExp ? f : f[l];
function expectHas(haystack: string, f: string | RegExp, where: string) {
  if (typeof f === 'string') expect(haystack, where).toContain(f);
  else expect(haystack, where).toMatch(f);
}
// Escaping turns & into &amp; in the HTML, so string facts are looked for in their escaped form there.
const htmlForm = (f: string | RegExp) => (typeof f === 'string' ? escapeHtml(f) : f);

// Every tag the layout may use; anything else with "<" in the HTML would be injected markup.
const KNOWN_TAGS =
  /<\/?(?:!DOCTYPE html|html|head|meta|title|body|div|table|thead|tbody|tr|td|th|caption|h1|h2|p|a|strong|ul|li|br|blockquote)(?:\s[^<>]*)?>/g;

describe('pickLocale', () => {
  it.each([
    ['zh', 'zh'],
    ['zh-CN', 'zh'],
    ['zh-Hant-TW', 'zh'],
    ['zh_TW', 'zh'],
    ['ZH-hk', 'zh'],
    [' zh-CN ', 'zh'],
    ['en', 'en'],
    ['en-GB', 'en'],
    ['fr-FR', 'en'],
    ['zhx', 'en'],
    ['chinese', 'en'],
    ['', 'en'],
    [null, 'en'],
    [undefined, 'en'],
  ] as const)('%j -> %s', (input, expected) => {
    expect(pickLocale(input)).toBe(expected);
  });
});

describe('formatting', () => {
  it('places the decimal point by the ISO 4217 exponent of the currency', () => {
    expect(formatMoney({ value: 1234, currency: 'JPY' }, 'en')).toMatch(yen);
    expect(formatMoney({ value: 1234, currency: 'JPY' }, 'zh')).toMatch(yen);
    expect(formatMoney({ value: 1234, currency: 'KWD' }, 'en')).toMatch(kwd);
    expect(formatMoney({ value: 1234, currency: 'BHD' }, 'zh')).toMatch(/1\.234(?!\d)/);
    expect(formatMoney({ value: 123456, currency: 'EUR' }, 'en')).toBe('€1,234.56');
    expect(formatMoney({ value: 5, currency: 'EUR' }, 'en')).toBe('€0.05');
    expect(formatMoney({ value: 0, currency: 'KWD' }, 'en')).toMatch(/0\.000(?!\d)/);
    // Intl (CLDR) shows IQD and HUF without decimals; the minor units are still ISO's.
    expect(formatMoney({ value: 1234, currency: 'IQD' }, 'en')).toMatch(/1\.234(?!\d)/);
    expect(formatMoney({ value: 1234, currency: 'HUF' }, 'en')).toMatch(/12\.34(?!\d)/);
  });

  it('is exact for large amounts (no floating-point division)', () => {
    expect(formatMoney({ value: 900719925474099, currency: 'EUR' }, 'en')).toBe('€9,007,199,254,740.99');
    expect(formatMoney({ value: 100000000000001, currency: 'KWD' }, 'en')).toMatch(/100,000,000,000\.001/);
  });

  it('formats a calendar date without shifting it, in each language', () => {
    expect(formatDate('2026-03-06', 'en')).toMatch(/^Friday,? 6 March 2026$/);
    expect(formatDate('2026-03-06', 'zh')).toMatch(/^2026年3月6日/);
    expect(formatDate('2026-12-31', 'en')).toContain('31 December 2026');
    expect(formatDate('2026-01-01', 'zh')).toContain('2026年1月1日');
  });

  it('shows an instant in the offset it was given in', () => {
    expect(formatInstant('2026-03-06T23:30:00-05:00', 'en')).toBe('Fri 6 Mar 2026, 23:30 (UTC-05:00)');
    expect(formatInstant('2026-03-06T23:30:00+08:00', 'zh')).toBe('2026年3月6日 23:30（UTC+08:00）');
  });
});

describe('every template in both locales', () => {
  it('has a case for every template', () => {
    expect(Object.keys(CASES).sort()).toEqual([...EMAIL_TEMPLATES].sort());
    expect(EMAIL_TEMPLATES).toHaveLength(15);
  });

  for (const template of EMAIL_TEMPLATES) {
    for (const locale of LOCALES) {
      it(`${template} / ${locale}`, () => {
        const c = CASES[template];
        const r = renderEmail(c.msg, locale);

        expect(r.subject.length).toBeGreaterThan(10);
        expect(r.subject).not.toMatch(/[\r\n]/);
        expectHas(r.subject, forLocale(c.subjectHas, locale), 'subject');

        for (const f of c.facts) {
          const fact = forLocale(f, locale);
          expectHas(r.text, fact, 'text');
          expectHas(r.html, htmlForm(fact), 'html');
        }

        expect(r.html.startsWith('<!DOCTYPE html>')).toBe(true);
        expect(r.html).toContain(`<html lang="${locale === 'zh' ? 'zh-CN' : 'en-GB'}">`);
        expect(r.html).toContain(`<title>${escapeHtml(r.subject)}</title>`);
        expect(r.html.replace(KNOWN_TAGS, '')).not.toContain('<');
        expect(r.text).not.toMatch(/<\/?(p|a|strong|table|td)\b/);

        // The language is really switched: Chinese bodies contain Han characters, English ones none.
        const han = /\p{Script=Han}/u;
        if (locale === 'zh') {
          expect(r.subject).toMatch(han);
          expect(r.text).toMatch(han);
        } else {
          expect(r.subject).not.toMatch(han);
          expect(r.text.replace(/银行卡|账单|卡上|身份证件|不符/g, '')).not.toMatch(han);
        }
      });
    }
  }

  it('subjects differ between templates', () => {
    for (const locale of LOCALES) {
      const subjects = EMAIL_TEMPLATES.map((t) => renderEmail(CASES[t].msg, locale).subject);
      expect(new Set(subjects).size).toBe(subjects.length);
    }
  });

  it('falls back to English for a locale it does not know', () => {
    const en = renderEmail(CASES.SUBMITTED.msg, 'en');
    expect(renderEmail(CASES.SUBMITTED.msg, 'fr' as Locale)).toEqual(en);
    expect(renderEmail(CASES.SUBMITTED.msg, pickLocale('de-DE'))).toEqual(en);
    expect(renderEmail(CASES.SUBMITTED.msg, pickLocale('zh-TW')).subject).toContain('已收到');
  });
});

describe('content details', () => {
  it('REJECTED without a captured payment says there is nothing to refund', () => {
    const msg = { ...CASES.REJECTED.msg, refund: null } as EmailMessage;
    const en = renderEmail(msg, 'en');
    expect(en.text).toContain('not charged');
    expect(en.text).not.toMatch(kwd);
    expect(renderEmail(msg, 'zh').text).toContain('无需退款');
  });

  it("REJECTED shows the reviewer's message to the buyer with its line breaks", () => {
    const msg = { ...CASES.REJECTED.msg, buyerMessage: 'First line\nSecond line' } as EmailMessage;
    const r = renderEmail(msg, 'en');
    expect(r.text).toContain('  > First line\n  > Second line');
    expect(r.html).toContain('First line<br>Second line');
  });

  it('the overdue digest with nothing overdue says so and has no table', () => {
    const msg = { ...CASES.FINANCE_OVERDUE_DIGEST.msg, refunds: [], totals: [] } as EmailMessage;
    const en = renderEmail(msg, 'en');
    expect(en.subject).toMatch(/: 0$/);
    expect(en.text).toContain('no refunds are overdue');
    expect(en.html).not.toContain('<table style=');
    expect(renderEmail(msg, 'zh').text).toContain('没有逾期退款');
  });

  it('the digest lists totals per currency with counts', () => {
    const r = renderEmail(CASES.FINANCE_OVERDUE_DIGEST.msg, 'en');
    expect(r.text).toMatch(/JPY: (JP)?¥1,234 \(1 refund\)/);
    expect(r.text).toMatch(/KWD: KWD\s?1\.234 \(1 refund\)/);
    expect(r.subject).toMatch(/: 2$/);
    expect(r.html.match(/<th scope="col"/g)).toHaveLength(5);
  });

  it('WITHDRAWN has no appeal link and no other URL', () => {
    const r = renderEmail(CASES.WITHDRAWN.msg, 'en');
    expect(r.text).not.toMatch(/https?:\/\//);
    expect(r.html).not.toContain('href=');
  });

  it('buyer e-mails carry exactly one URL: the appeal link', () => {
    for (const t of EMAIL_TEMPLATES) {
      const msg = CASES[t].msg;
      if (!('buyerName' in msg) || !('appealUrl' in msg)) continue;
      for (const locale of LOCALES) {
        const r = renderEmail(msg, locale);
        const urls = new Set(r.text.match(/https?:\/\/\S+/g));
        expect([...urls], `${t}/${locale}`).toEqual([URL_]);
      }
    }
  });
});

describe('escaping and hostile values', () => {
  const evilName = `<script>alert(1)</script> "&'`;

  it('escapes the buyer name in HTML and keeps it verbatim in text', () => {
    for (const locale of LOCALES) {
      const r = renderEmail({ ...CASES.SUBMITTED.msg, buyerName: evilName } as EmailMessage, locale);
      expect(r.html).not.toContain('<script');
      expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;&amp;&#39;');
      expect(r.text).toContain(evilName);
    }
  });

  it('escapes every interpolated value in every template', () => {
    const evil = `<img src=x onerror=alert(1)>"&'`;
    const poison = (v: unknown, key: string): unknown => {
      if (typeof v === 'string') {
        if (/Url$/.test(key) || /^(template|slot|currency|cardLast4)$/.test(key)) return v;
        if (/^\d{4}-\d{2}-\d{2}/.test(v)) return v;
        return `${v}${evil}`;
      }
      if (Array.isArray(v))
        return v.map((x) => (typeof x === 'string' && key === 'slots' ? x : poison(x, key)));
      if (v && typeof v === 'object') {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x, k)]));
      }
      return v;
    };
    for (const t of EMAIL_TEMPLATES) {
      const msg = poison(CASES[t].msg, '') as EmailMessage;
      for (const locale of LOCALES) {
        const r = renderEmail(msg, locale);
        expect(r.html, `${t}/${locale}`).not.toContain('<img');
        expect(r.html.replace(KNOWN_TAGS, ''), `${t}/${locale}`).not.toContain('<');
        expect(r.html, `${t}/${locale}`).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&amp;&#39;');
        expect(r.text, `${t}/${locale}`).toContain(evil);
      }
    }
  });

  it('escapes the link inside href and rejects non-http links', () => {
    const r = renderEmail(
      {
        ...CASES.SUBMITTED.msg,
        appealUrl: 'https://x.example/a?t=1&b="onmouseover=alert(1)',
      } as EmailMessage,
      'en',
    );
    expect(r.html).not.toContain('"onmouseover');
    expect(r.html).toMatch(/href="https:\/\/x\.example\/a\?t=1&amp;b=(&quot;|%22)onmouseover=alert\(1\)"/);
    for (const bad of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'not a url']) {
      expect(() => renderEmail({ ...CASES.SUBMITTED.msg, appealUrl: bad } as EmailMessage, 'en')).toThrow(
        /appealUrl/,
      );
    }
  });

  it('flattens line breaks so a value cannot add header lines to the subject or body', () => {
    const r = renderEmail(
      {
        ...CASES.SUBMITTED.msg,
        orderId: 'ORD-1\r\nBcc: victim@example.com',
        buyerName: 'A\u202eB\nC',
      } as EmailMessage,
      'en',
    );
    expect(r.subject).toBe('Order ORD-1 Bcc: victim@example.com: we have received your documents');
    expect(r.text).toContain('Hello AB C,');
    expect(r.text).not.toContain('\r');
  });
});

describe('the message schema is the privacy boundary', () => {
  const expectInvalid = (msg: unknown, path: RegExp) => {
    let err: unknown;
    try {
      renderEmail(msg as EmailMessage, 'en');
    } catch (e) {
      err = e;
    }
    expect(isAppError(err) && err.code).toBe('INTERNAL');
    expect((err as Error).message).toMatch(path);
  };

  it('has no place for an internal note (extra fields are refused, not carried)', () => {
    expectInvalid({ ...CASES.REJECTED.msg, internalNote: 'buyer looks like a fraudster' }, /internalNote/);
    expectInvalid(
      {
        ...CASES.REJECTED.msg,
        reasons: [{ code: 'X', en: 'a', zh: 'b', internalText: 'internal only' }],
      },
      /internalText/,
    );
  });

  it('refuses anything but exactly 4 card digits', () => {
    expectInvalid({ ...CASES.APPEAL_OPENED.msg, cardLast4: '4111111111111111' }, /cardLast4/);
    expectInvalid({ ...CASES.APPEAL_OPENED.msg, cardLast4: '424' }, /cardLast4/);
    expectInvalid({ ...CASES.APPEAL_OPENED.msg, cardNumber: '4111111111111111' }, /cardNumber/);
  });

  it('takes dates as YYYY-MM-DD only, never a timestamp', () => {
    expectInvalid({ ...CASES.SUBMITTED.msg, answerBy: '2026-03-06T00:00:00Z' }, /answerBy/);
    expectInvalid({ ...CASES.SUBMITTED.msg, answerBy: '2026-02-30' }, /answerBy/);
    expectInvalid({ ...CASES.NEW_APPEAL_LINK.msg, expiresOn: '06/03/2026' }, /expiresOn/);
  });

  it('takes amounts as integer minor units with an ISO currency code', () => {
    expectInvalid({ ...CASES.APPEAL_OPENED.msg, amount: { value: 12.34, currency: 'EUR' } }, /amount\.value/);
    expectInvalid(
      { ...CASES.APPEAL_OPENED.msg, amount: { value: 1234, currency: 'eur' } },
      /amount\.currency/,
    );
  });

  it('refuses an unknown template and an unknown slot', () => {
    expectInvalid({ template: 'NOPE', buyerName: 'a', orderId: 'b' }, /template/);
    expectInvalid({ ...CASES.MORE_INFO_REQUESTED.msg, slots: ['SELFIE'] }, /slots\.0/);
  });

  it('does not echo the refused values in the error', () => {
    let message = '';
    try {
      renderEmail({ ...CASES.APPEAL_OPENED.msg, cardLast4: '4111111111111111' } as EmailMessage, 'en');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('cardLast4');
    expect(message).not.toContain('4111111111111111');
  });
});
