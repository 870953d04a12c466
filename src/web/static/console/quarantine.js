// SECURITY and ADMIN: the e-mail quarantine (/console/quarantine). Mails whose sender failed DMARC are
// attached to no case; staff release one (the mail is matched and filed as usual, its documents marked
// RELEASED) or discard it (its stored message is deleted). Each action asks for confirmation first.
import { el, formatDate } from '../common.js';
import { call, flash, go, i18n, link, setView, state, t, table } from './core.js';

const STATUSES = ['QUARANTINED', 'RELEASED', 'DISCARDED'];
const BASE = '/console/quarantine';

function sizeText(bytes) {
  if (bytes === null || bytes === undefined) return '';
  return bytes >= 1048576
    ? `${(bytes / 1048576).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** "DMARC fail · SPF fail · DKIM none": the results only (the API keeps no content). */
function checkCell(m) {
  const a = m.auth ?? {};
  const dkim = Array.isArray(a.dkim) ? (a.dkim.length ? a.dkim.join(', ') : 'none') : (a.dkim ?? '?');
  const parts = [
    ['DMARC', a.dmarc ?? '?'],
    ['SPF', a.spf ?? '?'],
    ['DKIM', dkim],
  ];
  return el(
    'td',
    {},
    el(
      'ul',
      { class: 'auth-results' },
      parts.map(([k, v]) =>
        el('li', { class: /^(pass)$/i.test(v) ? 'pass' : /fail/i.test(v) ? 'fail' : '' }, `${k}: ${v}`),
      ),
    ),
    // the address the DMARC check judged, when it is not the one shown as the sender
    a.headerFrom && a.headerFrom.toLowerCase() !== who(m).toLowerCase()
      ? el('small', { class: 'muted block', text: t('qHeaderFrom', { from: a.headerFrom }) })
      : null,
  );
}

function filesCell(m) {
  if (!m.files) return el('td', { text: t('none') });
  if (!m.files.length) return el('td', { class: 'muted', text: t('qNoFiles') });
  return el(
    'td',
    {},
    el('span', { class: 'strong', text: t('qFileCount', { n: m.files.length }) }),
    el(
      'ul',
      { class: 'file-names' },
      m.files.map((f) =>
        el(
          'li',
          {},
          el('span', { class: 'wrap', text: f.filename }),
          f.size || f.forwarded
            ? el('small', {
                class: 'muted nowrap',
                text: ` ${[sizeText(f.size), f.forwarded ? t('qForwarded') : ''].filter(Boolean).join(' · ')}`,
              })
            : null,
        ),
      ),
    ),
  );
}

/** The row's Release / Discard buttons; each opens an inline confirmation in the row first. */
function actions(m) {
  const box = el('div', { class: 'notice warn q-confirm', role: 'alertdialog', hidden: true });
  const ask = (kind) => {
    const yes = el('button', {
      type: 'button',
      class: kind === 'discard' ? 'danger' : 'primary',
      'data-yes': kind,
      text: t(kind === 'discard' ? 'qDiscardYes' : 'qReleaseYes'),
    });
    const no = el('button', { type: 'button', text: t('cancel') });
    box.replaceChildren(
      el('p', { text: t(kind === 'discard' ? 'qDiscardConfirm' : 'qReleaseConfirm', { from: who(m) }) }),
      el('div', { class: 'row' }, yes, no),
    );
    box.hidden = false;
    no.addEventListener('click', () => {
      box.hidden = true;
      btns.querySelector(`[data-action=${kind}]`)?.focus();
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        await call('POST', `/api/v1/inbound/quarantine/${m.id}/${kind}`);
        await state.router();
        flash(t(kind === 'discard' ? 'qDiscarded' : 'qReleased', { from: who(m) }));
      } catch (err) {
        yes.disabled = false;
        flash(err.message, true);
      }
    });
    yes.focus();
  };
  const btns = el(
    'div',
    { class: 'row' },
    el('button', {
      type: 'button',
      'data-action': 'release',
      text: t('qRelease'),
      onclick: () => ask('release'),
    }),
    el('button', {
      type: 'button',
      class: 'danger',
      'data-action': 'discard',
      text: t('qDiscard'),
      onclick: () => ask('discard'),
    }),
  );
  return el('td', { class: 'q-actions' }, btns, box);
}

function who(m) {
  return m.fromAddress ?? m.envelopeFrom ?? '?';
}

export async function quarantineView() {
  const q = new URLSearchParams(location.search);
  const status = STATUSES.includes(q.get('status')) ? q.get('status') : 'QUARANTINED';
  const limit = /^\d{1,3}$/.test(q.get('limit') ?? '') ? q.get('limit') : '25';
  const p = new URLSearchParams({ status, limit });
  if (q.get('cursor')) p.set('cursor', q.get('cursor'));
  const list = await call('GET', `/api/v1/inbound/quarantine?${p}`);
  const L = i18n.lang;
  const bar = el(
    'div',
    { class: 'row', role: 'group', 'aria-label': t('qStatus') },
    STATUSES.map((s) =>
      el('button', {
        type: 'button',
        'aria-pressed': String(s === status),
        text: t(`q_${s}`),
        onclick: () => go(`${BASE}?status=${s}`),
      }),
    ),
  );
  const open = status === 'QUARANTINED';
  const rows = (list.items ?? []).map((m) =>
    el(
      'tr',
      { 'data-id': m.id },
      el('td', { text: formatDate(m.receivedAt, L, true) }),
      el(
        'td',
        { class: 'wrap' },
        el('span', { text: who(m) }),
        m.fromAddress && m.envelopeFrom && m.fromAddress.toLowerCase() !== m.envelopeFrom.toLowerCase()
          ? el('small', { class: 'muted block', text: t('qEnvelope', { from: m.envelopeFrom || '<>' }) })
          : null,
      ),
      el('td', { class: 'wrap', text: m.subject || t('qNoSubject') }),
      checkCell(m),
      filesCell(m),
      open ? actions(m) : null,
    ),
  );
  const next = list.nextCursor
    ? el(
        'p',
        {},
        link(`${BASE}?${new URLSearchParams({ status, limit, cursor: list.nextCursor })}`, t('more'), {
          id: 'q-more',
        }),
      )
    : null;
  setView(
    t('quarantine'),
    el('p', { class: 'muted', id: 'q-intro', text: t('qIntro') }),
    bar,
    el(
      'section',
      { class: 'card' },
      rows.length
        ? table(
            [
              t('qReceived'),
              t('qSender'),
              t('qSubject'),
              t('qCheck'),
              t('qFiles'),
              open ? t('qActions') : null,
            ],
            rows,
            { id: 'quarantine' },
          )
        : el('p', { class: 'muted', id: 'q-empty', text: t(open ? 'qEmpty' : 'empty') }),
      next,
    ),
  );
}
