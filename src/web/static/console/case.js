// One case: facts, SLA (paused while waiting for the buyer), the second-approval banner, the documents
// (viewer.js) with a side-by-side panel, the decision form (a rejection asks for confirmation: it cancels
// the order) and, for leads, assignment. History last.
import { el, formatDate, formatMoney, pickLang } from '../common.js';
import { docFigure } from './viewer.js';
import { evidencePackControl } from './evidence.js';
import { assignControl } from './queue.js';
import { caseShortcuts } from './shortcuts.js';
import { call, facts, flash, has, i18n, link, orderFactRows, setView, slaCell, state, t } from './core.js';

export async function caseView(id) {
  const [c, reasons] = await Promise.all([
    call('GET', `/api/v1/cases/${id}`),
    call('GET', '/api/v1/reason-codes').catch(() => ({ items: [] })),
  ]);
  const L = i18n.lang;
  const o = c.order ?? {};
  const s = slaCell(c);
  const all = [];
  for (const sl of c.slots ?? []) {
    const list = sl.documents ?? (sl.document ? [sl.document] : []);
    for (const d of list) all.push({ slot: sl.slot, d });
  }
  // side by side: up to two documents, chosen with each document's "Side by side" button
  const compared = [];
  const comparePanel = el('section', {
    class: 'card compare',
    'aria-label': t('compareTitle'),
    hidden: true,
  });
  const docsBox = el('div', { class: 'docs' });
  const renderDocs = () => {
    const on = (x) => compared.some((k) => k.d.id === x.d.id);
    docsBox.replaceChildren(
      ...all.map((x) => docFigure(id, x.slot, x.d, { onCompare: toggle, comparing: on(x) })),
    );
    comparePanel.hidden = compared.length === 0;
    comparePanel.replaceChildren(
      el('h3', { text: t('compareTitle') }),
      // replaceChildren() would print a null as "null"
      el('p', { class: 'muted', hidden: compared.length >= 2, text: t('compareHint') }),
      el(
        'div',
        { class: 'side-by-side' },
        compared.map((x) => docFigure(id, x.slot, x.d, { onCompare: toggle, comparing: true })),
      ),
    );
  };
  const toggle = (_slot, d) => {
    const i = compared.findIndex((k) => k.d.id === d.id);
    if (i >= 0) compared.splice(i, 1);
    else {
      if (compared.length >= 2) compared.shift();
      compared.push(all.find((x) => x.d.id === d.id));
    }
    renderDocs();
    comparePanel.scrollIntoView?.({ block: 'nearest' });
  };
  renderDocs();

  const waiting = c.secondApproval?.state === 'WAITING' ? c.secondApproval : null;
  const banner = waiting
    ? el(
        'p',
        { class: 'notice warn banner', id: 'second-approval', role: 'status' },
        waiting.firstApprover?.id === state.user?.id
          ? t('waitingSecondMine')
          : t('waitingSecondBanner', {
              who: waiting.firstApprover?.name ?? '?',
              since: formatDate(waiting.since, L, true),
            }),
      )
    : null;
  const summary = el(
    'div',
    { class: 'grid2' },
    el(
      'section',
      { class: 'card', 'aria-label': t('facts') },
      el('h3', { text: t('facts') }),
      facts([
        ...orderFactRows(o, L),
        [t('status'), waiting ? `${c.status} · ${t('waitingSecond')}` : c.status],
        [t('assignee'), c.assignee?.name],
      ]),
    ),
    el(
      'section',
      { class: 'card', id: 'sla-box', 'aria-label': t('sla') },
      el('h3', { text: t('sla') }),
      facts([
        [t('submitted'), formatDate(c.submittedAt, L, true)],
        [t('target'), formatDate(c.targetAt, L, true)],
        [t('warn'), formatDate(c.warnAt, L, true)],
        [t('breach'), formatDate(c.breachAt, L, true)],
        [t('escalated'), c.escalated ? t('yes') : t('no')],
      ]),
      el('p', { class: `sla-line ${s.cls}`, text: s.text }),
    ),
  );
  const history = el(
    'section',
    { class: 'card', id: 'history' },
    el('h3', { text: t('history') }),
    el(
      'ol',
      { class: 'history' },
      (c.history ?? []).map((h) =>
        el(
          'li',
          {},
          `${formatDate(h.at, L, true)} · ${h.actorType} · ${h.action}${h.from ? ` ${h.from} → ${h.to}` : ''}${h.reason ? ` · ${h.reason}` : ''}`,
          h.action === 'EMAIL_RECEIVED' ? mailSummary(h.data ?? {}) : null,
        ),
      ),
    ),
  );
  const parts = [
    el('p', {}, link('/console', t('back'))),
    banner,
    summary,
    comparePanel,
    el('section', { 'aria-label': t('documents') }, el('h3', { text: t('documents') }), docsBox),
  ];
  const canDecide =
    (c.status === 'IN_REVIEW' || c.status === 'SUBMITTED') &&
    (!waiting || (has('LEAD') && waiting.firstApprover?.id !== state.user?.id));
  const form = canDecide ? decisionForm(c, reasons.items ?? []) : null;
  if (form) parts.push(form);
  const sc = caseShortcuts(c.id, { form, docs: docsBox });
  parts.splice(1, 0, el('p', { class: 'row' }, sc.button), sc.panel);
  parts.push(evidencePackControl(c));
  if (has('LEAD')) {
    const staff = await call('GET', '/api/v1/staff?limit=100').catch(() => ({ items: [] }));
    const reviewers = (staff.items ?? []).filter(
      (u) => u.active && (u.roles.includes('REVIEWER') || u.roles.includes('LEAD')),
    );
    parts.push(
      el(
        'section',
        { class: 'card' },
        el('h3', { text: t('assign') }),
        assignControl(c, reviewers, () => state.router()),
      ),
    );
  }
  parts.push(history);
  setView(`${t('order')} ${o.orderId ?? c.orderId}`, ...parts.filter(Boolean));
  state.cleanup = sc.cleanup;
}

/** One mail in the history: how it was matched, its sender check (DMARC/SPF/DKIM) and each file's verdict. */
function mailSummary(m) {
  const a = m.auth ?? {};
  const dkim = Array.isArray(a.dkim) ? a.dkim.join(', ') || 'none' : a.dkim;
  const auth = [`DMARC ${a.dmarc ?? '?'}`, `SPF ${a.spf ?? '?'}`, `DKIM ${dkim ?? '?'}`].join(', ');
  const verdict = (f) => {
    const key = `out_${f.outcome}`;
    const text = t(key, { slot: f.slot ?? '' });
    return `${f.filename}: ${text === key ? f.outcome : text}${f.code ? ` (${f.code})` : ''}`;
  };
  return el(
    'span',
    { class: 'mail-summary', 'data-mail': m.inboundMailId ?? '' },
    `${t('hMail', { by: m.matchedBy ?? '?', check: m.senderCheck ?? '?' })} (${auth}) · ${t(m.answered ? 'hAnswered' : 'hNotAnswered')}`,
    el(
      'ul',
      {},
      (m.files ?? []).map((f) => el('li', { text: verdict(f) })),
    ),
  );
}

function decisionForm(c, reasons) {
  const lang = pickLang(c.order?.buyerLocale);
  const kinds = { REQUEST_MORE_INFO: 'RETRY', REJECT: 'FINAL' };
  const choice = el(
    'fieldset',
    {},
    el('legend', { text: t('decision') }),
    ['APPROVE', 'REQUEST_MORE_INFO', 'REJECT'].map((d) =>
      el('label', {}, el('input', { type: 'radio', name: 'decision', value: d }), ` ${t(d)}`),
    ),
  );
  const reasonBox = el('fieldset', { hidden: true }, el('legend', { text: t('reasons') }));
  // the slots offered are the case's required ones, as the server lists them
  const slotBox = el(
    'fieldset',
    { hidden: true },
    el('legend', { text: t('slots') }),
    (c.slots ?? [])
      .filter((x) => x.required)
      .map((x) =>
        el('label', {}, el('input', { type: 'checkbox', name: 'slot', value: x.slot }), ` ${x.slot}`),
      ),
  );
  const msg = el('textarea', { id: 'buyerMessage', rows: 3, maxlength: 4000 });
  const note = el('textarea', { id: 'internalNote', rows: 2, maxlength: 4000 });
  const preview = el('div', { class: 'preview-box', id: 'buyer-preview', 'aria-live': 'polite' });
  const confirmBox = el('div', {
    class: 'notice warn',
    id: 'reject-confirm',
    role: 'alertdialog',
    hidden: true,
  });
  const submit = el('button', { type: 'submit', class: 'primary', text: t('send') });
  const form = el(
    'form',
    { class: 'card', 'aria-labelledby': 'h-decision' },
    el('h3', { id: 'h-decision', text: t('decision') }),
    choice,
    reasonBox,
    slotBox,
    el('label', { class: 'field', for: 'buyerMessage' }, t('buyerMessage'), msg),
    el('label', { class: 'field', for: 'internalNote' }, t('internalNote'), note),
    el('p', { class: 'strong', text: t('preview', { lang: lang === 'zh' ? '中文' : 'English' }) }),
    preview,
    el('p', {}, submit),
    confirmBox,
  );
  const selected = () => form.querySelector('input[name=decision]:checked')?.value;
  const update = () => {
    const d = selected();
    const kind = kinds[d];
    reasonBox.hidden = !kind;
    slotBox.hidden = d !== 'REQUEST_MORE_INFO';
    confirmBox.hidden = true;
    const keep = new Set([...reasonBox.querySelectorAll('input:checked')].map((i) => i.value));
    reasonBox.replaceChildren(
      el('legend', { text: t('reasons') }),
      ...reasons
        .filter((r) => r.kind === kind)
        .map((r) =>
          el(
            'label',
            { title: r.internalText },
            el('input', { type: 'checkbox', name: 'reason', value: r.code, checked: keep.has(r.code) }),
            ` ${r.code}: ${r.internalText}`,
          ),
        ),
    );
    renderPreview();
  };
  const renderPreview = () => {
    const codes = [...reasonBox.querySelectorAll('input:checked')].map((i) => i.value);
    const texts = codes
      .map((code) => reasons.find((r) => r.code === code)?.buyerText?.[lang])
      .filter(Boolean);
    preview.textContent = [...texts, msg.value.trim()].filter(Boolean).join('\n\n') || t('none');
  };
  form.addEventListener('change', (e) => (e.target.name === 'decision' ? update() : renderPreview()));
  msg.addEventListener('input', renderPreview);
  renderPreview();
  const send = async () => {
    const body = {
      decision: selected(),
      reasonCodes: [...reasonBox.querySelectorAll('input:checked')].map((i) => i.value),
      buyerMessage: msg.value.trim() || null,
      internalNote: note.value.trim() || null,
      slots: [...slotBox.querySelectorAll('input:checked')].map((i) => i.value),
    };
    try {
      const out = await call('POST', `/api/v1/cases/${c.id}/decision`, body);
      await state.router();
      flash(out?.decision?.state === 'AWAITING_SECOND_APPROVAL' ? t('waitingSecondMine') : t('decided'));
    } catch (err) {
      flash(err.message, true);
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // a rejection cancels the order (and may refund it): ask first
    if (selected() === 'REJECT') {
      const no = el('button', { type: 'button', id: 'reject-no', text: t('cancel') });
      const yes = el('button', { type: 'button', class: 'danger', id: 'reject-yes', text: t('confirmYes') });
      confirmBox.replaceChildren(
        el('p', { text: t('confirmReject', { amount: formatMoney(c.order?.amount, i18n.lang) }) }),
        el('div', { class: 'row' }, yes, no),
      );
      confirmBox.hidden = false;
      no.addEventListener('click', () => {
        confirmBox.hidden = true;
        submit.focus();
      });
      yes.addEventListener('click', () => {
        confirmBox.hidden = true;
        send();
      });
      yes.focus();
      return;
    }
    send();
  });
  return form;
}
