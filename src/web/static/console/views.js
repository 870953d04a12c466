// Saved views on the queue (issue 19): which filters the queue shows (from the URL, a saved view or the
// user's default view), the bar of saved views with their counts, the "more filters" form and the form
// that saves the current filters as a view. The filters are GET /api/v1/cases query parameters (strings);
// a view stores exactly those (POST /api/v1/views).
import { el } from '../common.js';
import { call, flash, go, has, t } from './core.js';

/** The list route's filters the console carries in the URL and saves in views. */
export const FILTER_KEYS = [
  'status',
  'assignee',
  'overdue',
  'escalated',
  'needsLead',
  'currency',
  'amountMin',
  'amountMax',
  'flags',
];
const PRESETS = {
  all: {},
  mine: { assignee: 'me' },
  unassigned: { assignee: 'unassigned' },
  overdue: { overdue: 'true' },
};
const FLAGS = [
  'OVERRIDDEN',
  'DUPLICATE_OTHER_BUYER',
  'LAST4_MISMATCH_OCR',
  'LAST4_NOT_READ',
  'SENDER_UNVERIFIED',
];

function same(a, b) {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && String(a[k]) === String(b[k]));
}

/** The filters in a URL's query (known keys, non-empty values only). */
function urlFilters(params) {
  const out = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) out[k] = v;
  }
  return out;
}

/**
 * What the queue shows: `?view=<id>` is that view's filters; `?f=mine` etc. a preset (plus any filters in
 * the URL); filters alone as they are; a URL without any of these opens the user's default view.
 * Returns { views, viewId (the view shown, or null), preset (the preset button pressed, or null), filters }.
 */
export async function queueFilters() {
  const params = new URLSearchParams(location.search);
  const views = await call('GET', '/api/v1/views').catch(() => ({ items: [], defaultViewId: null }));
  const byId = (id) => views.items.find((v) => v.id === id);
  const wanted = params.get('view');
  const f = params.get('f');
  let view = wanted ? byId(wanted) : null;
  let filters;
  if (view) filters = { ...view.filters };
  else {
    filters = { ...(PRESETS[f] ?? {}), ...urlFilters(params) };
    if (!f && !wanted && !Object.keys(filters).length && views.defaultViewId) {
      view = byId(views.defaultViewId) ?? null;
      if (view) filters = { ...view.filters };
    }
  }
  // a preset button is pressed when the filters are exactly that preset
  const preset = view ? null : (Object.keys(PRESETS).find((p) => same(PRESETS[p], filters)) ?? null);
  return { views, viewId: view?.id ?? null, preset, filters };
}

/** The query string for GET /api/v1/cases (the queue's open statuses unless the filters name some). */
export function casesQuery(filters) {
  const q = new URLSearchParams({ limit: '100', status: 'SUBMITTED,IN_REVIEW' });
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  return q.toString();
}

function queueUrl(filters) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  // an empty filter set is "all open", not "open my default view"
  return q.size ? `/console?${q}` : '/console?f=all';
}

/** The buttons of the saved views (name and count), a delete button for the user's own. */
export function viewBar({ views, viewId }) {
  if (!views.items.length) return el('p', { class: 'muted views-none', text: t('viewsNone') });
  return el(
    'div',
    { class: 'row views-bar', role: 'group', 'aria-label': t('savedViews') },
    el('span', { class: 'muted views-label', 'aria-hidden': 'true', text: `${t('savedViews')}:` }),
    views.items.map((v) =>
      el(
        'span',
        { class: 'view-chip', 'data-view': v.id },
        el(
          'button',
          {
            type: 'button',
            class: 'view-open',
            'aria-pressed': String(v.id === viewId),
            title: v.mine ? null : t('viewSharedBy', { name: v.owner.name }),
            onclick: () => go(`/console?view=${v.id}`),
          },
          v.name,
          el('span', { class: 'view-count', text: ` ${v.count ?? '?'}` }),
          v.isDefault && v.mine ? el('span', { class: 'view-meta', text: ` · ${t('viewDefault')}` }) : null,
          v.shared
            ? el('span', { class: 'view-meta', text: ` · ${v.mine ? t('viewShared') : v.owner.name}` })
            : null,
        ),
        v.mine
          ? el('button', {
              type: 'button',
              class: 'view-delete',
              'aria-label': t('viewDelete', { name: v.name }),
              text: '×',
              onclick: async () => {
                if (!confirm(t('viewDeleteConfirm', { name: v.name }))) return;
                try {
                  await call('DELETE', `/api/v1/views/${v.id}`);
                  flash(t('viewDeleted'));
                  await go(v.id === viewId ? '/console?f=all' : location.pathname + location.search, true);
                } catch (e) {
                  flash(e.message, true);
                }
              },
            })
          : null,
      ),
    ),
  );
}

function field(label, input) {
  return el('label', { class: 'view-field' }, `${label} `, input);
}

/** "More filters": status, escalated, needs lead, currency, amount range (minor units), flags. */
export function filterForm(filters) {
  const yesNo = (name) =>
    el(
      'select',
      { name },
      el('option', { value: '', text: t('any') }),
      el('option', { value: 'true', text: t('yes'), selected: filters[name] === 'true' }),
      el('option', { value: 'false', text: t('no'), selected: filters[name] === 'false' }),
    );
  const status = el(
    'select',
    { name: 'status' },
    el('option', { value: '', text: t('statusOpen') }),
    ['SUBMITTED', 'IN_REVIEW'].map((s) =>
      el('option', { value: s, text: s, selected: filters.status === s }),
    ),
  );
  const chosenFlags = new Set((filters.flags ?? '').split(',').filter(Boolean));
  const flagBoxes = FLAGS.map((f) =>
    el(
      'label',
      { class: 'view-flag' },
      el('input', { type: 'checkbox', value: f, checked: chosenFlags.has(f) }),
      ` ${f}`,
    ),
  );
  const text = (name, attrs) => el('input', { name, value: filters[name] ?? '', ...attrs });
  const form = el(
    'form',
    {
      class: 'filter-form',
      onsubmit: (e) => {
        e.preventDefault();
        const next = {};
        // what the form does not show (assignee, overdue) is kept
        for (const k of ['assignee', 'overdue']) if (filters[k]) next[k] = filters[k];
        for (const n of form.querySelectorAll('select, input[name]'))
          if (n.value.trim()) next[n.name] = n.value.trim();
        const flags = flagBoxes.map((l) => l.querySelector('input')).filter((b) => b.checked);
        if (flags.length) next.flags = flags.map((b) => b.value).join(',');
        if (next.currency) next.currency = next.currency.toUpperCase();
        go(queueUrl(next));
      },
    },
    el(
      'div',
      { class: 'row' },
      field(t('status'), status),
      field(t('escalated'), yesNo('escalated')),
      field(t('needsLeadFilter'), yesNo('needsLead')),
      field(
        t('currency'),
        text('currency', { size: 4, maxlength: 3, pattern: '[A-Za-z]{3}', autocomplete: 'off' }),
      ),
      field(t('amountMin'), text('amountMin', { inputmode: 'numeric', pattern: '\\d*', size: 8 })),
      field(t('amountMax'), text('amountMax', { inputmode: 'numeric', pattern: '\\d*', size: 8 })),
    ),
    el('fieldset', { class: 'row view-flags' }, el('legend', { text: t('flagsFilter') }), flagBoxes),
    el('button', { type: 'submit', class: 'filter-apply', text: t('applyFilters') }),
  );
  const open = FILTER_KEYS.some((k) => !['assignee', 'overdue'].includes(k) && filters[k]);
  return el('details', { class: 'more-filters', open }, el('summary', { text: t('moreFilters') }), form);
}

/** "Save current filters as view": name, shared (leads), default. */
export function saveViewForm(filters) {
  const name = el('input', { name: 'name', required: true, maxlength: 60, class: 'view-name' });
  const shared = el('input', { type: 'checkbox', name: 'shared', class: 'view-shared' });
  const isDefault = el('input', { type: 'checkbox', name: 'isDefault', class: 'view-is-default' });
  const form = el(
    'form',
    {
      class: 'row save-view',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const v = await call('POST', '/api/v1/views', {
            name: name.value.trim(),
            filters,
            shared: shared.checked,
            isDefault: isDefault.checked,
          });
          flash(t('viewSaved', { name: v.name }));
          await go(`/console?view=${v.id}`);
        } catch (err) {
          flash(err.message, true);
        }
      },
    },
    field(t('viewName'), name),
    has('LEAD') ? el('label', {}, shared, ` ${t('viewShareTeam')}`) : null,
    el('label', {}, isDefault, ` ${t('viewMakeDefault')}`),
    el('button', { type: 'submit', class: 'view-save', text: t('viewSave') }),
  );
  return el('details', { class: 'save-view-box' }, el('summary', { text: t('viewSaveCurrent') }), form);
}
