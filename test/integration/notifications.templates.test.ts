// Every e-mail template, in English and Chinese, through the whole path (outbox row -> relay -> worker ->
// nodemailer -> a real SMTP server on loopback -> mailparser): recipients, subject, both bodies and the
// headers are what the templates rendered, in the buyer's language; and nothing leaves that must not
// (another token, a card number, an internal note).
import { writeOutbox } from '../../src/platform/outbox.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMAIL_TEMPLATES,
  type EmailMessage,
  type EmailTemplate,
  type Locale,
  pickLocale,
  renderEmail,
} from '../../src/modules/notifications/notifications.templates.ts';
import { messageIdFor } from '../../src/modules/notifications/notifications.worker.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { relayOutbox } from '../../src/platform/outbox.ts';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';

const OWN_LINK = 'http://appeal.test/a/apl_OwnBuyerToken_0123456789abcdefABCDEF';
const CONSOLE = 'http://appeal.test/console/cases/3f2c9a1e';
const ORDER = 'ORD-2026-000042';
const REFUND = {
  amount: { value: 12_999, currency: 'EUR' },
  expectedFrom: '2026-03-06',
  dueBy: '2026-03-13',
};

// One message per template; the Record type makes the compiler insist on every template.
const SAMPLES: Record<EmailTemplate, EmailMessage> = {
  APPEAL_OPENED: {
    template: 'APPEAL_OPENED',
    buyerName: 'Ana Silva',
    orderId: ORDER,
    appealUrl: OWN_LINK,
    amount: { value: 12_999, currency: 'EUR' },
    cardBrand: 'VISA',
    cardLast4: '4242',
    answerWindowDays: 5,
  },
  DOCUMENTS_REJECTED: {
    template: 'DOCUMENTS_REJECTED',
    buyerName: 'Ana Silva',
    orderId: ORDER,
    appealUrl: OWN_LINK,
    problems: [{ slot: 'CARD_FRONT', messages: ['Too blurry (score 41, need 120)'] }],
  },
  SUBMITTED: {
    template: 'SUBMITTED',
    buyerName: 'Ana',
    orderId: ORDER,
    appealUrl: OWN_LINK,
    answerBy: '2026-03-06',
  },
  MORE_INFO_REQUESTED: {
    template: 'MORE_INFO_REQUESTED',
    buyerName: 'Ana',
    orderId: ORDER,
    appealUrl: OWN_LINK,
    slots: ['BILLING_STATEMENT'],
    reasons: [{ code: 'STATEMENT_UNREADABLE', en: 'The statement is cut off', zh: '账单不完整' }],
    buyerMessage: 'Please include the page with the payment.',
    respondBy: '2026-03-20',
  },
  APPROVED: { template: 'APPROVED', buyerName: 'Ana', orderId: ORDER, appealUrl: OWN_LINK },
  REJECTED: {
    template: 'REJECTED',
    buyerName: 'Ana',
    orderId: ORDER,
    appealUrl: OWN_LINK,
    reasons: [{ code: 'NAME_MISMATCH', en: 'The name on the card does not match', zh: '卡上姓名与证件不符' }],
    buyerMessage: null,
    refund: REFUND,
  },
  EXPIRED: { template: 'EXPIRED', buyerName: 'Ana', orderId: ORDER, appealUrl: OWN_LINK, refund: REFUND },
  WITHDRAWN: { template: 'WITHDRAWN', buyerName: 'Ana', orderId: ORDER, refund: null },
  REFUND_SETTLED: {
    template: 'REFUND_SETTLED',
    buyerName: 'Ana',
    orderId: ORDER,
    appealUrl: OWN_LINK,
    amount: { value: 12_999, currency: 'EUR' },
    arn: '74987506033123456789012',
    settledOn: '2026-03-13',
  },
  NEW_APPEAL_LINK: {
    template: 'NEW_APPEAL_LINK',
    buyerName: 'Ana',
    orderId: ORDER,
    appealUrl: OWN_LINK,
    expiresOn: '2026-04-01',
  },
  REVIEWER_REMINDER: {
    template: 'REVIEWER_REMINDER',
    staffName: 'Rita',
    caseId: 'case-7',
    orderId: ORDER,
    targetAt: '2026-03-06T17:00:00+00:00',
    consoleUrl: CONSOLE,
  },
  LEAD_WARNING: {
    template: 'LEAD_WARNING',
    staffName: 'Lee',
    caseId: 'case-7',
    orderId: ORDER,
    assigneeName: 'Rita Reviewer',
    breachAt: '2026-03-09T18:00:00+01:00',
    consoleUrl: CONSOLE,
  },
  LEAD_ESCALATION: {
    template: 'LEAD_ESCALATION',
    staffName: 'Lee',
    caseId: 'case-7',
    orderId: ORDER,
    assigneeName: null,
    breachedAt: '2026-03-10T09:30:00Z',
    consoleUrl: CONSOLE,
  },
  FINANCE_OVERDUE_DIGEST: {
    template: 'FINANCE_OVERDUE_DIGEST',
    staffName: 'Fay',
    asOf: '2026-03-20',
    consoleUrl: 'http://appeal.test/console/refunds?overdue=true',
    refunds: [
      {
        refundId: 'rf-1',
        orderId: ORDER,
        amount: { value: 1234, currency: 'JPY' },
        dueBy: '2026-03-13',
        workingDaysOverdue: 5,
      },
    ],
    totals: [{ currency: 'JPY', value: 1234, count: 1 }],
  },
  SECURITY_INCIDENT: {
    template: 'SECURITY_INCIDENT',
    staffName: 'Sam',
    incidentId: 'inc-31',
    appealId: 'appeal-99',
    slot: 'CARD_FRONT',
    detectedAt: '2026-03-02T09:15:00+00:00',
    consoleUrl: 'http://appeal.test/console/incidents/inc-31',
  },
};

const STAFF_TEMPLATES = new Set<EmailTemplate>([
  'REVIEWER_REMINDER',
  'LEAD_WARNING',
  'LEAD_ESCALATION',
  'FINANCE_OVERDUE_DIGEST',
  'SECURITY_INCIDENT',
]);

// The buyer's locale as the risk system sends it: regional tags, another language (English fallback),
// nothing at all.
const BUYER_LOCALES: Record<Locale, string[]> = {
  en: ['en-GB', 'fr-FR', '', 'en'],
  zh: ['zh-CN', 'zh-TW', 'zh'],
};

interface Sent {
  id: string;
  template: EmailTemplate;
  locale: Locale;
  buyerLocale: string;
  to: string;
}

let env: TestEnv;
let smtp: TestSmtpServer;
let mailer: Mailer;
let workers: WorkerSet;
const sent: Sent[] = [];
const refused: Record<string, string> = {};

beforeAll(async () => {
  env = await createTestEnv();
  smtp = await startSmtpServer();
  mailer = createMailer({ ...env.config, SMTP_URL: smtp.url }, env.deps.logger);
  workers = await startWorkers(env.runtime, { mailer, relay: false, schedules: false, queues: ['email'] });
  await env.deps.prisma.$transaction(async (tx) => {
    const turn = { en: 0, zh: 0 };
    for (const template of EMAIL_TEMPLATES) {
      for (const locale of ['en', 'zh'] as const) {
        const options = BUYER_LOCALES[locale];
        const buyerLocale = options[turn[locale]++ % options.length]!;
        const to = `${template.toLowerCase()}.${locale}@example.com`;
        const id = await writeOutbox(tx, 'email.send', {
          to,
          locale: buyerLocale,
          message: SAMPLES[template],
        });
        sent.push({ id, template, locale, buyerLocale, to });
      }
    }
    // what the message schema must stop before it reaches a mail server
    refused.internalNote = await writeOutbox(tx, 'email.send', {
      to: 'note@example.com',
      locale: 'en',
      message: { ...SAMPLES.REJECTED, internalNote: 'Looks like fraud, do not tell the buyer' },
    });
    refused.fullCard = await writeOutbox(tx, 'email.send', {
      to: 'card@example.com',
      locale: 'en',
      message: { ...SAMPLES.APPEAL_OPENED, cardLast4: '4242424242424242' },
    });
    refused.foreignLink = await writeOutbox(tx, 'email.send', {
      to: 'js@example.com',
      locale: 'en',
      message: { ...SAMPLES.APPROVED, appealUrl: 'javascript:alert(1)' },
    });
  });
  await relayOutbox(env.deps, 100, {
    jobOptions: () => ({ attempts: 2, backoff: { type: 'fixed', delay: 50 } }),
  });
  await smtp.waitFor(sent.length);
});
afterAll(async () => {
  await workers.close();
  mailer.close();
  await smtp.stop();
  await env.close();
});

function received(s: Sent): ReceivedMail {
  const all = smtp.received.filter((m) => m.messageId === messageIdFor(s.id));
  expect(all, `${s.template}/${s.locale}`).toHaveLength(1);
  return all[0]!;
}

const lf = (s: string) => s.replace(/\r\n/g, '\n').trimEnd();

/** Digit runs of card length (13-19, optionally grouped by spaces or dashes) that pass the Luhn check. */
function cardNumbers(s: string): string[] {
  const found: string[] = [];
  for (const m of s.matchAll(/(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g)) {
    const digits = m[0].replace(/\D/g, '');
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) found.push(m[0]);
  }
  return found;
}

describe('every template through a real SMTP server', () => {
  it('covers every template in both languages', () => {
    expect(sent).toHaveLength(EMAIL_TEMPLATES.length * 2);
    expect(EMAIL_TEMPLATES.length).toBe(15);
    expect(new Set(sent.map((s) => s.buyerLocale))).toEqual(
      new Set(['en-GB', 'fr-FR', '', 'en', 'zh-CN', 'zh-TW', 'zh']),
    );
  });

  it('recipients, subject, text and HTML bodies are what the template rendered, in the buyer language', () => {
    for (const s of sent) {
      const where = `${s.template}/${s.buyerLocale || '(none)'}`;
      expect(pickLocale(s.buyerLocale), where).toBe(s.locale);
      const want = renderEmail(SAMPLES[s.template], s.locale);
      const m = received(s);
      expect(m.envelopeTo, where).toEqual([s.to]);
      expect(m.envelopeFrom, where).toBe('appeals@localhost');
      expect(
        (m.parsed.to as { value: { address: string }[] }).value.map((v) => v.address),
        where,
      ).toEqual([s.to]);
      expect(m.parsed.from?.value, where).toEqual([{ address: 'appeals@localhost', name: 'Appeal desk' }]);
      expect(m.parsed.subject, where).toBe(want.subject);
      expect(lf(m.parsed.text ?? ''), where).toBe(lf(want.text));
      expect(lf(m.parsed.html || ''), where).toBe(lf(want.html));
      // the language shows: Chinese subjects carry CJK characters, English ones none
      expect(/[\u4e00-\u9fff]/.test(want.subject), where).toBe(s.locale === 'zh');
      expect(m.parsed.html, where).toContain(`<html lang="${s.locale === 'zh' ? 'zh-CN' : 'en-GB'}">`);
      // buyers get their link, staff their console link
      if (STAFF_TEMPLATES.has(s.template))
        expect(m.parsed.text, where).toContain('http://appeal.test/console/');
      else if (s.template !== 'WITHDRAWN') {
        expect(m.parsed.text, where).toContain(OWN_LINK);
        expect(m.parsed.html, where).toContain(`href="${OWN_LINK}"`);
      }
    }
  });

  it('headers: stable Message-ID per outbox row, Content-Language, multipart/alternative in UTF-8', () => {
    for (const s of sent) {
      const where = `${s.template}/${s.locale}`;
      const m = received(s);
      const h = m.parsed.headers;
      expect(m.parsed.messageId, where).toBe(`<${s.id}@appeal-desk>`);
      expect(h.get('content-language'), where).toBe(s.locale);
      expect(h.get('x-appeal-desk-outbox-id'), where).toBe(s.id);
      expect((h.get('content-type') as { value: string }).value, where).toBe('multipart/alternative');
      expect(m.raw, where).toMatch(/Content-Type: text\/plain; charset=utf-8/i);
      expect(m.raw, where).toMatch(/Content-Type: text\/html; charset=utf-8/i);
      expect(h.get('date'), where).toBeInstanceOf(Date);
      expect(h.get('mime-version'), where).toBe('1.0');
    }
  });

  it('no message carries a token other than the buyer link, a card number beyond the last 4, or an internal note', async () => {
    const ownToken = /apl_[A-Za-z0-9_-]+/.exec(OWN_LINK)![0];
    for (const s of sent) {
      const where = `${s.template}/${s.locale}`;
      const m = received(s);
      // decoded: the raw message is quoted-printable, whose soft line breaks cut tokens into pieces
      const headers = [...m.parsed.headers.values()].map((v) => JSON.stringify(v));
      const content = [m.parsed.subject ?? '', m.parsed.text ?? '', m.parsed.html || '', ...headers].join(
        '\n',
      );
      const tokens = [...content.matchAll(/\b(?:apl|stf|whsec)_[A-Za-z0-9_-]+/g)].map((t) => t[0]);
      expect(new Set(tokens), where).toEqual(
        STAFF_TEMPLATES.has(s.template) || s.template === 'WITHDRAWN' ? new Set() : new Set([ownToken]),
      );
      expect(cardNumbers([m.parsed.subject, m.parsed.text, m.parsed.html].join('\n')), where).toEqual([]);
      expect(content.toLowerCase(), where).not.toMatch(/internal|fraud/);
    }
    // the Luhn scan finds a card number when there is one (it is not blind)
    expect(cardNumbers('card 4242 4242 4242 4242, ARN 74987506033123456789012, 2026-03-06')).toEqual([
      '4242 4242 4242 4242',
    ]);

    // messages carrying an internal note, a full card number or a non-http link are refused by the
    // message schema: FAILED at once, nothing reaches the server
    let rows = await env.deps.prisma.outboxMessage.findMany({
      where: { id: { in: Object.values(refused) } },
    });
    for (let i = 0; i < 200 && rows.some((r) => r.status !== 'FAILED'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      rows = await env.deps.prisma.outboxMessage.findMany({ where: { id: { in: Object.values(refused) } } });
    }
    const lastError = Object.fromEntries(rows.map((r) => [r.id, r.lastError]));
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(Array(3).fill(['FAILED', 1]));
    // the admin sees which field was refused and why, never the value
    expect(lastError[refused.internalNote!]).toBe(
      'invalid e-mail message REJECTED (message: Unrecognized key: "internalNote")',
    );
    expect(lastError[refused.fullCard!]).toBe(
      'invalid e-mail message APPEAL_OPENED (cardLast4: exactly the last 4 digits)',
    );
    expect(lastError[refused.foreignLink!]).toMatch(/^invalid e-mail message APPROVED \(appealUrl: /);
    expect(Object.values(lastError).join()).not.toMatch(/fraud|4242424242424242|javascript/);
    expect(rows).toHaveLength(3);
    const envelopes = smtp.rcptAttempts;
    for (const to of ['note@example.com', 'card@example.com', 'js@example.com'])
      expect(envelopes).not.toContain(to);
    expect(smtp.received).toHaveLength(sent.length);
  });
});
