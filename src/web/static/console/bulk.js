// Bulk actions of leads (issue 19): a checkbox per case row (caseTable's `select`), and a bar with
// select-all, "assign to <reviewer>", "return to pool" and "escalate" that calls POST /api/v1/cases/bulk.
// The outcome (how many succeeded, which failed and why) is kept across the redraw that follows and shown
// in the bar of the same name.
import { el } from '../common.js';
import { call, flash, state, t } from './core.js';

// the last outcome per bar, shown once after the view redraws
const outcomes = new Map();

/** The row checkbox of a case (first column of a selectable case table). */
export function pickBox(c) {
  return el('input', {
    type: 'checkbox',
    class: 'pick',
    value: c.id,
    'data-assigned': c.assignee ? 'true' : 'false',
    'aria-label': t('selectCase', { order: c.orderId }),
  });
}

function outcomeNode(o) {
  if (!o) return null;
  return el(
    'div',
    { class: `bulk-outcome notice ${o.failed.length ? 'warn' : 'verdict ok'}` },
    el('p', { class: 'strong', text: t('bulkDone', { ok: o.succeeded.length, failed: o.failed.length }) }),
    o.failed.length
      ? el(
          'ul',
          { class: 'bulk-failed' },
          o.failed.map((f) => el('li', { 'data-id': f.caseId, text: `${f.orderId}: ${f.error.message}` })),
        )
      : null,
  );
}

/**
 * The bar for the case table that `scope` (a section) holds. `items` are the cases shown (for the order
 * numbers of failures), `reviewers` the active reviewers and leads for the assign select.
 */
export function bulkBar(name, scope, items, reviewers) {
  const orderOf = new Map(items.map((c) => [c.id, c.orderId]));
  const boxes = () => [...scope.querySelectorAll('input.pick')];
  const picked = () => boxes().filter((b) => b.checked);
  const count = el('span', { class: 'muted bulk-count', 'aria-live': 'polite' });
  const all = el('input', { type: 'checkbox', class: 'pick-all' });
  const who = el(
    'select',
    { class: 'bulk-assignee', 'aria-label': t('assignTo') },
    el('option', { value: '', text: t('chooseReviewer') }),
    reviewers.map((r) => el('option', { value: r.id, text: `${r.name} (${r.openCases})` })),
  );
  const result = el('div', { role: 'status' }, outcomeNode(outcomes.get(name)));
  outcomes.delete(name);

  const run = async (requests) => {
    const sum = { succeeded: [], failed: [] };
    try {
      for (const body of requests) {
        if (!body.caseIds.length) continue;
        const out = await call('POST', '/api/v1/cases/bulk', body);
        sum.succeeded.push(...out.succeeded);
        sum.failed.push(...out.failed.map((f) => ({ ...f, orderId: orderOf.get(f.caseId) ?? f.caseId })));
      }
    } catch (e) {
      flash(e.message, true);
      return;
    }
    outcomes.set(name, sum);
    flash('');
    await state.router();
  };
  const ids = (list) => list.map((b) => b.value);
  const assign = el('button', {
    type: 'button',
    class: 'primary bulk-assign',
    text: t('assign'),
    onclick: () => {
      if (!who.value) {
        flash(t('chooseReviewerFirst'), true);
        who.focus();
        return;
      }
      const sel = picked();
      // the view knows who holds each case: pool cases are assigned, held ones reassigned (the server
      // refuses either if someone changed the case meanwhile)
      run([
        {
          action: 'assign',
          assigneeId: who.value,
          caseIds: ids(sel.filter((b) => b.dataset.assigned !== 'true')),
        },
        {
          action: 'reassign',
          assigneeId: who.value,
          caseIds: ids(sel.filter((b) => b.dataset.assigned === 'true')),
        },
      ]);
    },
  });
  const toPool = el('button', {
    type: 'button',
    class: 'bulk-pool',
    text: t('returnToPool'),
    onclick: () => run([{ action: 'return-to-pool', caseIds: ids(picked()) }]),
  });
  const escalate = el('button', {
    type: 'button',
    class: 'bulk-escalate',
    text: t('escalate'),
    onclick: () => run([{ action: 'escalate', caseIds: ids(picked()) }]),
  });
  const refresh = () => {
    const n = picked().length;
    const total = boxes().length;
    count.textContent = t('selectedN', { n });
    all.checked = total > 0 && n === total;
    all.indeterminate = n > 0 && n < total;
    for (const b of [assign, toPool, escalate]) b.disabled = n === 0;
  };
  all.addEventListener('change', () => {
    for (const b of boxes()) b.checked = all.checked;
    refresh();
  });
  scope.addEventListener('change', (e) => {
    if (e.target.classList?.contains('pick')) refresh();
  });
  // the table is added to the scope after the bar is made
  queueMicrotask(refresh);
  const bar = el(
    'div',
    { class: 'bulk-bar', 'data-bulk': name, role: 'group', 'aria-label': t('bulkActions') },
    el('label', { class: 'pick-all-label' }, all, ` ${t('selectAll')}`),
    count,
    el('span', { class: 'row' }, who, assign),
    toPool,
    escalate,
  );
  return el('div', {}, bar, result);
}

/** A section with a heading, the bulk bar and `table` (a case table drawn with `select: true`). */
export function bulkSection(name, title, items, reviewers, table) {
  const section = el('section', { class: 'card', id: `bulk-${name}` }, el('h3', { text: title }));
  if (items.length) section.append(bulkBar(name, section, items, reviewers));
  section.append(table);
  return section;
}
