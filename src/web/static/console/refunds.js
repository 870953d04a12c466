// Finance: refunds with filters, totals, ageing, the cause and a link to the case, and the event form,
// which offers only the events allowed from the refund's status (allowedEvents from the server) and shows
// the server's field errors next to the field (a wrong-length ARN: "23 digits").
import { el, formatDate, formatMoney } from '../common.js';
import {
  barChart,
  call,
  facts,
  flash,
  go,
  has,
  i18n,
  link,
  setView,
  showFieldErrors,
  state,
  t,
  table,
} from './core.js';

function caseLink(r) {
  // reviewers and leads open the case itself; finance opens the refund's own page (events, case id)
  return has('REVIEWER', 'LEAD')
    ? link(`/console/cases/${r.appealId}`, r.orderId, { class: 'case-link' })
    : link(`/console/refunds/${r.id}`, r.orderId, { class: 'case-link' });
}

const FIELD = { SUBMITTED: 'providerRef', SETTLED: 'arn', FAILED: 'reason' };

export function eventForm(r) {
  const allowed = r.allowedEvents ?? [];
  if (!allowed.length) return el('span', { class: 'muted', text: t('noEvents') });
  const type = el(
    'select',
    { name: 'type', 'aria-label': `${t('event')} ${r.orderId}` },
    allowed.map((s) => el('option', { value: s, text: t(s) })),
  );
  const value = el('input', { type: 'text', 'aria-label': '', maxlength: 128 });
  const setField = () => {
    const f = FIELD[type.value];
    value.name = f;
    value.setAttribute('aria-label', `${t(f)} ${r.orderId}`);
    value.placeholder = t(f);
    if (f === 'arn') {
      // 23 digits must all be visible
      value.inputMode = 'numeric';
      value.maxLength = 23;
      value.size = 25;
      value.classList.add('arn');
    } else {
      value.inputMode = 'text';
      value.maxLength = 128;
      value.size = 16;
      value.classList.remove('arn');
    }
  };
  type.addEventListener('change', setField);
  setField();
  const f = el(
    'form',
    { class: 'row event-form', novalidate: true },
    type,
    value,
    el('button', { type: 'submit', text: t('record') }),
  );
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = value.value.trim();
    const body =
      type.value === 'SUBMITTED'
        ? { type: 'SUBMITTED', providerRef: v }
        : type.value === 'SETTLED'
          ? { type: 'SETTLED', arn: v.replace(/\s+/g, '') }
          : { type: 'FAILED', reason: v };
    try {
      await call('POST', `/api/v1/refunds/${r.id}/events`, body);
      await state.router();
      flash(t('recorded'));
    } catch (err) {
      if (!showFieldErrors(f, err)) flash(err.message, true);
      else flash('');
    }
  });
  return f;
}

export async function refundsView() {
  const q = new URLSearchParams(location.search);
  const filters = new URLSearchParams();
  for (const k of ['status', 'overdue', 'currency']) if (q.get(k)) filters.set(k, q.get(k));
  const [list, summary] = await Promise.all([
    call('GET', `/api/v1/refunds?limit=200${filters.size ? `&${filters}` : ''}`),
    call('GET', '/api/v1/refunds/summary'),
  ]);
  const L = i18n.lang;
  const status = el(
    'select',
    { id: 'f-status' },
    el('option', { value: '', text: t('any') }),
    ['SCHEDULED', 'SUBMITTED', 'SETTLED', 'FAILED'].map((s) =>
      el('option', { value: s, text: t(s), selected: q.get('status') === s }),
    ),
  );
  const currency = el('input', {
    id: 'f-currency',
    type: 'text',
    maxlength: 3,
    size: 4,
    value: q.get('currency') ?? '',
    autocapitalize: 'characters',
  });
  const overdue = el('input', { id: 'f-overdue', type: 'checkbox', checked: q.get('overdue') === 'true' });
  const form = el(
    'form',
    { class: 'card row', 'aria-label': t('filters') },
    el('label', { class: 'field', for: 'f-status' }, t('status'), status),
    el('label', { class: 'field', for: 'f-currency' }, t('currency'), currency),
    el('label', { class: 'field', for: 'f-overdue' }, t('overdueOnly'), overdue),
    el('button', { type: 'submit', text: t('apply') }),
    el('a', {
      class: 'btn',
      id: 'csv',
      href: `/api/v1/refunds.csv${filters.size ? `?${filters}` : ''}`,
      download: '',
      text: t('csv'),
    }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (status.value) p.set('status', status.value);
    if (currency.value.trim()) p.set('currency', currency.value.trim().toUpperCase());
    if (overdue.checked) p.set('overdue', 'true');
    go(`/console/refunds${p.size ? `?${p}` : ''}`);
  });
  const totals = el(
    'section',
    { class: 'card' },
    el('h3', { text: t('totals') }),
    el('p', { text: t('count', { n: list.items.length }) }),
    el(
      'ul',
      { id: 'totals' },
      (list.totals ?? []).map((x) =>
        el('li', {
          text: `${x.currency}: ${formatMoney({ value: x.value, currency: x.currency }, L)} (${x.count})`,
        }),
      ),
    ),
  );
  const a = summary.ageing ?? {};
  const chart = barChart(
    t('ageing'),
    ['WITHIN_WINDOW', 'IN_WINDOW_7_10', 'PAST_DUE'].map((k, n) => ({
      label: t(k),
      value: a[k] ?? 0,
      color: ['#0b57d0', '#7a4a00', '#a4161a'][n],
    })),
  );
  const rows = list.items.map((r) =>
    el(
      'tr',
      { 'data-id': r.id, class: r.overdue ? 'sla-breach' : '' },
      el('td', {}, caseLink(r)),
      el('td', { text: formatMoney(r.amount, L) }),
      el('td', { class: 'cause', text: t(r.cause) }),
      el('td', { text: `${t(r.status)}${r.overdue ? ` · ${t('overdue')}` : ''}` }),
      el('td', { text: formatDate(r.decidedAt, L, 'short') }),
      el('td', { text: `${formatDate(r.expectedFrom, L, 'short')} – ${formatDate(r.dueBy, L, 'short')}` }),
      el(
        'td',
        { class: 'refs' },
        r.providerRef ? el('span', { text: r.providerRef }) : null,
        r.arn ? el('code', { class: 'arn', text: r.arn }) : null,
        r.failureReason ? el('span', { text: r.failureReason }) : null,
        !r.providerRef && !r.arn && !r.failureReason ? t('none') : null,
      ),
      el('td', {}, eventForm(r)),
    ),
  );
  setView(
    t('refunds'),
    form,
    el('div', { class: 'grid2' }, totals, chart),
    el(
      'section',
      { class: 'card' },
      list.items.length
        ? table(
            [
              t('order'),
              t('amount'),
              t('cause'),
              t('status'),
              t('decidedOn'),
              t('window'),
              t('reference'),
              t('record'),
            ],
            rows,
            { id: 'refunds' },
          )
        : el('p', { class: 'muted', text: t('empty') }),
    ),
  );
}

/** One refund: its facts, its events, the event form and the case id (finance cannot open cases). */
export async function refundView(id) {
  const r = await call('GET', `/api/v1/refunds/${id}`);
  const L = i18n.lang;
  setView(
    t('refundOf', { order: r.orderId }),
    el('p', {}, link('/console/refunds', `← ${t('refunds')}`)),
    el(
      'section',
      { class: 'card' },
      facts([
        [t('order'), r.orderId],
        [
          t('appealId'),
          has('REVIEWER', 'LEAD') ? link(`/console/cases/${r.appealId}`, r.appealId) : r.appealId,
        ],
        [t('amount'), formatMoney(r.amount, L)],
        [t('cause'), t(r.cause)],
        [t('status'), t(r.status)],
        [t('window'), `${formatDate(r.expectedFrom, L, 'short')} – ${formatDate(r.dueBy, L, 'short')}`],
        [t('providerRef'), r.providerRef],
        [t('arn'), r.arn ? el('code', { class: 'arn', text: r.arn }) : null],
      ]),
      eventForm(r),
    ),
    el(
      'section',
      { class: 'card' },
      el('h3', { text: t('events') }),
      el(
        'ol',
        {},
        (r.events ?? []).map((e) =>
          el('li', {
            text: `${formatDate(e.at, L, true)} · ${e.fromStatus} → ${e.type}${e.providerRef ? ` · ${e.providerRef}` : ''}${e.arn ? ` · ${e.arn}` : ''}${e.reason ? ` · ${e.reason}` : ''}`,
          }),
        ),
      ),
    ),
  );
}
