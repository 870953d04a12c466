// The catalogue of server texts a buyer reads, in English and Chinese: error messages (by error code),
// check verdicts (by check rule, formatted from the structured result {rule, passed, measured,
// threshold}) and the texts of pages the server renders itself (the invalid-link page). One file, keyed
// by code and rule, so a new rule or code is one entry in each language; test/unit/messages.test.ts fails
// for a code in ERROR_STATUS or a rule the checker can produce that has no Chinese text.
//
// English: the module's own message stays (it is the most precise English text: the checker writes it
// from the same numbers); the English entries here are used where the catalogue adds something (the
// wait in words of RATE_LIMITED) and for the server-rendered pages. Chinese: always from here.
import type { ErrorCode } from './errors.ts';

export type Lang = 'en' | 'zh';
export const LANGS: readonly Lang[] = ['en', 'zh'];

/** 'zh', 'zh-CN', 'zh-Hans-CN', 'zh_TW' ... -> zh; anything else we know of -> en; unknown -> null. */
export function langOf(tag: string | null | undefined): Lang | null {
  if (!tag) return null;
  const t = tag.trim().toLowerCase();
  if (/^zh\b|^zh[-_]/.test(t)) return 'zh';
  if (/^en\b|^en[-_]/.test(t)) return 'en';
  return null;
}

/** The first supported language of an Accept-Language header, by q-value. */
export function langFromAcceptLanguage(header: string | null | undefined): Lang | null {
  if (!header) return null;
  const tags = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = Number(/q=([0-9.]+)/.exec(params.join(';'))?.[1] ?? 1);
      return { lang: langOf(tag), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((x) => x.lang && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return tags[0]?.lang ?? null;
}

/**
 * Which language a buyer gets: the page's language switch (sent as X-Appeal-Language or ?lang=) wins;
 * then the appeal's locale (from the order); then the browser's Accept-Language; then English.
 */
export function pickLang(o: {
  explicit?: string | null;
  appealLocale?: string | null;
  acceptLanguage?: string | null;
}): Lang {
  return langOf(o.explicit) ?? langOf(o.appealLocale) ?? langFromAcceptLanguage(o.acceptLanguage) ?? 'en';
}

// ---------------------------------------------------------------------------------------------------
// Durations in words

export function durationWords(seconds: number, lang: Lang): string {
  const s = Math.max(1, Math.ceil(seconds));
  const units: [number, string, string, string][] = [
    [3600, 'hour', 'hours', '小时'],
    [60, 'minute', 'minutes', '分钟'],
    [1, 'second', 'seconds', '秒'],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [size, one, many, zh] of units) {
    const n = Math.floor(rest / size);
    if (!n) continue;
    rest -= n * size;
    parts.push(lang === 'zh' ? `${n} ${zh}` : `${n} ${n === 1 ? one : many}`);
    // "36 minutes", "1 hour 5 minutes": two units are enough for a wait
    if (parts.length === 2 || size === 60) break;
  }
  if (s < 60) return lang === 'zh' ? `${s} 秒` : `${s} ${s === 1 ? 'second' : 'seconds'}`;
  return lang === 'zh' ? parts.join(' ') : parts.join(' ');
}

// ---------------------------------------------------------------------------------------------------
// Error messages by code

type Details = Record<string, unknown> | undefined;
type Text = string | ((d: Details) => string);

const SLOT_ZH: Record<string, string> = {
  ID_FRONT: '证件正面',
  ID_BACK: '证件背面',
  CARD_FRONT: '银行卡正面',
  CARD_BACK: '银行卡背面',
  BILLING_STATEMENT: '账单',
};

function waitFrom(d: Details): number | null {
  const n = Number(d?.retryAfterSeconds);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** English texts the catalogue adds to a module's message (others keep the thrown message). */
const ERRORS_EN: Partial<Record<ErrorCode, Text>> = {
  RATE_LIMITED: (d) => {
    const s = waitFrom(d);
    return s === null
      ? 'Too many requests. Please wait a moment and try again.'
      : `Too many requests. Please wait ${durationWords(s, 'en')} and try again.`;
  },
};

export const ERRORS_ZH: Record<ErrorCode, Text> = {
  'REQUEST.INVALID': '请求无效，请检查填写的内容。',
  'REQUEST.MALFORMED_JSON': '请求格式不正确。',
  'REQUEST.HEADERS_TOO_LARGE': '请求头过大。',
  'AUTH.REQUIRED': '请打开我们发送到您邮箱的链接以继续。',
  'AUTH.INVALID': '此申诉链接无效。',
  'AUTH.TOKEN_EXPIRED': '此申诉链接已过期。请通过电子邮件申请新链接。',
  'AUTH.SESSION_EXPIRED': '会话已过期，请重新登录。',
  'AUTH.FORBIDDEN': '您无权执行此操作。',
  'AUTH.CSRF': '页面已过期，请刷新后重试。',
  'AUTH.LOCKED': (d) => {
    const s = waitFrom(d);
    return s === null
      ? '尝试次数过多，账户已暂时锁定。'
      : `尝试次数过多，请在 ${durationWords(s, 'zh')} 后重试。`;
  },
  'AUTH.TOTP_REQUIRED': '请输入身份验证器应用中的 6 位验证码。',
  'AUTH.TOTP_INVALID': '验证码错误或已过期。',
  'AUTH.MFA_REQUIRED': '查看身份证件需要启用双重验证。',
  'AUTH.SIGNATURE_INVALID': '请求签名无效或已过期。',
  'TOTP.NOT_PENDING': '没有待确认的双重验证注册。',
  'WEBHOOK.URL_REFUSED': '不允许使用此回调地址。',
  'WEBHOOK.LIMIT_REACHED': '回调数量已达上限。',
  NOT_FOUND: '未找到。',
  'APPEAL.NOT_FOUND': '未找到此申诉。',
  'CASE.NOT_FOUND': '未找到此案件。',
  'DOCUMENT.NOT_FOUND': '未找到此文件。',
  'INBOUND.NOT_FOUND': '未找到此邮件。',
  'INBOUND.INVALID_TRANSITION': '此邮件已不在隔离区。',
  'DOCUMENT.PURGED': '此文件已按保留期限删除。',
  'HANDOFF.NOT_FOUND': '此验证码无效。',
  'HANDOFF.USED': '此验证码已被使用。请在电脑上获取新的验证码。',
  'HANDOFF.EXPIRED': '此验证码已过期。请在电脑上获取新的验证码。',
  'DOCUMENT.PREVIEW_UNAVAILABLE': '此文件无法预览。',
  'REFUND.NOT_FOUND': '未找到此退款。',
  'WEBHOOK.NOT_FOUND': '未找到此 Webhook。',
  'VIEW.NOT_FOUND': '未找到此视图。',
  'VIEW.NOT_OWNER': '只有创建者可以修改或删除此视图。',
  'VIEW.SHARE_LEAD_ONLY': '只有组长可以与团队共享视图。',
  'VIEW.LIMIT_REACHED': '视图数量已达上限。',
  'OUTBOX.NOT_FOUND': '未找到此消息。',
  'OUTBOX.NOT_RETRYABLE': '此消息无法重试。',
  'STAFF.NOT_FOUND': '未找到此员工。',
  'PAYMENT_ERROR.NOT_FOUND': '未找到此支付错误代码。',
  'ORDER.CONFLICT': '此订单已登记，内容不同。',
  'STAFF.EMAIL_TAKEN': '此电子邮件地址已被使用。',
  'APPEAL.INVALID_TRANSITION': '申诉当前的状态不允许此操作。',
  'APPEAL.MISSING_SLOTS': (d) => {
    const missing = Array.isArray(d?.missing) ? (d.missing as string[]) : [];
    return missing.length
      ? `还缺少以下文件：${missing.map((s) => SLOT_ZH[s] ?? s).join('、')}。`
      : '还缺少必需的文件。';
  },
  'APPEAL.SLOT_NOT_REQUESTED': '此文件未被要求重新上传。',
  'APPEAL.ID_TYPE_REQUIRED': '请先选择证件类型（身份证或护照）。',
  'CASE.NOT_ASSIGNEE': '此案件未分配给您。',
  'QA.NOT_FOUND': '没有这条质量复核。',
  'QA.OWN_DECISION': '您参与了首次决定：须由另一位审核员复核。',
  'QA.ALREADY_DECIDED': '这条质量复核已经完成。',
  'CASE.SECOND_APPROVAL_SAME_PERSON': '第二次批准必须由另一位主管完成。',
  'CASE.SECOND_APPROVAL_REQUIRED': '此金额的批准须由另一位在岗主管确认。',
  'CASE.ALREADY_ASSIGNED': '此案件已分配给他人，请使用“重新分配”。',
  'CASE.NOT_ASSIGNED': '此案件尚未分配，无法重新分配。',
  'CASE.ALREADY_DECIDED': '此案件已有决定。',
  'CASE.REVIEWER_UNAVAILABLE': '此审核员目前无法接收案件。',
  'CASE.NOT_IN_REVIEW': '此案件不在审核中。',
  'CASE.UNKNOWN_REASON_CODES': '原因代码未知。',
  'CASE.REASON_REQUIRED': '请至少选择一个原因。',
  'CASE.SLOTS_REQUIRED': '请选择需要重新提交的文件。',
  'CASE.SLOT_NOT_REQUIRED': '此文件不是必需的。',
  'HOLIDAY.NOT_FOUND': '未找到此节假日。',
  'REFUND.INVALID_TRANSITION': '退款当前的状态不允许此操作。',
  'REFUND.MISMATCH': '退款信息不一致。',
  'IDEMPOTENCY.CONFLICT': '此幂等键已用于另一个请求。',
  'UPLOAD.TOO_LARGE': '文件过大，请上传较小的照片。',
  'UPLOAD.UNSUPPORTED_TYPE': '不支持此文件格式，请上传 JPEG、PNG、WebP 或 AVIF 照片（账单也可上传 PDF）。',
  'UPLOAD.INVALID': '上传无效：请选择一个文件后重试。',
  'DOCUMENT.CHECKS_FAILED': '我们无法接受这张照片，请看下面的原因。',
  'DOCUMENT.LAST4_MISMATCH': '您输入的卡号后四位与订单所用的银行卡不符。',
  'DOCUMENT.CARD_NUMBER_VISIBLE':
    '照片中可以看到完整的卡号。请遮住除后四位以外的所有数字（例如用一张纸），然后重新拍照。此照片未被保存。',
  'DOCUMENT.CVV_VISIBLE':
    '照片中可以看到卡背面的安全码（签名条旁的三位数字）。请遮住它后重新拍照。此照片未被保存。',
  'DOCUMENT.TOO_MANY_PAGES': '此账单的页数已达上限。',
  'EVIDENCE_PACK.NOT_APPROVED': '只有已批准的申诉才能生成争议证据包。',
  'EVIDENCE_PACK.PURGED': '此案件的文件已按保留期限删除，无法再生成证据包。',
  'EVIDENCE_PACK.TOO_LARGE': '这些文件无法在所选卡组织的大小或页数限制内放进一个证据包。',
  'EVIDENCE_PACK.CARD_NUMBER_VISIBLE': '某个文件中可以看到完整的卡号，因此未生成证据包。已记录安全事件。',
  'EVIDENCE_PACK.GUARD_UNAVAILABLE': '暂时无法检查文件中的卡号，因此未生成证据包。请稍后再试。',
  RATE_LIMITED: (d) => {
    const s = waitFrom(d);
    return s === null ? '请求过多，请稍后再试。' : `请求过多，请等待 ${durationWords(s, 'zh')} 后再试。`;
  },
  'DEPENDENCY.UNAVAILABLE': '服务暂时不可用，请稍后再试。',
  'SERVICE.BUSY': (d) => {
    // the intake queue was full (documents.intake-pool.ts); otherwise the card-number guard could not run
    if (d?.reason !== 'intake-queue-full') return '我们暂时无法检查此文件中的卡号，因此未保存。请稍后再试。';
    const s = waitFrom(d);
    return `正在检查的文件较多，此文件未被接收（未保存任何内容）。请${s === null ? '稍后' : `在 ${durationWords(s, 'zh')} 后`}重新发送。`;
  },
  INTERNAL: '我们这边出了问题，请稍后再试。',
};

function text(t: Text | undefined, d: Details): string | undefined {
  if (t === undefined) return undefined;
  return typeof t === 'function' ? t(d) : t;
}

/** The message of an error body in `lang` (the thrown English message where the catalogue adds nothing). */
export function errorMessage(lang: Lang, code: string, details: unknown, fallback: string): string {
  const d =
    details && typeof details === 'object' && !Array.isArray(details) ? (details as Details) : undefined;
  const table = (lang === 'zh' ? ERRORS_ZH : ERRORS_EN) as Partial<Record<string, Text>>;
  try {
    return text(table[code], d) ?? fallback;
  } catch {
    return fallback;
  }
}

// ---------------------------------------------------------------------------------------------------
// Check verdicts by rule

export interface CheckLike {
  rule: string;
  passed: boolean;
  measured?: unknown;
  threshold?: unknown;
  message?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: measured/threshold are per-rule JSON; a formatter that meets an unexpected shape throws and the English text is kept
type M = Record<string, any>;
const num = (v: unknown, digits = 0) => (typeof v === 'number' ? v.toFixed(digits) : String(v ?? '?'));
const mbZh = (bytes: unknown) =>
  typeof bytes === 'number'
    ? bytes < 100_000
      ? `${Math.max(1, Math.round(bytes / 1024))} KB`
      : `${(bytes / 1_048_576).toFixed(1)} MB`
    : '?';
const pctZh = (share: unknown) => (typeof share === 'number' ? `${(share * 100).toFixed(1)}%` : '?');

/** Chinese verdict per rule (English is the checker's own message). */
export const CHECKS_ZH: Record<string, (c: { passed: boolean; m: M; t: M }) => string> = {
  size: ({ passed, m, t }) =>
    passed
      ? `文件大小 ${mbZh(m.bytes)}，在 ${mbZh(t.maxBytes)} 的限制之内。`
      : m.bytes === 0
        ? '此文件是空的（0 字节），请重新选择照片。'
        : `此文件为 ${mbZh(m.bytes)}，上限为 ${mbZh(t.maxBytes)}。请上传较小的照片（截图或相机的"中"尺寸即可）。`,
  format: ({ passed, m }) =>
    passed
      ? `文件类型 ${String(m.detected ?? '').toUpperCase()}。`
      : m.detected === 'pdf'
        ? 'PDF 文件只接受用于账单。请上传此文件的照片。'
        : m.detected === 'heic'
          ? '这是 HEIC 格式照片（iPhone 默认格式），我们暂时无法读取。请以 JPEG 格式发送：在 iPhone 上选择 设置 > 相机 > 格式 > 兼容性最佳。'
          : m.decoder !== undefined && m.decoder !== m.detected
            ? '此文件的内容与其格式不符。请重新拍照或导出为 JPEG。'
            : '我们不接受此文件格式，请上传 JPEG、PNG、WebP 或 AVIF 照片。',
  integrity: ({ passed, m }) =>
    passed
      ? '整个文件可以正常读取。'
      : m.failure === 'truncated'
        ? '此文件不完整：文件在中途中断（可能在复制或上传时被截断）。请重新拍摄或导出。'
        : '此文件已损坏，无法读取。请重新拍摄或导出。',
  pixels: ({ passed, m, t }) =>
    passed
      ? `${num(m.megapixels, 1)} 百万像素，在 ${num(t.maxMegapixels)} 百万像素的限制之内。`
      : `此图片为 ${m.width} x ${m.height}（${num(m.megapixels, 1)} 百万像素），最多接受 ${num(t.maxMegapixels)} 百万像素。请发送普通的相机照片。`,
  resolution: ({ passed, m, t }) =>
    passed
      ? `此图片为 ${m.width} x ${m.height}，清晰度足够。`
      : t.minShortSide === undefined
        ? `此图片为 ${m.width} x ${m.height}；账单的长边至少需要 ${t.minLongSide} 像素。请靠近拍摄，或上传银行提供的 PDF。`
        : `此照片为 ${m.width} x ${m.height}；长边至少需要 ${t.minLongSide} 像素，短边至少需要 ${t.minShortSide} 像素。请靠近拍摄或使用主摄像头。`,
  sharpness: ({ passed, m, t }) =>
    passed
      ? `足够清晰（清晰度 ${num(m.laplacianVariance)}）。`
      : `此照片看起来模糊（清晰度 ${num(m.laplacianVariance)}，至少需要 ${num(t.minLaplacianVariance)}）。请拿稳手机，点击文件对焦，并在光线充足的地方重试。`,
  exposure: ({ passed, m, t }) => {
    if (passed) return `曝光正常（平均亮度 ${num(m.meanLuminance)}/255，对比度 ${num(m.contrast)}）。`;
    if (t.minMeanLuminance !== undefined && m.meanLuminance < t.minMeanLuminance)
      return `此照片太暗（平均亮度 ${num(m.meanLuminance)}/255，需要 ${t.minMeanLuminance} 到 ${t.maxMeanLuminance}）。请增加光线或靠近窗户，不要让闪光灯直射文件。`;
    if (t.maxMeanLuminance !== undefined && m.meanLuminance > t.maxMeanLuminance)
      return `此照片太亮（平均亮度 ${num(m.meanLuminance)}/255，需要 ${t.minMeanLuminance} 到 ${t.maxMeanLuminance}）。请避开直射光或关闭闪光灯。`;
    return `此照片看起来发白（对比度 ${num(m.contrast)}，至少需要 ${num(t.minContrast)}）。请擦净镜头，在均匀的光线下拍摄。`;
  },
  glare: ({ passed, m, t }) =>
    !t
      ? '账单不检查反光（白纸和截图本来就是白色的）。'
      : passed
        ? `没有明显反光（照片中 ${pctZh(m.blownOutShare)} 为纯白）。`
        : `照片的一部分因反光而过曝（${pctZh(m.blownOutShare)} 为纯白，上限为 ${pctZh(t.maxBlownOutShare)}）。请将文件倾斜避开光源或关闭闪光灯。`,
  colour: ({ passed, m, t }) =>
    !t
      ? '此文件不要求彩色。'
      : passed
        ? `彩色照片（色彩度 ${num(m.colourfulness)}）。`
        : m.uncorrectedColourfulness <= t.greyscaleAtOrBelow
          ? `这是一张黑白图片（色彩度 ${num(m.uncorrectedColourfulness)}，彩色照片至少为 ${num(t.minColourfulness)}）。请拍摄原件的彩色照片，而不是复印件。`
          : `这看起来像黑白复印件（色彩度 ${num(m.colourfulness)}，至少需要 ${num(t.minColourfulness)}）。请在日光下拍摄原件的彩色照片。`,
  pdf: ({ passed, m, t }) =>
    passed
      ? `PDF 共 ${m.pageCount} 页，没有密码保护。`
      : m.passwordRequired
        ? '此 PDF 有密码保护，我们无法打开。请重新下载不带密码的账单，或上传账单的照片或截图。'
        : m.pageCount > t.maxPages
          ? `此 PDF 有 ${m.pageCount} 页，最多接受 ${t.maxPages} 页。请只上传显示该笔付款的页面。`
          : `此 PDF 包含${m.hasJavaScript ? '脚本' : '附件'}，我们不接受。请从银行重新下载账单，或上传截图。`,
  last4: ({ passed, m, t }) =>
    passed
      ? `卡号后四位 ${m.stated} 与订单所用的银行卡一致。`
      : `您输入的是 ${m.stated}，但订单是用尾号 ${t.expected} 的银行卡支付的。请拍摄此订单所用的银行卡，并输入卡上可见的后四位数字。`,
  duplicate: ({ passed, m }) =>
    passed
      ? '这张图片没有用于其他文件。'
      : `这与您为${SLOT_ZH[m?.closestSlot] ?? '另一份文件'}上传的图片相同。每份文件都需要单独的照片。`,
  'card-number': () =>
    '我们能在这张照片中读到完整的卡号。请遮住除后四位以外的所有数字（例如用一张纸），然后重新拍照。此照片未被保存。',
};

/** A check's verdict in `lang`: Chinese from CHECKS_ZH, English as the checker wrote it. */
export function checkMessage(lang: Lang, c: CheckLike): string {
  const fallback = c.message ?? '';
  if (lang === 'en') return fallback;
  const f = CHECKS_ZH[c.rule];
  if (!f) return fallback;
  try {
    const m = (c.measured ?? {}) as M;
    const t = (c.threshold ?? null) as M;
    return f({ passed: c.passed, m: m ?? {}, t });
  } catch {
    return fallback;
  }
}

// ---------------------------------------------------------------------------------------------------
// Texts of pages the server renders, and other buyer-facing strings

export const PAGE_TEXTS = {
  en: {
    'link.expired.title': 'This link has expired',
    'link.expired.text':
      'Appeal links are valid for a limited time. Press the button and we will send a new link to the e-mail address of your order.',
    'link.invalid.title': 'This link is not valid',
    'link.invalid.text':
      'Please open the link exactly as it appears in the e-mail we sent you (it may have been cut off when copied), or ask for a new link with your order number and e-mail address.',
    'link.reissue.button': 'E-mail me a new link',
    'link.reissue.order': 'Order number',
    'link.reissue.email': 'E-mail address of the order',
    'reissue.sent.title': 'Check your e-mail',
    'reissue.sent.text':
      'If this matches an appeal, we have sent a new link to the e-mail address of the order. Earlier links no longer work.',
    'appeal.submitted': 'Your appeal was sent.',
    'handoff.title': 'Continue on this phone',
    'handoff.text':
      'Press the button to open your appeal on this phone, so you can take the photos with its camera. The code works once, for 3 minutes.',
    'handoff.button': 'Continue on this phone',
    'handoff.used.title': 'This code was already used',
    'handoff.used.text':
      'Each code opens your appeal once. On your computer, press "New code" and scan the new QR code.',
    'handoff.expired.title': 'This code has expired',
    'handoff.expired.text':
      'Codes work for 3 minutes. On your computer, press "New code" and scan the new QR code, or open the link from your e-mail on this phone.',
    'handoff.invalid.title': 'This code is not valid',
    'handoff.invalid.text':
      'Scan the QR code shown on your computer again, or open the link from your e-mail on this phone.',
  },
  zh: {
    'link.expired.title': '此链接已过期',
    'link.expired.text': '申诉链接的有效期有限。请点击下面的按钮，我们会将新链接发送到您订单的电子邮件地址。',
    'link.invalid.title': '此链接无效',
    'link.invalid.text':
      '请完全按照我们发送给您的邮件中的链接打开（复制时可能被截断），或使用订单号和电子邮件地址申请新链接。',
    'link.reissue.button': '给我发送新链接',
    'link.reissue.order': '订单号',
    'link.reissue.email': '订单的电子邮件地址',
    'reissue.sent.title': '请查看您的电子邮件',
    'reissue.sent.text':
      '如果信息与某个申诉相符，我们已将新链接发送到订单的电子邮件地址。之前的链接将不再有效。',
    'appeal.submitted': '您的申诉已提交。',
    'handoff.title': '在此手机上继续',
    'handoff.text':
      '点击下面的按钮，在此手机上打开您的申诉，即可用手机相机拍照。此验证码只能使用一次，有效期 3 分钟。',
    'handoff.button': '在此手机上继续',
    'handoff.used.title': '此验证码已被使用',
    'handoff.used.text': '每个验证码只能打开一次申诉。请在电脑上点击"新验证码"，然后扫描新的二维码。',
    'handoff.expired.title': '此验证码已过期',
    'handoff.expired.text':
      '验证码的有效期为 3 分钟。请在电脑上点击"新验证码"并扫描新的二维码，或在此手机上打开我们邮件中的链接。',
    'handoff.invalid.title': '此验证码无效',
    'handoff.invalid.text': '请重新扫描电脑上显示的二维码，或在此手机上打开我们邮件中的链接。',
  },
} as const satisfies Record<Lang, Record<string, string>>;

export type PageTextKey = keyof (typeof PAGE_TEXTS)['en'];

export function pageText(lang: Lang, key: PageTextKey): string {
  return PAGE_TEXTS[lang][key];
}
