// E-mail messages: the schema every message is checked against before it is rendered.
//
// The message schema is the privacy boundary: it names the only facts an e-mail may carry. There is no
// internal note, no token other than the one inside the appeal link, and card digits only as a 4-digit
// last4. Objects are strict, so a caller that spreads a database row into a message fails loudly
// instead of silently carrying extra fields towards a mail body.
import { z } from 'zod';

export type Locale = 'en' | 'zh';

/** 'zh', 'zh-CN', 'zh_TW', 'zh-Hant-TW' -> zh; anything else (including nothing) -> en. */
export function pickLocale(buyerLocale: string | null | undefined): Locale {
  const primary = (buyerLocale ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return primary === 'zh' ? 'zh' : 'en';
}

// ---------------------------------------------------------------------------------------------
// Message schema

import { SLOTS, type Slot } from '../../platform/slots.ts';

export { SLOTS, type Slot };

// Names, ids and references end up in the subject line and on single lines of the body: control
// characters (CR/LF above all) would let a value forge extra header-like lines, so they are flattened;
// bidi overrides go too, since they can make a subject read differently from what it says.
const BIDI = /[\u202a-\u202e\u2066-\u2069]/gu;
export const oneLine = (s: string) =>
  s
    .replace(BIDI, '')
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .trim();
// Free text written for the buyer keeps its line breaks and nothing else invisible.
const multiLine = (s: string) =>
  s
    .replace(BIDI, '')
    .replace(/\r\n?/g, '\n')
    .replace(/(?:(?!\n)\p{Cc})+/gu, ' ')
    .trim();

const Line = (max: number) => z.string().max(max).transform(oneLine);
const Id = z.string().min(1).max(200).transform(oneLine).pipe(z.string().min(1));
const Name = Line(200);
const Text = z.string().max(4000).transform(multiLine);
// Only http(s): a `javascript:` or `data:` URL in an href would run in some mail clients.
const Url = z.url({ protocol: /^https?$/ }).max(2000);
const Ymd = z.iso.date();
const Instant = z.iso.datetime({ offset: true });
const Money = z.strictObject({
  value: z.number().int().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
});
const Reason = z.strictObject({ code: z.string().min(1).max(64), en: Text, zh: Text });
const Refund = z.strictObject({ amount: Money, expectedFrom: Ymd, dueBy: Ymd }).nullable();
const SlotSchema = z.enum(SLOTS);

const buyer = { buyerName: Name, orderId: Id };
const staff = { staffName: Name };

export const EmailMessageSchema = z.discriminatedUnion('template', [
  z.strictObject({
    template: z.literal('APPEAL_OPENED'),
    ...buyer,
    appealUrl: Url,
    amount: Money,
    cardBrand: Line(40),
    cardLast4: z.string().regex(/^\d{4}$/, 'exactly the last 4 digits'),
    answerWindowDays: z.number().int().positive().max(60),
  }),
  z.strictObject({
    template: z.literal('DOCUMENTS_REJECTED'),
    ...buyer,
    appealUrl: Url,
    problems: z
      .array(z.strictObject({ slot: SlotSchema, messages: z.array(Text).min(1).max(20) }))
      .min(1)
      .max(20),
  }),
  z.strictObject({ template: z.literal('SUBMITTED'), ...buyer, appealUrl: Url, answerBy: Ymd }),
  z.strictObject({
    template: z.literal('MORE_INFO_REQUESTED'),
    ...buyer,
    appealUrl: Url,
    slots: z.array(SlotSchema).min(1).max(20),
    reasons: z.array(Reason).max(20),
    buyerMessage: Text.nullable(),
    respondBy: Ymd,
  }),
  z.strictObject({ template: z.literal('APPROVED'), ...buyer, appealUrl: Url }),
  z.strictObject({
    template: z.literal('REJECTED'),
    ...buyer,
    appealUrl: Url,
    reasons: z.array(Reason).max(20),
    buyerMessage: Text.nullable(),
    refund: Refund,
  }),
  z.strictObject({ template: z.literal('EXPIRED'), ...buyer, appealUrl: Url, refund: Refund }),
  z.strictObject({ template: z.literal('WITHDRAWN'), ...buyer, refund: Refund }),
  z.strictObject({
    template: z.literal('REFUND_SETTLED'),
    ...buyer,
    appealUrl: Url,
    amount: Money,
    arn: Id,
    settledOn: Ymd,
  }),
  z.strictObject({ template: z.literal('NEW_APPEAL_LINK'), ...buyer, appealUrl: Url, expiresOn: Ymd }),
  z.strictObject({
    template: z.literal('REVIEWER_REMINDER'),
    ...staff,
    caseId: Id,
    orderId: Id,
    targetAt: Instant,
    consoleUrl: Url,
  }),
  z.strictObject({
    template: z.literal('LEAD_WARNING'),
    ...staff,
    caseId: Id,
    orderId: Id,
    assigneeName: Name.nullable(),
    breachAt: Instant,
    consoleUrl: Url,
  }),
  z.strictObject({
    template: z.literal('LEAD_ESCALATION'),
    ...staff,
    caseId: Id,
    orderId: Id,
    assigneeName: Name.nullable(),
    breachedAt: Instant,
    consoleUrl: Url,
  }),
  z.strictObject({
    template: z.literal('FINANCE_OVERDUE_DIGEST'),
    ...staff,
    asOf: Ymd,
    consoleUrl: Url,
    refunds: z
      .array(
        z.strictObject({
          refundId: Id,
          orderId: Id,
          amount: Money,
          dueBy: Ymd,
          workingDaysOverdue: z.number().int().nonnegative(),
        }),
      )
      .max(5000),
    totals: z.array(
      z.strictObject({
        currency: z.string().regex(/^[A-Z]{3}$/),
        value: z.number().int().nonnegative(),
        count: z.number().int().nonnegative(),
      }),
    ),
  }),
  z.strictObject({
    template: z.literal('SECURITY_INCIDENT'),
    ...staff,
    incidentId: Id,
    appealId: Id,
    slot: SlotSchema,
    detectedAt: Instant,
    consoleUrl: Url,
  }),
]);

/** What callers build. */
export type EmailMessage = z.input<typeof EmailMessageSchema>;
export type EmailTemplate = EmailMessage['template'];
export const EMAIL_TEMPLATES = EmailMessageSchema.options.map(
  (o) => o.shape.template.value,
) as EmailTemplate[];

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export type Parsed = z.output<typeof EmailMessageSchema>;
export type Msg<K extends EmailTemplate> = Extract<Parsed, { template: K }>;
export type RefundInfo = z.output<typeof Refund>;
