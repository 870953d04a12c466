// Quality review (issue 19.4): the open samples the user may review (never their own first decisions),
// the blind review of one (order facts, documents through viewer.js, the history before the first
// decision; never the first decision itself) with approve/reject and reasons, and for leads the agreement
// per first reviewer and the overturns per reason code.
import { el, formatDate } from '../common.js';
import { call, facts, flash, go, has, i18n, link, orderFactRows, setView, t, table } from './core.js';
import { docFigure } from './viewer.js';

const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 1000) / 10}%`);

async function summarySection(range) {
  const q = new URLSearchParams(Object.entries(range).filter(([, v]) => v));
  const s = await call('GET', `/api/v1/qa/summary${q.size ? `?${q}` : ''}`);
  const from = el('input', { type: 'date', id: 'qa-from', value: range.from ?? '' });
  const to = el('input', { type: 'date', id: 'qa-to', value: range.to ?? '' });
  const form = el(
    'form',
    { class: 'row', 'aria-label': t('qaRange') },
    el('label', { for: 'qa-from' }, `${t('qaFrom')} `, from),
    el('label', { for: 'qa-to' }, `${t('qaTo')} `, to),
    el('button', { type: 'submit', text: t('qaShow') }),
  );
  const box = el('section', { class: 'card', id: 'qa-summary', 'aria-labelledby': 'h-qa-summary' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      box.replaceWith(await summarySection({ from: from.value || null, to: to.value || null }));
    } catch (err) {
      flash(err.message, true);
    }
  });
  const reviewers = (s.reviewers ?? []).map((r) =>
    el(
      'tr',
      {},
      el('td', { text: r.name }),
      el('td', { text: String(r.samples) }),
      el('td', { text: String(r.agreed) }),
      el('td', { text: String(r.overturned) }),
      el('td', { text: pct(r.agreementRate) }),
    ),
  );
  const reasons = (s.reasonCodes ?? []).map((r) =>
    el(
      'tr',
      {},
      el('td', { text: r.code ?? t('qaNoReason') }),
      el('td', { text: String(r.samples) }),
      el('td', { text: String(r.overturned) }),
      el('td', { text: pct(r.overturnRate) }),
    ),
  );
  box.replaceChildren(
    el('h3', { id: 'h-qa-summary', text: t('qaSummary') }),
    form,
    el('p', { class: 'muted', text: t('qaOverturnMeans', { open: s.open ?? 0 }) }),
    el('h4', { text: t('qaPerReviewer') }),
    reviewers.length
      ? table(
          [t('qaReviewer'), t('qaSamples'), t('qaAgreed'), t('qaOverturned'), t('qaAgreementRate')],
          reviewers,
          {
            id: 'qa-reviewers',
          },
        )
      : el('p', { class: 'muted', text: t('empty') }),
    el('h4', { text: t('qaPerReason') }),
    reasons.length
      ? table([t('qaReason'), t('qaSamples'), t('qaOverturned'), t('qaOverturnRate')], reasons, {
          id: 'qa-reasons',
        })
      : el('p', { class: 'muted', text: t('empty') }),
  );
  return box;
}

export async function qaListView() {
  const list = await call('GET', '/api/v1/qa/reviews?state=OPEN');
  const L = i18n.lang;
  const rows = (list.items ?? []).map((x) =>
    el(
      'tr',
      { 'data-id': x.id },
      el('td', {}, link(`/console/qa/${x.id}`, x.orderId)),
      el('td', { text: formatDate(x.sampledAt, L, true) }),
    ),
  );
  setView(
    t('qaTitle'),
    el('p', { class: 'muted', text: t('qaIntro') }),
    el(
      'section',
      { class: 'card', id: 'qa-open', 'aria-labelledby': 'h-qa-open' },
      el('h3', { id: 'h-qa-open', text: t('qaOpen', { n: rows.length }) }),
      rows.length
        ? table([t('order'), t('qaSampledAt')], rows)
        : el('p', { class: 'muted', text: t('empty') }),
    ),
    has('LEAD') ? await summarySection({}) : null,
  );
}

export async function qaReviewView(id) {
  const [c, reasons] = await Promise.all([
    call('GET', `/api/v1/qa/reviews/${id}`),
    call('GET', '/api/v1/reason-codes').catch(() => ({ items: [] })),
  ]);
  const L = i18n.lang;
  const o = c.order ?? {};
  const docs = [];
  for (const sl of c.slots ?? [])
    for (const d of sl.documents ?? (sl.document ? [sl.document] : [])) docs.push({ slot: sl.slot, d });
  const imageBase = `/api/v1/qa/reviews/${id}/documents`;
  const done = c.state === 'DONE';
  setView(
    t('qaReviewTitle', { order: c.orderId }),
    el('p', {}, link('/console/qa', t('qaBack'))),
    el('p', { class: 'notice', id: 'qa-blind', text: t('qaBlindNote') }),
    el(
      'section',
      { class: 'card', 'aria-label': t('facts') },
      el('h3', { text: t('facts') }),
      facts([...orderFactRows(o, L), [t('submitted'), formatDate(c.submittedAt, L, true)]]),
    ),
    el(
      'section',
      { 'aria-label': t('documents') },
      el('h3', { text: t('documents') }),
      el(
        'div',
        { class: 'docs' },
        docs.map((x) => docFigure(c.caseId, x.slot, x.d, { imageBase })),
      ),
    ),
    done ? el('p', { class: 'notice', text: t('qaAlreadyDone') }) : qaForm(id, reasons.items ?? []),
    el(
      'section',
      { class: 'card', id: 'history' },
      el('h3', { text: t('qaHistoryBefore') }),
      el(
        'ol',
        { class: 'history' },
        (c.history ?? []).map((h) =>
          el(
            'li',
            {},
            `${formatDate(h.at, L, true)} · ${h.actorType} · ${h.action}${h.from ? ` ${h.from} → ${h.to}` : ''}`,
          ),
        ),
      ),
    ),
  );
}

function qaForm(id, reasons) {
  const choice = el(
    'fieldset',
    {},
    el('legend', { text: t('qaYourDecision') }),
    ['APPROVED', 'REJECTED'].map((v) =>
      el(
        'label',
        {},
        el('input', { type: 'radio', name: 'qa-outcome', value: v, required: true }),
        ` ${t(`qa_${v}`)}`,
      ),
    ),
  );
  const reasonBox = el(
    'fieldset',
    { hidden: true, id: 'qa-reasons-box' },
    el('legend', { text: t('reasons') }),
    reasons
      .filter((r) => r.kind === 'FINAL')
      .map((r) =>
        el(
          'label',
          { title: r.internalText },
          el('input', { type: 'checkbox', name: 'qa-reason', value: r.code }),
          ` ${r.code}: ${r.internalText}`,
        ),
      ),
  );
  const submit = el('button', { type: 'submit', class: 'primary', text: t('qaRecord') });
  const form = el(
    'form',
    { class: 'card', id: 'qa-form', 'aria-labelledby': 'h-qa-form' },
    el('h3', { id: 'h-qa-form', text: t('qaYourDecision') }),
    choice,
    reasonBox,
    el('p', {}, submit),
  );
  const outcome = () => form.querySelector('input[name=qa-outcome]:checked')?.value;
  form.addEventListener('change', () => {
    reasonBox.hidden = outcome() !== 'REJECTED';
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = outcome();
    const body = {
      outcome: v,
      reasonCodes:
        v === 'REJECTED' ? [...reasonBox.querySelectorAll('input:checked')].map((i) => i.value) : [],
    };
    try {
      const out = await call('POST', `/api/v1/qa/reviews/${id}/decision`, body);
      await go('/console/qa');
      flash(out.agreed ? t('qaRecordedAgreed') : t('qaRecordedDiffers'));
    } catch (err) {
      flash(err.message, true);
    }
  });
  return form;
}
