// My Appeal: the buyer's page. Reads the appeal view, lets the buyer pick the ID type, upload one photo
// per slot with progress and the checker's verdict, submit, and then follow the timeline.
import {
  $,
  ApiError,
  api,
  createI18n,
  el,
  formatDate,
  formatMoney,
  meta,
  pickLang,
  setCsrf,
} from './common.js';
import { renderUnsorted } from './appeal-unsorted.js';
import { EN } from './appeal/dict.en.js';
import { ZH } from './appeal/dict.zh.js';
import { renderHandoff } from './appeal/handoff.js';
import { renderPages } from './appeal/pages.js';
import { precheck, renderChosen } from './appeal/chosen.js';
import { MAX_TRIES, serialQueue, uploadWithRetry } from './appeal/uploader.js';
import { renderStatus } from './appeal/timeline.js';
import { renderWithdraw } from './appeal/withdraw.js';

// limits and slot list from the server (web.routes.ts renders them into the page)
const LIMITS = JSON.parse(meta('limits') || '{}');
const IMAGE_TYPES = LIMITS.imageTypes ?? [];
const SLOTS = LIMITS.slots ?? [];

const i18n = createI18n({ en: EN, zh: ZH }, 'en');
const t = i18n.t;
let appealId = '';
let appeal = null;
let catalogue = null;
/** per slot: {file, attempts, overrideAvailable, verdict: {ok, lines}} - survives re-renders */
const ui = new Map(
  SLOTS.map((s) => [s, { file: null, overrideAvailable: false, verdict: null, busy: false }]),
);
const cards = new Map();
/** uploads go one at a time (appeal/uploader.js) */
const enqueue = serialQueue();

function fatal(msg) {
  $('#loading').hidden = true;
  const f = $('#fatal');
  f.textContent = msg;
  f.hidden = false;
}

async function load() {
  appeal = await api('GET', `/api/v1/appeals/${appealId}`);
}

function editableSlots() {
  if (appeal.status === 'AWAITING_DOCUMENTS') return new Set(SLOTS);
  if (appeal.status === 'MORE_INFO_REQUESTED') return new Set(appeal.requestedSlots ?? []);
  return new Set();
}

function render() {
  const L = i18n.lang;
  $('#f-order').textContent = appeal.order?.orderId ?? appeal.orderId;
  $('#f-amount').textContent = formatMoney(appeal.order?.amount, L);
  const c = appeal.order?.card;
  $('#f-card').textContent = c ? t('cardEnding', { brand: brandName(c.brand), last4: c.last4 }) : '';
  $('#why-title').textContent = catalogue
    ? L === 'zh'
      ? catalogue.titleZh
      : catalogue.title
    : (appeal.order?.errorCode ?? '');
  $('#why-action').textContent = catalogue ? (L === 'zh' ? catalogue.actionZh : catalogue.action) : '';
  renderStatus(appeal, t, i18n.lang);
  renderWithdraw({
    appeal,
    appealId,
    t,
    reload: async () => {
      await load();
      render();
    },
  });
  const editable = editableSlots();
  $('#docs').hidden = editable.size === 0;
  if (editable.size) renderDocs(editable);
  // files that came by e-mail and wait for a slot (appeal-unsorted.js)
  let unsorted = $('#unsorted');
  if (!unsorted) {
    unsorted = el('section', { id: 'unsorted', class: 'unsorted' });
    $('#docs').prepend(unsorted);
  }
  renderUnsorted(unsorted, appeal, L, async () => {
    await load();
    render();
  });
  // "continue on your phone" on a desktop (appeal/handoff.js)
  renderHandoff({
    appeal,
    appealId,
    t,
    lang: L,
    reload: async () => {
      await load();
      render();
    },
  });
}

function brandName(b) {
  const names = {
    VISA: 'Visa',
    MASTERCARD: 'Mastercard',
    MAESTRO: 'Maestro',
    AMEX: 'American Express',
    UNIONPAY: 'UnionPay',
  };
  return names[b] ?? b;
}

function renderDocs(editable) {
  const chosen = appeal.idType;
  for (const r of document.querySelectorAll('#idtype input')) {
    r.checked = r.value === chosen;
    r.disabled = appeal.status !== 'AWAITING_DOCUMENTS';
  }
  // once submitted the ID type is fixed: a more-information round only redoes the requested slots
  $('#idtype').hidden = appeal.status !== 'AWAITING_DOCUMENTS';
  const box = $('#slots');
  if (!chosen) {
    box.replaceChildren(el('p', { class: 'card muted', text: t('chooseIdFirst') }));
    cards.clear();
  } else if (!cards.size) box.replaceChildren();
  if (chosen) for (const s of appeal.slots) renderSlot(s, editable.has(s.slot));
  const required = appeal.slots.filter((s) => s.required);
  const ready = chosen && required.every((s) => s.state === 'ACCEPTED');
  $('#submit').disabled = !ready;
  $('#submit-hint').textContent = ready ? t('submitReady') : t('submitHint');
}

function renderSlot(s, editable) {
  let card = cards.get(s.slot);
  if (!card) {
    card = buildCard(s.slot);
    cards.set(s.slot, card);
    $('#slots').append(card.root);
  }
  card.root.hidden = !s.required || (appeal.status === 'MORE_INFO_REQUESTED' && !editable);
  const st = ui.get(s.slot);
  card.root.querySelector('h3').textContent = t(s.slot);
  const badge = card.root.querySelector('.badge');
  badge.textContent = t(`st_${s.state}`);
  badge.className = `badge b-${s.state}`;
  card.root.querySelector('.slot-why').textContent = t(`why_${s.slot}`);
  card.root.querySelector('.cover-hint').textContent = t('coverHint');
  card.root.querySelector('.l4-label').textContent = t('last4');
  card.root.querySelector('.cvv-hint').textContent = t('cvvHint');
  card.root.querySelector('.cam-l').textContent = t('takePhoto');
  const many = s.slot === 'BILLING_STATEMENT' && s.state === 'ACCEPTED';
  card.root.querySelector('.file-l').textContent = many ? t('addPage') : t('chooseFile');
  card.root.querySelector('.retry').textContent = t('retry');
  card.root.querySelector('.anyway').textContent = t('anyway');
  card.root.querySelector('.pick').hidden = !editable;
  card.root.querySelector('.last4').hidden = !editable || s.slot !== 'CARD_FRONT';
  card.root.querySelector('.retry').hidden = !editable || !st.file || st.busy || !st.retryable;
  card.root.querySelector('.anyway').hidden = !editable || !st.file || st.busy || !st.overrideAvailable;
  renderChosen(card, st, t);
  renderVerdict(card, s, st);
  if (s.slot === 'BILLING_STATEMENT')
    renderPages(card, s, editable, t, async (docId) => {
      await api('DELETE', `/api/v1/appeals/${appealId}/documents/${docId}`);
      await load();
      render();
    });
}

function renderVerdict(card, s, st) {
  const v = card.root.querySelector('.verdict');
  v.replaceChildren();
  if (st.verdict) {
    v.className = `verdict ${st.verdict.wait ? 'wait' : st.verdict.ok ? 'ok' : 'bad'}`;
    const { head, note } = st.verdict;
    v.append(el('p', { class: 'strong', text: typeof head === 'function' ? head() : head }));
    // the server's lines are in the language of the upload: marked so when the buyer switched since
    // (a screen reader then reads them in that language), the note is worded here in the page's
    const other = st.verdict.lang && st.verdict.lang !== document.documentElement.lang;
    const lines = [
      ...st.verdict.lines.map((l) => el('li', { text: l, lang: other ? st.verdict.lang : undefined })),
      note?.() ? el('li', { text: note() }) : null,
    ].filter(Boolean);
    if (lines.length) v.append(el('ul', {}, lines));
    if (st.overrideAvailable && !st.verdict.ok) v.append(el('p', { text: t('anywayHint') }));
  } else if (s.state === 'ACCEPTED') {
    v.className = 'verdict ok';
    const n = s.documents?.length ?? 1;
    v.append(el('p', { text: s.slot === 'BILLING_STATEMENT' ? t('pages', { n }) : t('accepted') }));
  } else v.className = 'verdict';
}

function buildCard(slot) {
  const root = $('#slot-tpl').content.firstElementChild.cloneNode(true);
  root.id = `slot-${slot}`;
  root.dataset.slot = slot;
  const h = root.querySelector('h3');
  h.id = `h-${slot}`;
  root.setAttribute('aria-labelledby', h.id);
  const accept = [...IMAGE_TYPES, ...(slot === 'BILLING_STATEMENT' ? ['application/pdf'] : [])].join(',');
  const file = root.querySelector('input.file');
  file.accept = accept;
  root.querySelector('input.cam').accept = IMAGE_TYPES.join(',');
  file.setAttribute('aria-describedby', `${h.id}`);
  root.querySelector('input.cam').setAttribute('aria-describedby', `${h.id}`);
  root.querySelector('.cvv-hint').hidden = slot !== 'CARD_BACK';
  const l4 = root.querySelector('.l4');
  l4.id = `l4-${slot}`;
  for (const input of root.querySelectorAll('input[type=file]')) {
    input.addEventListener('change', () => {
      const f = input.files?.[0];
      input.value = '';
      if (f) choose(slot, f);
    });
  }
  root.querySelector('.retry').addEventListener('click', () => send(slot, false));
  root.querySelector('.anyway').addEventListener('click', () => send(slot, true));
  return { root };
}

async function choose(slot, f) {
  const st = ui.get(slot);
  const card = cards.get(slot);
  const pv = card.root.querySelector('.preview');
  const img = pv.querySelector('img');
  if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
  st.seq = (st.seq ?? 0) + 1;
  const seq = st.seq;
  st.chosen = null;
  card.root.querySelector('.hints').hidden = true;
  // a photo (or a HEIC with no type) is prepared first: the downscale, a HEIC the server cannot read
  // converted when this browser can decode it (Safari) or the how-to, the hints; a size over the limit is
  // judged after the downscale. Anything else (a PDF) goes on at once.
  let p = null;
  if (f.size > 0 && (f.type.startsWith('image/') || /\.hei[cf]$/i.test(f.name ?? ''))) {
    pv.hidden = false;
    img.hidden = true;
    pv.querySelector('.pname').textContent = t('preparing');
    // loaded on the first photo, not on every visit (the first visit's budget, pages.test.ts)
    const cap = await import('./appeal/capture.js');
    p = await cap.prepare(f, LIMITS, slot);
    if (seq !== st.seq) return; // another file was chosen meanwhile
  }
  const problem = p?.heic ? () => t('heic') : precheck(slot, p?.file ?? f, t, LIMITS);
  if (problem) {
    st.file = null;
    st.verdict = { ok: false, head: problem, lines: [] };
    pv.hidden = true;
    return rerenderSlot(slot);
  }
  const file = p?.file ?? f;
  if (st.file !== file) st.overrideAvailable = st.overrideAvailable && st.file?.name === file.name;
  pv.hidden = false;
  st.file = file;
  st.chosen = {
    name: f.name || file.name,
    changed: Boolean(p?.changed),
    before: p?.before ?? { bytes: f.size },
    after: p?.after ?? { bytes: f.size },
    hints: [],
  };
  if (file.type.startsWith('image/')) {
    img.hidden = false;
    img.src = URL.createObjectURL(file);
  } else {
    img.hidden = true;
    img.removeAttribute('src');
  }
  send(slot, false);
  // the device's hints come in while the photo uploads
  p?.hints.then((hints) => {
    if (seq !== st.seq || !st.chosen || !hints.length) return;
    st.chosen.hints = hints;
    rerenderSlot(slot);
  });
}

function rerenderSlot(slot) {
  const s = appeal.slots.find((x) => x.slot === slot);
  renderSlot(s, editableSlots().has(slot));
}

function sentKind(f) {
  if (!f) return 'file';
  if (f.type === 'application/pdf' || /\.pdf$/i.test(f.name ?? '')) return 'pdf';
  return f.type.startsWith('image/') || !f.type ? 'image' : 'file';
}

/** After a failed upload: does the document accepted earlier in this slot still count? */
function earlierNote(slot) {
  const s = appeal.slots.find((x) => x.slot === slot);
  if (s?.state === 'REDO_REQUESTED') return t('noLongerCounts');
  const d = s?.state === 'ACCEPTED' ? s.document : null;
  if (!d) return '';
  return t('stillCounts', {
    what: d.mimeType === 'application/pdf' ? t('pdfWord') : t('photo'),
    date: formatDate(d.createdAt, i18n.lang, true),
  });
}

function send(slot, override) {
  const st = ui.get(slot);
  const card = cards.get(slot);
  if (!st.file || st.busy) return;
  let last4 = null;
  if (slot === 'CARD_FRONT') {
    const l4 = card.root.querySelector('.l4');
    if (!/^\d{4}$/.test(l4.value)) {
      st.verdict = { ok: false, head: () => t('last4Needed'), lines: [] };
      st.retryable = true;
      rerenderSlot(slot);
      l4.focus();
      return;
    }
    last4 = l4.value;
  }
  st.busy = true;
  st.retryable = false;
  st.verdict = { ok: true, head: () => t('queued'), lines: [] };
  rerenderSlot(slot);
  return enqueue(() => upload(slot, override, last4));
}

async function upload(slot, override, last4) {
  const st = ui.get(slot);
  const card = cards.get(slot);
  const file = st.file;
  const form = () => {
    const f = new FormData();
    f.append('slot', slot);
    if (last4) f.append('cardLast4', last4);
    if (override) f.append('override', 'true');
    f.append('file', file, file.name || 'photo');
    return f;
  };
  const bar = card.root.querySelector('progress');
  bar.hidden = false;
  bar.value = 0;
  bar.setAttribute('aria-label', t('uploading'));
  const say = (head, wait = false) => {
    st.verdict = { ok: true, wait, head, lines: [] };
    rerenderSlot(slot);
  };
  let worded = 'en'; // the language the server words its messages in
  try {
    const { status, body } = await uploadWithRetry({
      url: `/api/v1/appeals/${appealId}/documents`,
      headers: () => {
        worded = document.documentElement.lang || 'en';
        return { 'x-csrf-token': csrf, accept: 'application/json', 'x-appeal-language': worded };
      },
      form,
      onTry: () => {
        bar.value = 0;
        bar.setAttribute('aria-label', t('uploading'));
        bar.removeAttribute('title');
        say(() => t('uploading'));
      },
      onProgress: (p) => {
        bar.value = p;
      },
      // worded when drawn: the countdown and a language change both re-word it
      onWait: (kind, s, n, reason) => {
        const key =
          kind === 'network' ? 'waitNetwork' : reason === 'intake-queue-full' ? 'waitQueue' : 'waitBusy';
        const words = () => t(key, { s, n, max: MAX_TRIES });
        // the bar says it is waiting (no value = indeterminate) until the file goes again
        bar.removeAttribute('value');
        bar.setAttribute('aria-label', words());
        bar.title = words();
        say(words, true);
      },
    });
    if (status === 201 || status === 200) {
      bar.value = 100;
      const lines = (body?.checks ?? [])
        .filter((c) => c.rule === 'resolution' && c.passed)
        .map((c) => c.message);
      st.verdict = { ok: true, head: () => t('accepted'), lines, lang: worded };
      // the photo is let go only now that the server has it
      if (st.file === file) st.file = null;
      st.overrideAvailable = false;
      await load();
    } else {
      const d = body?.error?.details;
      const failed = (d?.checks ?? []).filter((c) => !c.passed).map((c) => c.message);
      st.overrideAvailable = Boolean(d?.overrideAvailable);
      // what was sent: a PDF is not "this photo"
      const kind = sentKind(file);
      st.verdict = {
        ok: false,
        // worded when drawn, so a language change re-words it
        head: () => t(kind === 'pdf' ? 'failedPdf' : kind === 'image' ? 'failed' : 'failedFile'),
        lines: failed.length ? failed : [body?.error?.message ?? `HTTP ${status}`],
        note: earlierNote.bind(null, slot),
        lang: worded,
      };
      st.retryable = status === 503;
    }
  } catch {
    st.verdict = { ok: false, head: () => t('network'), lines: [] };
    st.retryable = true;
  } finally {
    st.busy = false;
    bar.hidden = true;
  }
  render();
  // a photo chosen for this slot while this one was on its way goes next
  if (st.file && st.file !== file) send(slot, false);
}

// back online after the retries ran out: the photos still waiting go again, in order
window.addEventListener('online', () => {
  for (const [slot, st] of ui) if (st.file && st.retryable && !st.busy && cards.has(slot)) send(slot, false);
});

let csrf = '';

async function boot() {
  appealId = meta('appeal-id') || new URLSearchParams(location.search).get('id') || '';
  const saved = localStorage.getItem('lang');
  i18n.set(saved || pickLang(document.documentElement.dataset.lang, navigator.language));
  $('#lang').value = i18n.lang;
  csrf = meta('csrf-token');
  try {
    // the cookie may have been set on a cross-site navigation (SameSite=Strict left it off the page
    // request): the page's own same-origin call carries it
    if (!appealId || !csrf) {
      const url = appealId ? `/api/v1/appeals/${appealId}/session` : '/api/v1/buyer/session';
      const s = await api('GET', url);
      appealId = s.appealId;
      csrf = s.csrfToken;
    }
    setCsrf(csrf);
    await load();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return fatal(t('noLink'));
    return fatal(e instanceof ApiError && e.status < 500 ? t('linkInvalid') : e.message);
  }
  if (!saved && appeal.locale) i18n.set(pickLang(appeal.locale));
  $('#lang').value = i18n.lang;
  catalogue = await api(
    'GET',
    `/api/v1/payment-errors/${encodeURIComponent(appeal.order?.errorCode ?? '')}`,
  ).catch(() => null);
  $('#loading').hidden = true;
  $('#page').hidden = false;
  render();
}

$('#lang').addEventListener('change', (e) => {
  localStorage.setItem('lang', e.target.value);
  i18n.set(e.target.value);
  if (appeal) render();
});

for (const r of document.querySelectorAll('#idtype input')) {
  r.addEventListener('change', async () => {
    try {
      await api('PUT', `/api/v1/appeals/${appealId}/id-type`, { idType: r.value });
      await load();
      render();
    } catch (e) {
      $('#submit-msg').textContent = e.message;
    }
  });
}

$('#submit').addEventListener('click', async () => {
  const btn = $('#submit');
  btn.disabled = true;
  try {
    await api('POST', `/api/v1/appeals/${appealId}/submit`);
    await load();
    $('#status-msg').textContent = t('submitted');
    render();
    $('#h-status').setAttribute('tabindex', '-1');
    $('#h-status').focus();
  } catch (e) {
    $('#submit-msg').textContent = e.message;
    btn.disabled = false;
  }
});

boot();
