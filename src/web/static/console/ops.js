// ADMIN and SECURITY pages: security incidents (/console/incidents, the incident e-mail links here),
// the outbox's failed and dead messages with a retry, and the audit search.
import { el, formatDate } from '../common.js';
import { call, flash, go, has, i18n, link, setView, state, t, table } from './core.js';

function more(nextCursor, base) {
  if (!nextCursor) return null;
  const u = new URL(location.href);
  u.searchParams.set('cursor', nextCursor);
  return el('p', {}, link(`${base}?${u.searchParams}`, t('more')));
}

export async function incidentsView() {
  const q = new URLSearchParams(location.search);
  const p = new URLSearchParams({ limit: '50' });
  for (const k of ['appealId', 'cursor']) if (q.get(k)) p.set(k, q.get(k));
  const list = await call('GET', `/api/v1/incidents?${p}`);
  const L = i18n.lang;
  const caseCell = (id) =>
    has('REVIEWER', 'LEAD') ? link(`/console/cases/${id}`, id) : el('code', { text: id });
  const rows = (list.items ?? []).map((x) =>
    el(
      'tr',
      { 'data-id': x.id },
      el('td', { text: formatDate(x.createdAt, L, true) }),
      el('td', { text: x.kind }),
      el('td', { text: x.slot }),
      el('td', { text: x.detector }),
      el('td', {}, caseCell(x.appealId)),
    ),
  );
  setView(
    t('incidents'),
    el(
      'section',
      { class: 'card' },
      rows.length
        ? table([t('at'), t('kind'), t('slot'), t('detector'), t('caseLink')], rows, { id: 'incidents' })
        : el('p', { class: 'muted', text: t('empty') }),
      more(list.nextCursor, '/console/incidents'),
    ),
  );
}

export async function outboxView() {
  const q = new URLSearchParams(location.search);
  const status = q.get('status') ?? 'FAILED,DEAD';
  const p = new URLSearchParams({ limit: '50', status });
  if (q.get('cursor')) p.set('cursor', q.get('cursor'));
  const list = await call('GET', `/api/v1/outbox?${p}`);
  const L = i18n.lang;
  const bar = el(
    'div',
    { class: 'row', role: 'group', 'aria-label': t('outboxStatus') },
    ['FAILED,DEAD', 'PENDING,PUBLISHED', 'DONE'].map((s) =>
      el('button', {
        type: 'button',
        'aria-pressed': String(s === status),
        text: s,
        onclick: () => go(`/console/admin/outbox?status=${s}`),
      }),
    ),
  );
  const rows = (list.items ?? []).map((m) =>
    el(
      'tr',
      { 'data-id': m.id },
      el('td', { text: formatDate(m.createdAt, L, true) }),
      el('td', {
        text: `${m.topic}${m.template ? ` · ${m.template}` : ''}${m.eventType ? ` · ${m.eventType}` : ''}`,
      }),
      el('td', { text: m.recipientDomain ?? '' }),
      el('td', { text: m.status }),
      el('td', { text: String(m.attempts) }),
      el('td', { class: 'wrap', text: m.lastError ?? '' }),
      el(
        'td',
        {},
        m.status === 'FAILED' || m.status === 'DEAD'
          ? el('button', {
              type: 'button',
              text: t('retry'),
              onclick: async () => {
                try {
                  await call('POST', `/api/v1/outbox/${m.id}/retry`);
                  await state.router();
                  flash(t('retried'));
                } catch (err) {
                  flash(err.message, true);
                }
              },
            })
          : '',
      ),
    ),
  );
  setView(
    t('outbox'),
    bar,
    el(
      'section',
      { class: 'card' },
      rows.length
        ? table([t('at'), t('topic'), t('email'), t('status'), t('attempts'), t('lastError'), ''], rows, {
            id: 'outbox',
          })
        : el('p', { class: 'muted', text: t('empty') }),
      more(list.nextCursor, '/console/admin/outbox'),
    ),
  );
}

export async function auditView() {
  const q = new URLSearchParams(location.search);
  const fields = ['actor', 'appealId', 'action'];
  const inputs = Object.fromEntries(
    fields.map((f) => [
      f,
      el('input', { id: `a-${f}`, name: f, type: 'text', value: q.get(f) ?? '', maxlength: 100 }),
    ]),
  );
  const form = el(
    'form',
    { class: 'card row', id: 'audit-search', role: 'search' },
    fields.map((f) => el('label', { class: 'field', for: `a-${f}` }, t(f), inputs[f])),
    el('button', { type: 'submit', class: 'primary', text: t('search') }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const f of fields) if (inputs[f].value.trim()) p.set(f, inputs[f].value.trim());
    go(`/console/admin/audit${p.size ? `?${p}` : ''}`);
  });
  const p = new URLSearchParams({ limit: '50' });
  for (const f of [...fields, 'cursor']) if (q.get(f)) p.set(f, q.get(f));
  let list = { items: [], nextCursor: null };
  try {
    list = await call('GET', `/api/v1/audit?${p}`);
  } catch (err) {
    flash(err.message, true);
  }
  const L = i18n.lang;
  const rows = list.items.map((a) =>
    el(
      'tr',
      { 'data-id': a.id },
      el('td', { text: formatDate(a.at, L, true) }),
      el('td', { text: `${a.actor.type}${a.actor.label ? ` · ${a.actor.label}` : ''}` }),
      el('td', { text: a.action }),
      el('td', { text: a.target ? `${a.target.type} ${a.target.id ?? ''}` : '' }),
      el('td', { text: a.ip ?? '' }),
      el('td', { class: 'wrap' }, el('code', { text: a.data ? JSON.stringify(a.data).slice(0, 300) : '' })),
    ),
  );
  setView(
    t('audit'),
    form,
    el(
      'section',
      { class: 'card' },
      rows.length
        ? table([t('at'), t('actor'), t('action'), t('auditTarget'), t('ip'), t('details')], rows, {
            id: 'audit',
          })
        : el('p', { class: 'muted', text: t('empty') }),
      more(list.nextCursor, '/console/admin/audit'),
    ),
  );
}
