// The leads' page: team SLA of decided cases (each case in exactly one bar), open figures, the approvals
// waiting for a second lead (list and count), the unassigned pool and the escalations (both with the bulk
// bar of bulk.js).
import { el, formatDate, formatMoney } from '../common.js';
import { barChart, call, i18n, link, setView, state, t, table } from './core.js';
import { bulkSection } from './bulk.js';
import { activeAssignees, caseTable } from './queue.js';

export async function leadsView() {
  const [sla, pool, esc, staff, second] = await Promise.all([
    call('GET', '/api/v1/team/sla'),
    call('GET', '/api/v1/cases?limit=100&assignee=unassigned&status=SUBMITTED,IN_REVIEW'),
    call('GET', '/api/v1/cases?limit=100&escalated=true'),
    call('GET', '/api/v1/staff?limit=100').catch(() => ({ items: [] })),
    call('GET', '/api/v1/team/second-approvals'),
  ]);
  const reviewers = activeAssignees(staff);
  const d = sla.decided ?? {};
  // withinDeadline includes the cases within target: the middle bar shows only those after the target
  const within = d.withinTarget ?? 0;
  const chart = barChart(t('teamSla'), [
    { label: t('withinTarget'), value: within, color: '#1e6b34' },
    { label: t('afterTarget'), value: Math.max(0, (d.withinDeadline ?? 0) - within), color: '#0b57d0' },
    { label: t('breachedBar'), value: d.breached ?? 0, color: '#a4161a' },
  ]);
  const again = () => state.router();
  const L = i18n.lang;
  const secondRows = (second.items ?? []).map((x) =>
    el(
      'tr',
      { 'data-id': x.caseId },
      el('td', {}, link(`/console/cases/${x.caseId}`, x.orderId)),
      el('td', { text: formatMoney(x.amount, L) }),
      el('td', { text: x.firstApprover?.name ?? '' }),
      el('td', { text: formatDate(x.since, L, true) }),
    ),
  );
  setView(
    t('leads'),
    el('p', {}, link('/console/reviewers', t('rvLink'))),
    el(
      'div',
      { class: 'grid2' },
      chart,
      el('div', { class: 'card' }, el('p', { text: t('openNow', sla.open ?? {}) })),
    ),
    el(
      'section',
      { class: 'card', id: 'second-approvals' },
      el('h3', { text: t('secondApprovals', { n: second.count ?? 0 }) }),
      secondRows.length
        ? table([t('order'), t('amount'), t('firstApprover'), t('since')], secondRows)
        : el('p', { class: 'muted', text: t('empty') }),
    ),
    bulkSection(
      'pool',
      t('pool'),
      pool.items,
      reviewers,
      caseTable(pool.items, { onAssign: again, reviewers, select: true }),
    ),
    bulkSection(
      'escalations',
      t('escalations'),
      esc.items,
      reviewers,
      caseTable(esc.items, { onAssign: again, reviewers, select: true }),
    ),
  );
}
