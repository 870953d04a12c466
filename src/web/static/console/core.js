// Shared state and helpers of the console views: the signed-in user and their roles, translation,
// navigation, API calls that sign out on 401, the view frame, and small widgets (facts, SLA text, charts).
import { $, ApiError, api, createI18n, el, formatDate, formatMoney } from '../common.js';
import { EN } from './dict.en.js';
import { ZH } from './dict.zh.js';

export const i18n = createI18n({ en: EN, zh: ZH }, 'en');
export const t = i18n.t;

export const state = { user: null, cleanup: () => {}, router: async () => {} };

/** Exactly the roles the server checks (ADMIN is not a super-role there, so not here either). */
export function has(...roles) {
  return roles.some((r) => state.user?.roles?.includes(r));
}

export function flash(msg, bad = false) {
  const f = $('#flash');
  f.textContent = msg;
  f.className = msg ? `notice ${bad ? 'error' : 'verdict ok'}` : '';
}

export function go(path, replace = false) {
  if (replace) history.replaceState({}, '', path);
  else history.pushState({}, '', path);
  return state.router();
}

export function link(href, text, attrs = {}) {
  return el('a', {
    href,
    text,
    ...attrs,
    onclick: (e) => {
      if (e.metaKey || e.ctrlKey || e.shiftKey) return;
      e.preventDefault();
      go(href);
    },
  });
}

export async function call(method, url, body) {
  try {
    return await api(method, url, body);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      state.user = null;
      sessionStorage.removeItem('staff');
      go('/console/login', true);
    }
    throw e;
  }
}

export function setView(title, ...nodes) {
  state.cleanup();
  state.cleanup = () => {};
  document.title = `${title} · ${t('appName')}`;
  const heading = el('h2', { id: 'view-title', tabindex: '-1', text: title });
  $('#view').replaceChildren(heading, ...nodes.filter(Boolean));
}

export function facts(pairs) {
  return el(
    'dl',
    { class: 'facts' },
    pairs.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, v ?? t('none'))]),
  );
}

/** A card brand as people say it (银联 in Chinese). */
export function brand(b) {
  if (!b) return '';
  if (/^union ?pay$/i.test(b)) return t('unionpay');
  return b;
}

export function cardText(card) {
  return card ? `${brand(card.brand)} ·${card.last4}` : '';
}

/** The SLA line of a case: paused while waiting for the buyer, breached, last day, or due on a date. */
/** The order's facts as the case page and the blind QA review show them (label, value) */
export function orderFactRows(o, lang) {
  return [
    [t('order'), o.orderId],
    [t('amount'), formatMoney(o.amount, lang)],
    [t('card'), cardText(o.card)],
    [t('errorCode'), o.errorCode],
    [t('buyer'), o.buyerName],
    [t('locale'), o.buyerLocale],
    [t('issuer'), o.issuerCountry],
    [t('captured'), o.paymentCaptured ? t('yes') : t('no')],
  ];
}

export function slaCell(c, now = Date.now()) {
  if (c.slaPausedAt || c.status === 'MORE_INFO_REQUESTED')
    return {
      text: c.slaPausedAt
        ? t('paused', { since: formatDate(c.slaPausedAt, i18n.lang, true) })
        : t('pausedShort'),
      cls: 'sla-paused',
    };
  if (!c.breachAt) return { text: t('none'), cls: '' };
  const breach = Date.parse(c.breachAt);
  if (now >= breach) {
    const h = Math.round((now - breach) / 3600000);
    return {
      text: t('breached', { ago: h >= 48 ? `${Math.round(h / 24)} d` : `${h} h` }),
      cls: 'sla-breach',
    };
  }
  // the countdown runs to the hard deadline (breachAt); the stored instants already skip non-working days
  const mins = Math.max(0, Math.round((breach - now) / 60000));
  const left =
    mins >= 1440
      ? `${Math.floor(mins / 1440)} d ${Math.floor((mins % 1440) / 60)} h`
      : `${Math.floor(mins / 60)} h ${mins % 60} min`;
  if (c.warnAt && now >= Date.parse(c.warnAt)) return { text: t('lastDay', { left }), cls: 'sla-warn' };
  return { text: t('dueOn', { date: formatDate(c.targetAt ?? c.breachAt, i18n.lang, true), left }), cls: '' };
}

export function table(headers, rows, attrs = {}) {
  // each cell carries its column's name: phones show it as a label (console.css table.stack)
  const names = headers.filter((h) => h !== null && h !== undefined && h !== false);
  for (const r of rows)
    [...r.children].forEach((td, i) => {
      if (names[i] && !td.hasAttribute('data-label')) td.setAttribute('data-label', names[i]);
    });
  return el(
    'div',
    { class: 'scroll' },
    el(
      'table',
      { class: 'stack', ...attrs },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          headers.filter(Boolean).map((h) => el('th', { scope: 'col', text: h })),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );
}

export function barChart(title, bars) {
  const NS = 'http://www.w3.org/2000/svg';
  const w = 360;
  const rowH = 30;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${bars.length * rowH + 10}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(', ')}`);
  bars.forEach((b, n) => {
    const y = n * rowH + 5;
    const bw = Math.round(((w - 215) * b.value) / max);
    const mk = (tag, attrs, text) => {
      const e = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      if (text !== undefined) e.textContent = text;
      svg.append(e);
    };
    mk('text', { x: 0, y: y + 17 }, b.label);
    mk('rect', { x: 175, y, width: Math.max(bw, 1), height: 22, fill: b.color, rx: 3 });
    mk('text', { x: 181 + bw, y: y + 17 }, String(b.value));
  });
  return el('figure', { class: 'card' }, el('figcaption', { class: 'strong', text: title }), svg);
}

/** A form's server error: the message up top, and each field's own message next to the field. */
export function showFieldErrors(form, err) {
  for (const n of form.querySelectorAll('.field-error')) n.remove();
  for (const n of form.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
  // REQUEST.INVALID carries [{path, message}]; the last path segment names the field
  const issues = Array.isArray(err?.details) ? err.details : [];
  let shown = false;
  for (const { path, message } of issues) {
    const name = String(path ?? '')
      .split('.')
      .pop();
    const input = name && form.querySelector(`[name="${name}"]`);
    if (!input) continue;
    input.setAttribute('aria-invalid', 'true');
    const id = `${input.id || name}-err`;
    input.setAttribute('aria-describedby', id);
    input.after(el('span', { class: 'field-error', id, role: 'alert', text: message }));
    shown = true;
  }
  return shown;
}
