// The leads' reviewer figures (issue 19 point 5): the date range, a table per reviewer, two inline SVG
// charts (decisions per day stacked by reviewer, median handling time per reviewer) and the CSV link.
import { el, formatDate } from '../common.js';
import { barChart, call, go, i18n, link, setView, t, table } from './core.js';

const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#0b57d0', '#1e6b34', '#a4161a', '#7a4cc2', '#b06000', '#00707a', '#5f6368', '#c2185b'];

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A colour square of the legend (an SVG rect: the CSP allows no inline style). */
function swatch(color) {
  const s = svgEl('svg', { viewBox: '0 0 10 10', class: 'swatch', 'aria-hidden': 'true' });
  s.append(svgEl('rect', { width: 10, height: 10, rx: 2, fill: color }));
  return s;
}

/** Columns per day, each split by reviewer (the colours of the legend); an empty day has no column. */
export function perDayChart(title, items) {
  const days = items[0]?.decisionsPerDay.map((d) => d.date) ?? [];
  const totals = days.map((_, i) => items.reduce((s, r) => s + r.decisionsPerDay[i].count, 0));
  const max = Math.max(1, ...totals);
  const w = 640;
  const h = 220;
  const left = 28;
  const bottom = 34;
  const plotH = h - bottom - 10;
  const colW = (w - left) / Math.max(1, days.length);
  const svg = svgEl('svg', { viewBox: `0 0 ${w} ${h}`, class: 'chart wide', role: 'img' });
  const active = items.filter((r) => r.decisions > 0);
  svg.setAttribute(
    'aria-label',
    `${title}: ${active.map((r) => `${r.name} ${r.decisions}`).join(', ') || t('empty')}`,
  );
  svg.append(svgEl('line', { x1: left, y1: 10 + plotH, x2: w, y2: 10 + plotH, stroke: '#999' }));
  svg.append(svgEl('text', { x: 0, y: 20, 'font-size': 11 }, String(max)));
  svg.append(svgEl('text', { x: 0, y: 10 + plotH, 'font-size': 11 }, '0'));
  const every = Math.ceil(days.length / 10);
  days.forEach((date, i) => {
    const x = left + i * colW;
    let y = 10 + plotH;
    items.forEach((r, n) => {
      const c = r.decisionsPerDay[i].count;
      if (!c) return;
      const bh = (plotH * c) / max;
      y -= bh;
      const rect = svgEl('rect', {
        x: x + colW * 0.15,
        y,
        width: Math.max(1, colW * 0.7),
        height: bh,
        fill: COLORS[n % COLORS.length],
      });
      rect.append(svgEl('title', {}, `${date} · ${r.name}: ${c}`));
      svg.append(rect);
    });
    if (i % every === 0)
      svg.append(
        svgEl(
          'text',
          { x: x + colW / 2, y: h - 16, 'font-size': 11, 'text-anchor': 'middle' },
          date.slice(5),
        ),
      );
  });
  const legend = el(
    'ul',
    { class: 'legend' },
    items.map((r, n) => el('li', {}, swatch(COLORS[n % COLORS.length]), `${r.name} (${r.decisions})`)),
  );
  return el('figure', { class: 'card' }, el('figcaption', { class: 'strong', text: title }), svg, legend);
}

function pct(x) {
  return x === null || x === undefined ? t('none') : `${Math.round(x * 100)} %`;
}

function hours(x) {
  return x === null || x === undefined ? t('none') : x.toLocaleString(i18n.lang === 'zh' ? 'zh-CN' : 'en-GB');
}

export async function reviewersView() {
  const q = new URLSearchParams(location.search);
  const range = new URLSearchParams();
  for (const k of ['from', 'to']) if (q.get(k)) range.set(k, q.get(k));
  const data = await call('GET', `/api/v1/team/reviewers${range.size ? `?${range}` : ''}`);
  const from = el('input', { id: 'r-from', name: 'from', type: 'date', value: data.from, required: true });
  const to = el('input', { id: 'r-to', name: 'to', type: 'date', value: data.to, required: true });
  const form = el(
    'form',
    { class: 'card row', 'aria-label': t('rvRange') },
    el('label', { class: 'field', for: 'r-from' }, t('rvFrom'), from),
    el('label', { class: 'field', for: 'r-to' }, t('rvTo'), to),
    el('button', { type: 'submit', text: t('apply') }),
    el('a', {
      class: 'btn',
      id: 'csv',
      href: `/api/v1/team/reviewers.csv?from=${data.from}&to=${data.to}`,
      download: '',
      text: t('csv'),
    }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go(`/console/reviewers?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}`);
  });
  const items = data.items ?? [];
  const rows = items.map((r) =>
    el(
      'tr',
      { 'data-id': r.reviewerId },
      el('th', { scope: 'row', text: r.name }),
      el('td', { class: 'num', text: String(r.decisions) }),
      el('td', { class: 'num', text: hours(r.medianHandlingWorkingHours) }),
      el('td', { class: 'num', text: pct(r.withinTargetShare) }),
      el('td', { class: 'num', text: String(r.overturns) }),
      ...['0-1d', '1-3d', '3-5d', '5d+'].map((b) =>
        el('td', { class: 'num', text: String(r.openByAge?.[b] ?? 0) }),
      ),
    ),
  );
  const medianChart = barChart(
    t('rvMedianChart'),
    // only reviewers with a median (no handling time is not 0 h); colours as in the per-day legend
    items
      .map((r, n) => ({ r, color: COLORS[n % COLORS.length] }))
      .filter(({ r }) => r.medianHandlingWorkingHours !== null)
      .map(({ r, color }) => ({
        label: r.name.length > 24 ? `${r.name.slice(0, 23)}…` : r.name,
        value: r.medianHandlingWorkingHours,
        color,
      })),
  );
  setView(
    t('rvTitle'),
    el('p', {}, link('/console/leads', t('rvBack'))),
    form,
    el('p', {
      class: 'muted',
      text: t('rvExplain', {
        days: data.targetWorkingDays,
        tz: data.timezone,
        asOf: formatDate(data.asOf, i18n.lang, true),
      }),
    }),
    el(
      'section',
      { class: 'card', id: 'reviewer-figures' },
      el('h3', { text: t('rvTable', { from: data.from, to: data.to }) }),
      rows.length
        ? table(
            [
              t('rvReviewer'),
              t('rvDecisions'),
              t('rvMedian'),
              t('rvWithin', { days: data.targetWorkingDays }),
              t('rvOverturns'),
              t('rvOpen', { b: '0-1' }),
              t('rvOpen', { b: '1-3' }),
              t('rvOpen', { b: '3-5' }),
              t('rvOpen', { b: '5+' }),
            ],
            rows,
          )
        : el('p', { class: 'muted', text: t('empty') }),
    ),
    el('div', { class: 'grid2' }, perDayChart(t('rvPerDayChart'), items), medianChart),
  );
}
