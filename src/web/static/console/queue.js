// The review queue (open cases in due order, with filters and j/k keyboard navigation) and the case
// table the leads' page reuses.
import { $, el, formatMoney } from '../common.js';
import { bulkSection, pickBox } from './bulk.js';
import { call, cardText, flash, go, has, i18n, link, setView, slaCell, state, t, table } from './core.js';
import { rememberQueueOrder } from './shortcuts.js';
import { casesQuery, filterForm, queueFilters, saveViewForm, viewBar } from './views.js';

/** The case table; `select` adds a checkbox per row for the bulk bar (bulk.js), `onAssign` a control. */
export function caseTable(items, { onAssign, reviewers, select } = {}) {
  if (!items.length) return el('p', { class: 'muted', text: t('empty') });
  const rows = items.map((c) => {
    const s = slaCell(c);
    return el(
      'tr',
      { 'data-id': c.id },
      select ? el('td', { class: 'pick-cell' }, pickBox(c)) : null,
      el('td', {}, link(`/console/cases/${c.id}`, c.orderId)),
      el('td', { text: formatMoney(c.amount, i18n.lang) }),
      el('td', { text: cardText(c.card) }),
      el('td', { text: c.status }),
      el('td', { text: c.assignee?.name ?? t('none') }),
      el('td', { class: s.cls, text: s.text + (c.escalated ? ` · ${t('escalated')}` : '') }),
      onAssign ? el('td', {}, assignControl(c, reviewers, onAssign)) : null,
    );
  });
  return table(
    [
      select ? t('select') : null,
      t('order'),
      t('amount'),
      t('card'),
      t('status'),
      t('assignee'),
      t('due'),
      onAssign ? t('assign') : null,
    ],
    rows,
  );
}

export function assignControl(c, reviewers, onDone) {
  const sel = el(
    'select',
    { 'aria-label': `${t('assignTo')} ${c.orderId ?? c.order?.orderId ?? ''}` },
    el('option', { value: '', text: t('unassigned') }),
    reviewers.map((r) =>
      el('option', { value: r.id, text: `${r.name} (${r.openCases})`, selected: c.assignee?.id === r.id }),
    ),
  );
  const btn = el('button', {
    type: 'button',
    text: t('assign'),
    onclick: async () => {
      try {
        await call('POST', `/api/v1/cases/${c.id}/assign`, { reviewerId: sel.value || null });
        flash(t('assigned'));
        onDone();
      } catch (e) {
        flash(e.message, true);
      }
    },
  });
  return el('div', { class: 'row' }, sel, btn);
}

/** Who a case can go to: active reviewers and leads (the server also refuses those on leave). */
export function activeAssignees(staff) {
  return (staff.items ?? []).filter(
    (u) => u.active && (u.roles.includes('REVIEWER') || u.roles.includes('LEAD')),
  );
}

export async function queueView() {
  // the URL's filters, a saved view or the user's default view (views.js)
  const chosen = await queueFilters();
  const lead = has('LEAD');
  const [data, staff] = await Promise.all([
    call('GET', `/api/v1/cases?${casesQuery(chosen.filters)}`),
    lead ? call('GET', '/api/v1/staff?limit=100').catch(() => ({ items: [] })) : { items: [] },
  ]);
  const bar = el(
    'div',
    { class: 'row', role: 'group', 'aria-label': t('filters') },
    ['all', 'mine', 'unassigned', 'overdue'].map((f) =>
      el('button', {
        type: 'button',
        'aria-pressed': String(f === chosen.preset),
        text: t(f),
        onclick: () => go(`/console?f=${f}`),
      }),
    ),
  );
  setView(
    t('queue'),
    bar,
    viewBar(chosen),
    filterForm(chosen.filters),
    saveViewForm(chosen.filters),
    el('p', { class: 'muted', text: t('keys') }),
    // leads select cases for the bulk bar; reviewers get the plain table
    lead
      ? bulkSection(
          'queue',
          t('queueCases'),
          data.items,
          activeAssignees(staff),
          caseTable(data.items, { select: true }),
        )
      : el('div', { class: 'card' }, caseTable(data.items)),
  );
  rememberQueueOrder((data.items ?? []).map((x) => x.id));
  // keyboard navigation over the rows: j/k or arrows move, Enter opens
  const rows = [...$('#view').querySelectorAll('tbody tr')];
  let i = rows.length ? 0 : -1;
  const mark = () =>
    rows.forEach((r, n) => {
      r.classList.toggle('sel', n === i);
      if (n === i) r.setAttribute('aria-selected', 'true');
      else r.removeAttribute('aria-selected');
    });
  mark();
  const onKey = (e) => {
    if (!rows.length || /INPUT|TEXTAREA|SELECT/.test(document.activeElement?.tagName ?? '')) return;
    if (e.key === 'j' || e.key === 'ArrowDown') i = Math.min(rows.length - 1, i + 1);
    else if (e.key === 'k' || e.key === 'ArrowUp') i = Math.max(0, i - 1);
    else if (
      e.key === 'Enter' &&
      document.activeElement?.tagName !== 'A' &&
      document.activeElement?.tagName !== 'BUTTON'
    )
      return go(`/console/cases/${rows[i].dataset.id}`);
    else return;
    e.preventDefault();
    mark();
    rows[i].querySelector('a').focus();
  };
  document.addEventListener('keydown', onKey);
  state.cleanup = () => document.removeEventListener('keydown', onKey);
}
