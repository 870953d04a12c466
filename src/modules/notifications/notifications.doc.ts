// The small document model both e-mail renderers share, and the wording every template uses.
import { formatDate, formatMoney } from './notifications.format.ts';
import type { EmailTemplate, Locale, Msg, RefundInfo } from './notifications.schema.ts';

// ---------------------------------------------------------------------------------------------
// The small document model both renderers share

export type Inline = string | { strong: string };
export type Block =
  | { kind: 'p'; parts: Inline[] }
  | { kind: 'heading'; text: string }
  | { kind: 'button'; url: string; label: string; hint: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'facts'; rows: [string, string][] }
  | { kind: 'quote'; label: string; text: string }
  | { kind: 'table'; caption: string; head: string[]; rows: string[][] };

export interface Doc {
  subject: string;
  title: string;
  greeting: string;
  blocks: Block[];
  signOff: string;
  footer: string[];
}

export const p = (...parts: Inline[]): Block => ({ kind: 'p', parts });
export const b = (s: string): Inline => ({ strong: s });

// ---------------------------------------------------------------------------------------------
// Shared wording

export const WORDS = {
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

export function buyerDoc(
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

export function staffDoc(
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

export const button = (locale: Locale, url: string, label: string): Block => ({
  kind: 'button',
  url,
  label,
  hint: WORDS[locale].hint,
});

export function refundBlock(refund: RefundInfo, locale: Locale): Block {
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

export function reasonBlocks(
  reasons: Msg<'REJECTED'>['reasons'],
  message: string | null,
  locale: Locale,
): Block[] {
  const w = WORDS[locale];
  const out: Block[] = [];
  const texts = reasons.map((r) => r[locale]).filter(Boolean);
  if (texts.length > 0) out.push(p(b(w.reasons)), { kind: 'list', items: texts });
  if (message) out.push({ kind: 'quote', label: w.reviewerMessage, text: message });
  return out;
}

export type Render<K extends EmailTemplate> = (m: Msg<K>, locale: Locale) => Doc;
export type Templates = { [K in EmailTemplate]: Render<K> };
