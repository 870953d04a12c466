// E-mail templates: one pure function from a message and a locale to subject, plain text and HTML.
// Every template is written once as a small document (paragraphs, a button, lists, facts, tables) per
// language, and both bodies are rendered from that one document, so text and HTML cannot drift apart
// and every interpolated value passes through a single escaping point.
//
// The message schema is the privacy boundary: it names the only facts an e-mail may carry. There is no
// internal note, no token other than the one inside the appeal link, and card digits only as a 4-digit
// last4. Objects are strict, so a caller that spreads a database row into a message fails loudly
// instead of silently carrying extra fields towards a mail body.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { currencyExponent } from '../../platform/money.ts';

export type Locale = 'en' | 'zh';

/** 'zh', 'zh-CN', 'zh_TW', 'zh-Hant-TW' -> zh; anything else (including nothing) -> en. */
export function pickLocale(buyerLocale: string | null | undefined): Locale {
  const primary = (buyerLocale ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return primary === 'zh' ? 'zh' : 'en';
}

// ---------------------------------------------------------------------------------------------
// Message schema

export const SLOTS = ['ID_FRONT', 'ID_BACK', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'] as const;
export type Slot = (typeof SLOTS)[number];

// Names, ids and references end up in the subject line and on single lines of the body: control
// characters (CR/LF above all) would let a value forge extra header-like lines, so they are flattened;
// bidi overrides go too, since they can make a subject read differently from what it says.
const BIDI = /[\u202a-\u202e\u2066-\u2069]/gu;
const oneLine = (s: string) =>
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

type Parsed = z.output<typeof EmailMessageSchema>;
type Msg<K extends EmailTemplate> = Extract<Parsed, { template: K }>;
type RefundInfo = z.output<typeof Refund>;

// ---------------------------------------------------------------------------------------------
// Formatting

// ISO 4217 minor units come from the one table in src/platform/money.ts (CLDR, what Intl uses, disagrees
// with ISO for IQD, HUF, IDR...): Intl only does the symbol and grouping here.
export { currencyExponent };

const INTL_LOCALE: Record<Locale, string> = { en: 'en-GB', zh: 'zh-CN' };

/** Minor units -> "€12.34", "JP¥1,234", "KWD 1.234" (exact: the decimal point is placed in the digits). */
export function formatMoney(amount: { value: number; currency: string }, locale: Locale): string {
  const exp = currencyExponent(amount.currency);
  const digits = String(amount.value).padStart(exp + 1, '0');
  const decimal = (exp === 0 ? digits : `${digits.slice(0, -exp)}.${digits.slice(-exp)}`) as `${number}`;
  return new Intl.NumberFormat(INTL_LOCALE[locale], {
    style: 'currency',
    currency: amount.currency,
    minimumFractionDigits: exp,
    maximumFractionDigits: exp,
  }).format(decimal);
}

/** 'YYYY-MM-DD' -> "Friday, 6 March 2026" / "2026年3月6日星期五"; a calendar date, so no time zone shift. */
export function formatDate(ymd: string, locale: Locale): string {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'full', timeZone: 'UTC' }).format(
    Date.UTC(y, m - 1, d),
  );
}

/** An instant shown in the offset it was given in (the business time zone), with that offset spelled out. */
export function formatInstant(iso: string, locale: Locale): string {
  const dt = DateTime.fromISO(iso, { setZone: true });
  const zone = dt.offset === 0 ? 'UTC' : `UTC${dt.toFormat('ZZ')}`;
  return locale === 'zh'
    ? `${dt.toFormat('yyyy年M月d日 HH:mm')}（${zone}）`
    : `${dt.setLocale('en-GB').toFormat('ccc d LLL yyyy, HH:mm')} (${zone})`;
}

const BUYER_SLOT: Record<Locale, Record<Slot, string>> = {
  en: {
    ID_FRONT: 'front of your ID document (or the photo page of your passport)',
    ID_BACK: 'back of your ID document',
    CARD_FRONT: 'front of your card',
    CARD_BACK: 'back of your card',
    BILLING_STATEMENT: 'card statement',
  },
  zh: {
    ID_FRONT: '身份证件正面（护照请提供照片页）',
    ID_BACK: '身份证件背面',
    CARD_FRONT: '银行卡正面',
    CARD_BACK: '银行卡背面',
    BILLING_STATEMENT: '银行卡账单',
  },
};

const STAFF_SLOT: Record<Locale, Record<Slot, string>> = {
  en: {
    ID_FRONT: 'ID front',
    ID_BACK: 'ID back',
    CARD_FRONT: 'card front',
    CARD_BACK: 'card back',
    BILLING_STATEMENT: 'billing statement',
  },
  zh: BUYER_SLOT.zh,
};

export function slotLabel(slot: Slot, locale: Locale, audience: 'buyer' | 'staff' = 'buyer'): string {
  return (audience === 'buyer' ? BUYER_SLOT : STAFF_SLOT)[locale][slot];
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// ---------------------------------------------------------------------------------------------
// The small document model both renderers share

type Inline = string | { strong: string };
type Block =
  | { kind: 'p'; parts: Inline[] }
  | { kind: 'heading'; text: string }
  | { kind: 'button'; url: string; label: string; hint: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'facts'; rows: [string, string][] }
  | { kind: 'quote'; label: string; text: string }
  | { kind: 'table'; caption: string; head: string[]; rows: string[][] };

interface Doc {
  subject: string;
  title: string;
  greeting: string;
  blocks: Block[];
  signOff: string;
  footer: string[];
}

const p = (...parts: Inline[]): Block => ({ kind: 'p', parts });
const b = (s: string): Inline => ({ strong: s });

// ---------------------------------------------------------------------------------------------
// Shared wording

const WORDS = {
  en: {
    hi: (name: string) => (name ? `Hello ${name},` : 'Hello,'),
    buyerSignOff: 'The Appeal desk team',
    staffSignOff: 'Appeal desk',
    hint: 'If the button does not work, copy this address into your browser:',
    card: (brand: string, last4: string) => `${brand} card ending in ${last4}`,
    safety:
      'We will never ask you for your full card number, the security code (CVV) on the back of your card or your PIN. ' +
      'Please send documents only through your appeal page, never by e-mail.',
    privateLink: 'This e-mail contains a personal link to your appeal. Please do not forward it.',
    staffFooter: 'You are receiving this because of your role in the Appeal desk console.',
    viewAppeal: 'View my appeal',
    openCase: 'Open the case',
    reasons: 'Why:',
    reviewerMessage: 'Message from our reviewer',
    assignee: (n: string | null) => n ?? 'nobody (in the unassigned pool)',
  },
  zh: {
    hi: (name: string) => (name ? `${name}，您好：` : '您好：'),
    buyerSignOff: '申诉服务团队',
    staffSignOff: '申诉服务平台',
    hint: '如果按钮无法使用，请将以下地址复制到浏览器中打开：',
    card: (brand: string, last4: string) => `尾号为 ${last4} 的 ${brand} 卡`,
    safety:
      '我们绝不会向您索取完整卡号、卡背面的安全码（CVV）或密码。请只通过申诉页面提交材料，切勿通过电子邮件发送。',
    privateLink: '本邮件包含您申诉页面的专属链接，请勿转发给他人。',
    staffFooter: '您收到此邮件，是因为您在申诉管理后台中承担相应职责。',
    viewAppeal: '查看我的申诉',
    openCase: '打开案件',
    reasons: '原因：',
    reviewerMessage: '审核人员留言',
    assignee: (n: string | null) => n ?? '无（尚未分配）',
  },
} as const;

function buyerDoc(
  locale: Locale,
  m: { buyerName: string },
  d: { subject: string; title: string; blocks: Block[]; hasLink: boolean },
): Doc {
  const w = WORDS[locale];
  return {
    subject: d.subject,
    title: d.title,
    greeting: w.hi(m.buyerName),
    blocks: d.blocks,
    signOff: w.buyerSignOff,
    footer: d.hasLink ? [w.privateLink, w.safety] : [w.safety],
  };
}

function staffDoc(
  locale: Locale,
  m: { staffName: string },
  d: { subject: string; title: string; blocks: Block[] },
): Doc {
  const w = WORDS[locale];
  return {
    subject: d.subject,
    title: d.title,
    greeting: w.hi(m.staffName),
    blocks: d.blocks,
    signOff: w.staffSignOff,
    footer: [w.staffFooter],
  };
}

const button = (locale: Locale, url: string, label: string): Block => ({
  kind: 'button',
  url,
  label,
  hint: WORDS[locale].hint,
});

function refundBlock(refund: RefundInfo, locale: Locale): Block {
  if (locale === 'zh') {
    return refund
      ? p(
          b(formatMoney(refund.amount, 'zh')),
          ' 将退回至您付款时使用的银行卡，预计于 ',
          b(formatDate(refund.expectedFrom, 'zh')),
          ' 至 ',
          b(formatDate(refund.dueBy, 'zh')),
          ' 期间到账。',
        )
      : p('该订单未从您的银行卡扣款，因此无需退款。');
  }
  return refund
    ? p(
        'We will refund ',
        b(formatMoney(refund.amount, 'en')),
        ' to the card you paid with. It should reach your account between ',
        b(formatDate(refund.expectedFrom, 'en')),
        ' and ',
        b(formatDate(refund.dueBy, 'en')),
        '.',
      )
    : p('Your card was not charged for this order, so there is nothing to refund.');
}

function reasonBlocks(reasons: Msg<'REJECTED'>['reasons'], message: string | null, locale: Locale): Block[] {
  const w = WORDS[locale];
  const out: Block[] = [];
  const texts = reasons.map((r) => r[locale]).filter(Boolean);
  if (texts.length > 0) out.push(p(b(w.reasons)), { kind: 'list', items: texts });
  if (message) out.push({ kind: 'quote', label: w.reviewerMessage, text: message });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The templates

type Render<K extends EmailTemplate> = (m: Msg<K>, locale: Locale) => Doc;

const TEMPLATES: { [K in EmailTemplate]: Render<K> } = {
  APPEAL_OPENED: (m, l) => {
    const amount = formatMoney(m.amount, l);
    const card = WORDS[l].card(m.cardBrand, m.cardLast4);
    return l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：请验证您的银行卡以继续付款`,
          title: '您的付款还需完成一步验证',
          hasLink: true,
          blocks: [
            p('出于安全原因，您使用', b(card), '为订单 ', b(m.orderId), ' 支付的 ', b(amount), ' 未能完成。'),
            p(
              '如需继续处理该订单，请在申诉页面上传几张照片，证明这张卡属于您本人：身份证件、银行卡正反面照片' +
                '（卡号请遮住，只露出最后 4 位；背面的安全码也请遮住），以及近期的银行卡账单。',
            ),
            button(l, m.appealUrl, '打开我的申诉'),
            p('材料全部提交后，我们将在 ', b(`${m.answerWindowDays} 个工作日`), '内给您答复。'),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: please confirm your card to continue`,
          title: 'Your payment needs one more step',
          hasLink: true,
          blocks: [
            p(
              'For security reasons we could not complete the payment of ',
              b(amount),
              ' for order ',
              b(m.orderId),
              ' with your ',
              b(card),
              '.',
            ),
            p(
              'To continue with the order, please show us that the card is yours by uploading a few photos on ' +
                'your appeal page: an identity document, the front and back of the card (cover the card number ' +
                'except the last 4 digits, and cover the security code on the back) and a recent card statement.',
            ),
            button(l, m.appealUrl, 'Open my appeal'),
            p(
              'Once you have submitted everything, we will reply within ',
              b(`${m.answerWindowDays} working day${m.answerWindowDays === 1 ? '' : 's'}`),
              '.',
            ),
          ],
        });
  },

  DOCUMENTS_REJECTED: (m, l) => {
    const problems: Block[] = m.problems.flatMap((pr) => [
      { kind: 'heading', text: cap(slotLabel(pr.slot, l)) } as Block,
      { kind: 'list', items: pr.messages } as Block,
    ]);
    return l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：部分照片需要重新上传`,
          title: '您上传的部分照片未通过检查',
          hasLink: true,
          blocks: [
            p('我们检查了您为订单 ', b(m.orderId), ' 上传的照片，以下材料需要重新处理：'),
            ...problems,
            p('请在申诉页面重新上传上述材料。'),
            button(l, m.appealUrl, '重新上传照片'),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: some photos need to be uploaded again`,
          title: 'Some of your photos could not be accepted',
          hasLink: true,
          blocks: [
            p('We checked the photos you uploaded for order ', b(m.orderId), '. These need your attention:'),
            ...problems,
            p('Please upload new photos for these items on your appeal page.'),
            button(l, m.appealUrl, 'Upload new photos'),
          ],
        });
  },

  SUBMITTED: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：我们已收到您的材料`,
          title: '谢谢，您的材料已提交',
          hasLink: true,
          blocks: [
            p('我们已收到订单 ', b(m.orderId), ' 所需的全部材料，工作人员将尽快审核。'),
            p('您将在 ', b(formatDate(m.answerBy, l)), ' 之前收到答复。'),
            button(l, m.appealUrl, WORDS.zh.viewAppeal),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: we have received your documents`,
          title: 'Thank you, we have your documents',
          hasLink: true,
          blocks: [
            p(
              'We have received everything we need for order ',
              b(m.orderId),
              '. Our team will now review it.',
            ),
            p('You will get an answer by ', b(formatDate(m.answerBy, l)), '.'),
            button(l, m.appealUrl, WORDS.en.viewAppeal),
          ],
        }),

  MORE_INFO_REQUESTED: (m, l) => {
    const slots: Block = { kind: 'list', items: m.slots.map((s) => cap(slotLabel(s, l))) };
    const why = reasonBlocks(m.reasons, m.buyerMessage, l);
    const by = formatDate(m.respondBy, l);
    return l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：需要您补充材料`,
          title: '需要您补充一些材料',
          hasLink: true,
          blocks: [
            p('审核人员查看了您为订单 ', b(m.orderId), ' 提交的材料，需要您重新提供以下材料：'),
            slots,
            ...why,
            p('请在 ', b(by), ' 之前上传。如届时仍未收到，申诉将会关闭，订单也将被取消。'),
            button(l, m.appealUrl, '上传材料'),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: we need a little more information`,
          title: 'We need a little more from you',
          hasLink: true,
          blocks: [
            p(
              'Our reviewer has looked at your documents for order ',
              b(m.orderId),
              ' and needs these again:',
            ),
            slots,
            ...why,
            p(
              'Please upload them by ',
              b(by),
              '. If we do not hear from you by then, the appeal will close and the order will be cancelled.',
            ),
            button(l, m.appealUrl, 'Upload documents'),
          ],
        });
  },

  APPROVED: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：您的申诉已通过`,
          title: '您的申诉已通过',
          hasLink: true,
          blocks: [
            p('感谢您耐心等待。我们已核实您的材料，订单 ', b(m.orderId), ' 已解除限制，将按正常流程处理。'),
            button(l, m.appealUrl, WORDS.zh.viewAppeal),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: your appeal has been approved`,
          title: 'Your appeal has been approved',
          hasLink: true,
          blocks: [
            p(
              'Thank you for your patience. We have verified your documents and released order ',
              b(m.orderId),
              '; it will now go ahead as normal.',
            ),
            button(l, m.appealUrl, WORDS.en.viewAppeal),
          ],
        }),

  REJECTED: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：您的申诉未获通过`,
          title: '很抱歉，您的申诉未获通过',
          hasLink: true,
          blocks: [
            p('我们审核了您为订单 ', b(m.orderId), ' 提交的材料，很遗憾，申诉未能通过，该订单已取消。'),
            ...reasonBlocks(m.reasons, m.buyerMessage, l),
            refundBlock(m.refund, l),
            button(l, m.appealUrl, WORDS.zh.viewAppeal),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: your appeal was not approved`,
          title: 'We could not approve your appeal',
          hasLink: true,
          blocks: [
            p(
              'We have reviewed your documents for order ',
              b(m.orderId),
              ' and unfortunately could not approve the appeal. The order has been cancelled.',
            ),
            ...reasonBlocks(m.reasons, m.buyerMessage, l),
            refundBlock(m.refund, l),
            button(l, m.appealUrl, WORDS.en.viewAppeal),
          ],
        }),

  EXPIRED: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：您的申诉已过期`,
          title: '您的申诉已关闭',
          hasLink: true,
          blocks: [
            p('我们未能在规定时间内收到订单 ', b(m.orderId), ' 的材料，因此申诉已关闭，订单已取消。'),
            refundBlock(m.refund, l),
            button(l, m.appealUrl, WORDS.zh.viewAppeal),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: your appeal has expired`,
          title: 'Your appeal has closed',
          hasLink: true,
          blocks: [
            p(
              'We did not receive the documents for order ',
              b(m.orderId),
              ' in time, so the appeal has closed and the order has been cancelled.',
            ),
            refundBlock(m.refund, l),
            button(l, m.appealUrl, WORDS.en.viewAppeal),
          ],
        }),

  WITHDRAWN: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：您已撤回申诉`,
          title: '您的申诉已撤回',
          hasLink: false,
          blocks: [
            p('根据您的要求，我们已撤回您的申诉，并取消了订单 ', b(m.orderId), '。'),
            refundBlock(m.refund, l),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: you have withdrawn your appeal`,
          title: 'Your appeal has been withdrawn',
          hasLink: false,
          blocks: [
            p('As you asked, we have withdrawn your appeal and cancelled order ', b(m.orderId), '.'),
            refundBlock(m.refund, l),
          ],
        }),

  REFUND_SETTLED: (m, l) => {
    const amount = formatMoney(m.amount, l);
    const on = formatDate(m.settledOn, l);
    return l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：${amount} 退款已发出`,
          title: '您的退款已发出',
          hasLink: true,
          blocks: [
            p('订单 ', b(m.orderId), ' 的退款 ', b(amount), ' 已于 ', b(on), ' 退回至您的银行卡。'),
            p('银行入账可能需要几天时间。如果您仍未看到这笔退款，请向发卡银行提供以下参考编号（ARN）：'),
            {
              kind: 'facts',
              rows: [
                ['退款金额', amount],
                ['退款日期', on],
                ['参考编号（ARN）', m.arn],
              ],
            },
            button(l, m.appealUrl, WORDS.zh.viewAppeal),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: your refund of ${amount} has been sent`,
          title: 'Your refund has been sent',
          hasLink: true,
          blocks: [
            p(
              'We sent the refund of ',
              b(amount),
              ' for order ',
              b(m.orderId),
              ' to your card on ',
              b(on),
              '.',
            ),
            p(
              'Banks can take a few days to show a refund. If you cannot see it, give your bank this reference ' +
                'number (ARN):',
            ),
            {
              kind: 'facts',
              rows: [
                ['Amount', amount],
                ['Sent on', on],
                ['Reference (ARN)', m.arn],
              ],
            },
            button(l, m.appealUrl, WORDS.en.viewAppeal),
          ],
        });
  },

  NEW_APPEAL_LINK: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：您的新申诉链接`,
          title: '这是您的新链接',
          hasLink: true,
          blocks: [
            p('这是订单 ', b(m.orderId), ' 申诉页面的新链接，有效期至 ', b(formatDate(m.expiresOn, l)), '。'),
            button(l, m.appealUrl, '打开我的申诉'),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: your new appeal link`,
          title: 'Here is your new link',
          hasLink: true,
          blocks: [
            p(
              'Here is a new link to your appeal for order ',
              b(m.orderId),
              '. It works until ',
              b(formatDate(m.expiresOn, l)),
              '.',
            ),
            button(l, m.appealUrl, 'Open my appeal'),
          ],
        }),

  REVIEWER_REMINDER: (m, l) => {
    const at = formatInstant(m.targetAt, l);
    return l === 'zh'
      ? staffDoc(l, m, {
          subject: `提醒：案件 ${m.caseId}（订单 ${m.orderId}）即将到达答复目标时间`,
          title: '有案件需要尽快答复',
          blocks: [
            p(
              '分配给您的案件 ',
              b(m.caseId),
              '（订单 ',
              b(m.orderId),
              '）将于 ',
              b(at),
              ' 到达答复目标时间。',
            ),
            p('请在此之前作出决定，或要求买家补充材料。'),
            button(l, m.consoleUrl, WORDS.zh.openCase),
          ],
        })
      : staffDoc(l, m, {
          subject: `Reminder: case ${m.caseId} (order ${m.orderId}) reaches its reply target`,
          title: 'A case is due for a reply',
          blocks: [
            p(
              'Case ',
              b(m.caseId),
              ' for order ',
              b(m.orderId),
              ' is assigned to you and reaches its reply target at ',
              b(at),
              '.',
            ),
            p('Please decide it, or ask the buyer for more information, before then.'),
            button(l, m.consoleUrl, WORDS.en.openCase),
          ],
        });
  },

  LEAD_WARNING: (m, l) => {
    const at = formatInstant(m.breachAt, l);
    const who = WORDS[l].assignee(m.assigneeName);
    return l === 'zh'
      ? staffDoc(l, m, {
          subject: `SLA 预警：案件 ${m.caseId}（订单 ${m.orderId}）即将超时`,
          title: '有案件即将超出处理时限',
          blocks: [
            p('案件 ', b(m.caseId), '（订单 ', b(m.orderId), '）将于 ', b(at), ' 超出 SLA 处理时限。'),
            { kind: 'facts', rows: [['当前处理人', who]] },
            p('请确认该案件能按时处理，或将其重新分配。'),
            button(l, m.consoleUrl, WORDS.zh.openCase),
          ],
        })
      : staffDoc(l, m, {
          subject: `SLA warning: case ${m.caseId} (order ${m.orderId}) is close to breach`,
          title: 'A case is close to its deadline',
          blocks: [
            p('Case ', b(m.caseId), ' for order ', b(m.orderId), ' will breach its SLA at ', b(at), '.'),
            { kind: 'facts', rows: [['Assigned to', who]] },
            p('Please make sure it is decided in time, or reassign it.'),
            button(l, m.consoleUrl, WORDS.en.openCase),
          ],
        });
  },

  LEAD_ESCALATION: (m, l) => {
    const at = formatInstant(m.breachedAt, l);
    const who = WORDS[l].assignee(m.assigneeName);
    return l === 'zh'
      ? staffDoc(l, m, {
          subject: `SLA 已超时：案件 ${m.caseId}（订单 ${m.orderId}）`,
          title: '有案件已超出处理时限',
          blocks: [
            p(
              '案件 ',
              b(m.caseId),
              '（订单 ',
              b(m.orderId),
              '）已于 ',
              b(at),
              ' 超出处理时限，现已升级处理。',
            ),
            { kind: 'facts', rows: [['当前处理人', who]] },
            p('请优先处理此案件。'),
            button(l, m.consoleUrl, WORDS.zh.openCase),
          ],
        })
      : staffDoc(l, m, {
          subject: `SLA breached: case ${m.caseId} (order ${m.orderId})`,
          title: 'A case has breached its SLA',
          blocks: [
            p(
              'Case ',
              b(m.caseId),
              ' for order ',
              b(m.orderId),
              ' passed its deadline at ',
              b(at),
              ' and has been escalated.',
            ),
            { kind: 'facts', rows: [['Assigned to', who]] },
            p('Please treat it as a priority.'),
            button(l, m.consoleUrl, WORDS.en.openCase),
          ],
        });
  },

  FINANCE_OVERDUE_DIGEST: (m, l) => {
    const asOf = formatDate(m.asOf, l);
    const n = m.refunds.length;
    const rows = m.refunds.map((r) => [
      r.refundId,
      r.orderId,
      formatMoney(r.amount, l),
      formatDate(r.dueBy, l),
      String(r.workingDaysOverdue),
    ]);
    if (l === 'zh') {
      const totals: [string, string][] = m.totals.map((t) => [
        t.currency,
        `${formatMoney(t, l)}（${t.count} 笔）`,
      ]);
      return staffDoc(l, m, {
        subject: `逾期退款汇总（截至 ${asOf}）：${n} 笔`,
        title: '逾期退款汇总',
        blocks: [
          n === 0
            ? p('截至 ', b(asOf), '，没有逾期退款。')
            : p('截至 ', b(asOf), '，共有 ', b(`${n} 笔`), '退款已超过应到账日期，仍未完成。'),
          ...(n === 0
            ? []
            : [
                {
                  kind: 'table',
                  caption: '逾期退款',
                  head: ['退款编号', '订单号', '金额', '应到账日期', '逾期工作日'],
                  rows,
                } as Block,
              ]),
          ...(totals.length ? [p(b('按币种合计：')), { kind: 'facts', rows: totals } as Block] : []),
          button(l, m.consoleUrl, '打开财务后台'),
        ],
      });
    }
    const totals: [string, string][] = m.totals.map((t) => [
      t.currency,
      `${formatMoney(t, l)} (${t.count} refund${t.count === 1 ? '' : 's'})`,
    ]);
    return staffDoc(l, m, {
      subject: `Overdue refunds as of ${asOf}: ${n}`,
      title: 'Overdue refunds',
      blocks: [
        n === 0
          ? p('As of ', b(asOf), ', no refunds are overdue.')
          : p(
              'As of ',
              b(asOf),
              ', ',
              b(`${n} refund${n === 1 ? ' has' : 's have'}`),
              ' passed the due date without being settled.',
            ),
        ...(n === 0
          ? []
          : [
              {
                kind: 'table',
                caption: 'Overdue refunds',
                head: ['Refund', 'Order', 'Amount', 'Due by', 'Working days overdue'],
                rows,
              } as Block,
            ]),
        ...(totals.length ? [p(b('Totals by currency:')), { kind: 'facts', rows: totals } as Block] : []),
        button(l, m.consoleUrl, 'Open the finance console'),
      ],
    });
  },

  SECURITY_INCIDENT: (m, l) => {
    const at = formatInstant(m.detectedAt, l);
    const slot = slotLabel(m.slot, l, 'staff');
    return l === 'zh'
      ? staffDoc(l, m, {
          subject: `安全事件 ${m.incidentId}：上传文件中检测到完整卡号`,
          title: '上传文件中检测到完整卡号',
          blocks: [
            p(
              '申诉 ',
              b(m.appealId),
              ' 的一次上传（',
              slot,
              '）中似乎包含完整的银行卡号。该图片已被拒收，未被保存，卡号也没有被记录。',
            ),
            {
              kind: 'facts',
              rows: [
                ['事件编号', m.incidentId],
                ['申诉编号', m.appealId],
                ['材料', slot],
                ['发现时间', at],
              ],
            },
            button(l, m.consoleUrl, '查看事件'),
          ],
        })
      : staffDoc(l, m, {
          subject: `Security incident ${m.incidentId}: full card number detected in an upload`,
          title: 'A full card number was detected in an upload',
          blocks: [
            p(
              'An upload for appeal ',
              b(m.appealId),
              ' (',
              slot,
              ') appears to show a full card number. The image was rejected and not stored, and the number ' +
                'was not recorded.',
            ),
            {
              kind: 'facts',
              rows: [
                ['Incident', m.incidentId],
                ['Appeal', m.appealId],
                ['Document', slot],
                ['Detected at', at],
              ],
            },
            button(l, m.consoleUrl, 'Open the incident'),
          ],
        });
  },
};

// ---------------------------------------------------------------------------------------------
// Renderers

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** For text content and double-quoted attribute values alike. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const inlineText = (parts: Inline[]) => parts.map((x) => (typeof x === 'string' ? x : x.strong)).join('');

function renderText(doc: Doc, locale: Locale): string {
  const colon = locale === 'zh' ? '：' : ': ';
  // "Why:" followed by its list reads as one unit, so a list does not get a blank line after its lead-in.
  const lead = (x: string) => x.replace(/[:：]\s*$/, '');
  const out: string[] = [doc.title, '', doc.greeting, ''];
  const joinLead = () => {
    if (out.at(-1) === '' && /[:：]$/.test(out.at(-2) ?? '')) out.pop();
  };
  for (const bl of doc.blocks) {
    switch (bl.kind) {
      case 'p':
        out.push(inlineText(bl.parts), '');
        break;
      case 'heading':
        out.push(`${lead(bl.text)}${colon.trim()}`);
        break;
      case 'button':
        out.push(`${bl.label}${colon.trim()}`, bl.url, '');
        break;
      case 'list':
        joinLead();
        out.push(...bl.items.map((i) => `  - ${i.replace(/\n/g, '\n    ')}`), '');
        break;
      case 'facts':
        joinLead();
        out.push(...bl.rows.map(([k, v]) => `  ${k}${colon}${v}`), '');
        break;
      case 'quote':
        out.push(`${bl.label}${colon.trim()}`, ...bl.text.split('\n').map((x) => `  > ${x}`), '');
        break;
      case 'table':
        out.push(
          `${bl.caption}${colon.trim()}`,
          ...bl.rows.map((r) => `  - ${r.map((cell, i) => `${bl.head[i]}${colon}${cell}`).join(' | ')}`),
          '',
        );
        break;
    }
  }
  out.push(doc.signOff, '', '--', ...doc.footer);
  return `${out.join('\n')}\n`;
}

// Inline styles only: many mail clients drop <style> blocks. Colours keep at least 4.5:1 contrast.
const S = {
  body: 'margin:0;padding:0;background-color:#f3f4f6;',
  card: 'max-width:600px;width:100%;background-color:#ffffff;border:1px solid #d0d7de;border-radius:8px;',
  cell: 'padding:28px 28px 20px 28px;font-size:16px;line-height:1.55;color:#1f2328;',
  h1: 'margin:0 0 16px 0;font-size:22px;line-height:1.3;color:#1f2328;',
  h2: 'margin:16px 0 4px 0;font-size:16px;line-height:1.4;color:#1f2328;',
  p: 'margin:0 0 16px 0;',
  ul: 'margin:0 0 16px 0;padding-left:22px;',
  button:
    'display:inline-block;background-color:#0b57d0;color:#ffffff;text-decoration:none;font-weight:bold;' +
    'padding:12px 22px;border-radius:6px;',
  hint: 'margin:0 0 20px 0;font-size:14px;color:#57606a;',
  link: 'color:#0b57d0;word-break:break-all;',
  quote: 'margin:0 0 16px 0;padding:8px 14px;border-left:4px solid #d0d7de;background-color:#f6f8fa;',
  table: 'border-collapse:collapse;margin:0 0 16px 0;font-size:14px;',
  th: 'text-align:left;padding:6px 10px;border-bottom:1px solid #d0d7de;color:#1f2328;',
  td: 'padding:6px 10px;border-bottom:1px solid #eaeef2;',
  footer: 'margin:16px 0 0 0;font-size:13px;line-height:1.5;color:#57606a;',
} as const;

function renderHtml(doc: Doc, locale: Locale): string {
  const e = escapeHtml;
  const inline = (parts: Inline[]) =>
    parts.map((x) => (typeof x === 'string' ? e(x) : `<strong>${e(x.strong)}</strong>`)).join('');
  const multi = (s: string) => e(s).replace(/\n/g, '<br>');
  const body: string[] = [
    `<h1 style="${S.h1}">${e(doc.title)}</h1>`,
    `<p style="${S.p}">${e(doc.greeting)}</p>`,
  ];
  for (const bl of doc.blocks) {
    switch (bl.kind) {
      case 'p':
        body.push(`<p style="${S.p}">${inline(bl.parts)}</p>`);
        break;
      case 'heading':
        body.push(`<h2 style="${S.h2}">${e(bl.text)}</h2>`);
        break;
      case 'button':
        body.push(
          `<p style="${S.p}"><a href="${e(bl.url)}" style="${S.button}">${e(bl.label)}</a></p>`,
          `<p style="${S.hint}">${e(bl.hint)}<br><a href="${e(bl.url)}" style="${S.link}">${e(bl.url)}</a></p>`,
        );
        break;
      case 'list':
        body.push(`<ul style="${S.ul}">${bl.items.map((i) => `<li>${multi(i)}</li>`).join('')}</ul>`);
        break;
      case 'facts':
        body.push(
          `<table role="presentation" style="${S.table}">${bl.rows
            .map(
              ([k, v]) =>
                `<tr><td style="${S.td}">${e(k)}</td><td style="${S.td}"><strong>${e(v)}</strong></td></tr>`,
            )
            .join('')}</table>`,
        );
        break;
      case 'quote':
        body.push(
          `<p style="${S.p}"><strong>${e(bl.label)}</strong></p>`,
          `<blockquote style="${S.quote}">${multi(bl.text)}</blockquote>`,
        );
        break;
      case 'table':
        body.push(
          `<table style="${S.table}"><caption style="text-align:left;font-weight:bold;padding:0 0 6px 0;">` +
            `${e(bl.caption)}</caption><thead><tr>${bl.head
              .map((h) => `<th scope="col" style="${S.th}">${e(h)}</th>`)
              .join('')}</tr></thead><tbody>${bl.rows
              .map((r) => `<tr>${r.map((c) => `<td style="${S.td}">${e(c)}</td>`).join('')}</tr>`)
              .join('')}</tbody></table>`,
        );
        break;
    }
  }
  body.push(`<p style="${S.p}">${e(doc.signOff)}</p>`);
  const lang = INTL_LOCALE[locale];
  const font =
    locale === 'zh'
      ? "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',Arial,sans-serif"
      : "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
  return [
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(doc.subject)}</title>`,
    '</head>',
    `<body style="${S.body}font-family:${font};">`,
    `<div role="article" aria-label="${e(doc.subject)}" lang="${lang}">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="${S.body}">`,
    '<tr><td align="center" style="padding:24px 12px;">',
    `<table role="presentation" cellpadding="0" cellspacing="0" style="${S.card}">`,
    `<tr><td style="${S.cell}font-family:${font};">`,
    ...body,
    '</td></tr>',
    '</table>',
    `<table role="presentation" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;">`,
    `<tr><td style="padding:0 28px;font-family:${font};">${doc.footer
      .map((f) => `<p style="${S.footer}">${e(f)}</p>`)
      .join('')}</td></tr>`,
    '</table>',
    '</td></tr>',
    '</table>',
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Renders one message. Throws AppError('INTERNAL') when the message does not match its schema: that is
 * a bug in the caller, and the issue paths (never the values, which may be personal data) say where.
 */
export function renderEmail(msg: EmailMessage, locale: Locale): RenderedEmail {
  const r = EmailMessageSchema.safeParse(msg);
  if (!r.success) {
    const where = r.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
    throw new AppError(
      'INTERNAL',
      `E-mail message ${String(msg?.template)} is invalid: ${where.join('; ')}`,
      {
        issues: r.error.issues.map((i) => ({ path: i.path, code: i.code })),
      },
    );
  }
  const lang: Locale = locale === 'zh' ? 'zh' : 'en';
  const render = TEMPLATES[r.data.template] as Render<EmailTemplate>;
  const doc = render(r.data as never, lang);
  return { subject: oneLine(doc.subject), text: renderText(doc, lang), html: renderHtml(doc, lang) };
}
