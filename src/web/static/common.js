// Shared by the buyer page and the console: JSON calls with the CSRF header, a tiny i18n helper, DOM
// helpers and formatting. No framework: the pages are small enough to own their DOM.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'HTTP';
    this.details = body?.error?.details;
  }
}

let csrfToken = '';
export function setCsrf(t) {
  csrfToken = t || '';
}

export async function api(method, url, body) {
  const headers = { accept: 'application/json' };
  // the page's language switch: the server's messages (errors, check verdicts) follow it
  if (document.documentElement.lang) headers['x-appeal-language'] = document.documentElement.lang;
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export function meta(name) {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
}

/** el('p', {class: 'x', text: 'hi'}, child...) - text only through textContent, never innerHTML */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

export function $(sel, root = document) {
  return root.querySelector(sel);
}

export function createI18n(dict, initial) {
  let lang = dict[initial] ? initial : 'en';
  const t = (key, vars = {}) => {
    const s = dict[lang]?.[key] ?? dict.en[key] ?? key;
    return s.replace(/\{(\w+)\}/g, (_m, k) => (vars[k] ?? `{${k}}`).toString());
  };
  return {
    t,
    get lang() {
      return lang;
    },
    set(l) {
      lang = dict[l] ? l : 'en';
      document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
      for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
    },
  };
}

export function pickLang(...candidates) {
  for (const c of candidates) if (c && /^zh/i.test(c)) return 'zh';
  return 'en';
}

// ISO 4217 exponents that are not 2 (same table as the server's money.ts; amounts are minor units).
const EXP = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

export function formatMoney(m, lang) {
  if (!m) return '';
  const exp = EXP[m.currency] ?? 2;
  const major = m.value / 10 ** exp;
  try {
    return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
      style: 'currency',
      currency: m.currency,
      minimumFractionDigits: exp,
      maximumFractionDigits: exp,
    }).format(major);
  } catch {
    return `${major.toFixed(exp)} ${m.currency}`;
  }
}

/** 'YYYY-MM-DD' or an ISO instant -> a long local date; withTime: true adds the time, 'short' is compact */
export function formatDate(s, lang, withTime = false) {
  if (!s) return '';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T12:00:00Z`) : new Date(s);
  const opts =
    withTime === 'short'
      ? { dateStyle: 'medium' }
      : withTime
        ? { dateStyle: 'medium', timeStyle: 'short' }
        : { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric' };
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) opts.timeZone = 'UTC';
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', opts).format(d);
}
