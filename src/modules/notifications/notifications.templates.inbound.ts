// The answers of the e-mail channel (en, zh; queued by src/modules/inbound/inbound.answer.ts through the
// e-mail port), kept apart from notifications.templates.ts. Plain text and
// a small HTML body rendered from the same lines; every value passes through escapeHtml. The schema is
// the privacy boundary as in the notification templates: file names, slot names, order facts, links.
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import {
  escapeHtml,
  formatDate,
  formatMoney,
  type Locale,
  type RenderedEmail,
  SLOTS,
  slotLabel,
} from './notifications.templates.ts';

const oneLine = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform((s) =>
      s
        .replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu, ' ')
        .trim()
        .slice(0, max),
    );
const Url = z.url({ protocol: /^https?$/ }).max(2000);

const FileLine = z.strictObject({
  filename: oneLine(200),
  outcome: z.enum(['PLACED', 'UNSORTED', 'REFUSED', 'SKIPPED']),
  slot: z.enum(SLOTS).nullable(),
  /** what to fix (the check's own words), for REFUSED and SKIPPED */
  reason: oneLine(600).nullable(),
});

export const InboundMessageSchema = z.discriminatedUnion('template', [
  z.strictObject({
    template: z.literal('INBOUND_ANSWER'),
    subject: oneLine(300),
    buyerName: oneLine(200),
    orderId: oneLine(200),
    files: z.array(FileLine).max(50),
    missing: z.array(z.enum(SLOTS)),
    appealUrl: Url,
    /** the signed one-click "send for review" link, when everything is in place */
    submitUrl: Url.nullable(),
    tnef: z.boolean(),
  }),
  z.strictObject({
    template: z.literal('INBOUND_WHICH_ORDER'),
    subject: oneLine(300),
    orders: z
      .array(
        z.strictObject({
          orderId: oneLine(200),
          amount: z.strictObject({ value: z.number().int().nonnegative(), currency: z.string().length(3) }),
          date: z.iso.date(),
        }),
      )
      .max(20),
  }),
  z.strictObject({ template: z.literal('INBOUND_HOW_TO_APPEAL'), subject: oneLine(300) }),
]);
export type InboundMessage = z.input<typeof InboundMessageSchema>;

export function isInboundTemplate(template: string): boolean {
  return template.startsWith('INBOUND_');
}

/** "Re: <their subject>" (not doubled). */
export function reSubject(subject: string): string {
  const s = subject.trim() || '(no subject)';
  return /^re:/i.test(s) ? s : `Re: ${s}`;
}

const T = {
  en: {
    hello: (n: string) => `Hello ${n},`,
    thanks: (o: string) => `Thank you for your e-mail about order ${o}. This is what we did with each file:`,
    PLACED: (f: string, slot: string) => `${f}: accepted, filed as ${slot}.`,
    UNSORTED: (f: string, guess: string | null) =>
      `${f}: accepted. Please choose which document it is on your appeal page${guess ? ` (it looks like ${guess})` : ''}.`,
    REFUSED: (f: string, why: string) => `${f}: not accepted. ${why}`,
    SKIPPED: (f: string, why: string) => `${f}: not used. ${why}`,
    none: 'Your e-mail had no files we could use.',
    missing: 'Still missing:',
    complete: 'Every document we need is there.',
    link: 'Open your appeal (check the files, put each in its place, and send it for review):',
    submit: 'Everything is in place. Send your appeal for review with one click:',
    tnef:
      'Your mail program sent the files packed in "winmail.dat", which we cannot open. Please send them again ' +
      'as normal attachments (in Outlook: File > Options > Mail > Compose messages in: HTML), or upload them on your appeal page.',
    never: 'E-mail alone never sends your appeal: you confirm it on your appeal page.',
    whichHello: 'Hello,',
    which:
      'You have more than one blocked order. Please reply and tell us which order these documents are for ' +
      '(write the order number in the subject), or upload them on the page of that order:',
    howTo:
      'We could not find a blocked order for this e-mail address. If an order of yours was blocked, open ' +
      'the link in the e-mail we sent you about it and upload your documents there, or reply to that e-mail ' +
      'with the documents attached. This mailbox answers only once a day per sender.',
    sign: 'Appeal desk (automatic answer)',
  },
  zh: {
    hello: (n: string) => `${n}，您好：`,
    thanks: (o: string) => `感谢您就订单 ${o} 发来的邮件。每个文件的处理结果如下：`,
    PLACED: (f: string, slot: string) => `${f}：已接受，归入「${slot}」。`,
    UNSORTED: (f: string, guess: string | null) =>
      `${f}：已接受。请在申诉页面选择它是哪一份文件${guess ? `（看起来像「${guess}」）` : ''}。`,
    REFUSED: (f: string, why: string) => `${f}：未接受。${why}`,
    SKIPPED: (f: string, why: string) => `${f}：未使用。${why}`,
    none: '您的邮件中没有我们可以使用的文件。',
    missing: '仍缺少：',
    complete: '所需文件已齐全。',
    link: '打开您的申诉页面（检查文件、将每个文件放到对应位置并提交审核）：',
    submit: '所有文件均已就位。一键提交审核：',
    tnef:
      '您的邮件程序把文件打包成了 "winmail.dat"，我们无法打开。请以普通附件重新发送（Outlook：文件 > 选项 > 邮件 > ' +
      '使用 HTML 格式撰写邮件），或在申诉页面上传。',
    never: '仅凭邮件不会提交申诉：需要您在申诉页面确认。',
    whichHello: '您好：',
    which:
      '您有多个被拦截的订单。请回复并告诉我们这些文件属于哪个订单（在主题中写上订单号），或在该订单的页面上传：',
    howTo:
      '我们没有找到与此邮箱地址对应的被拦截订单。如果您的订单被拦截，请打开我们就该订单发给您的邮件中的链接并在那里上传文件，' +
      '或直接回复那封邮件并附上文件。此邮箱每天对同一发件人只回复一次。',
    sign: 'Appeal desk（自动回复）',
  },
} as const;

type Line = string | { url: string };

function render(subject: string, lines: Line[], locale: Locale): RenderedEmail {
  const text = lines.map((l) => (typeof l === 'string' ? l : l.url)).join('\n\n');
  const body = lines
    .map((l) =>
      typeof l === 'string'
        ? `<p>${escapeHtml(l).replace(/\n/g, '<br>')}</p>`
        : `<p><a href="${escapeHtml(l.url)}">${escapeHtml(l.url)}</a></p>`,
    )
    .join('\n');
  const html = `<!doctype html>\n<html lang="${locale === 'zh' ? 'zh-CN' : 'en-GB'}"><body>\n${body}\n</body></html>\n`;
  return { subject: reSubject(subject), text: `${text}\n`, html };
}

export function renderInboundEmail(message: unknown, locale: Locale): RenderedEmail {
  const parsed = InboundMessageSchema.safeParse(message);
  if (!parsed.success) throw new AppError('REQUEST.INVALID', 'invalid inbound answer message');
  const m = parsed.data;
  const t = T[locale];
  if (m.template === 'INBOUND_HOW_TO_APPEAL')
    return render(m.subject, [t.whichHello, t.howTo, t.sign], locale);
  if (m.template === 'INBOUND_WHICH_ORDER') {
    const list = m.orders
      .map((o) => `- ${o.orderId}: ${formatMoney(o.amount, locale)}, ${formatDate(o.date, locale)}`)
      .join('\n');
    return render(m.subject, [t.whichHello, t.which, list, t.sign], locale);
  }
  const label = (s: (typeof SLOTS)[number] | null) => (s ? slotLabel(s, locale) : null);
  const files = m.files.map((f) => {
    if (f.outcome === 'PLACED') return t.PLACED(f.filename, label(f.slot) ?? '');
    if (f.outcome === 'UNSORTED') return t.UNSORTED(f.filename, label(f.slot));
    return t[f.outcome](f.filename, f.reason ?? '');
  });
  const lines: Line[] = [t.hello(m.buyerName), t.thanks(m.orderId)];
  lines.push(files.length ? files.map((f) => `- ${f}`).join('\n') : t.none);
  if (m.tnef) lines.push(t.tnef);
  lines.push(
    m.missing.length
      ? `${t.missing}\n${m.missing.map((s) => `- ${slotLabel(s, locale)}`).join('\n')}`
      : t.complete,
  );
  if (m.submitUrl) lines.push(t.submit, { url: m.submitUrl });
  lines.push(t.link, { url: m.appealUrl }, t.never, t.sign);
  return render(m.subject, lines, locale);
}
