// "Continue on your phone" on My Appeal (issue 20 point 4). On a desktop (no coarse pointer, a wide
// window) a card offers a QR code: the server makes a one-time code (3 minutes, single use) and renders
// its URL as an SVG, so no QR library runs here. While a code is shown, and for a while after, the page
// reloads the appeal every 3 seconds and lists what arrives, so what the phone uploads shows up here.
import { $, api, el } from '../common.js';

const POLL_MS = 3000;
/** polling stops this long after the last code was issued */
const WATCH_MS = 10 * 60_000;

let box = null;
/** the latest render's appeal and callbacks */
let current = null;
/** the code on screen: {url, qrSvg, expires (performance.now() ms)} */
let shown = null;
let watchUntil = 0;
let poller = null;
let ticker = null;
let polling = false;
/** document ids present when the first code was shown; anything else is new */
let baseline = null;

export function isDesktop() {
  return !matchMedia('(pointer: coarse)').matches && matchMedia('(min-width: 768px)').matches;
}

function docsOf(appeal) {
  const out = [];
  for (const s of appeal.slots ?? []) {
    const list = s.documents ?? (s.document ? [s.document] : []);
    for (const d of list) out.push({ id: d.id, slot: s.slot, mimeType: d.mimeType, createdAt: d.createdAt });
  }
  return out;
}

function build() {
  box = el(
    'section',
    { class: 'card handoff', id: 'handoff', 'aria-labelledby': 'h-handoff' },
    el('h2', { id: 'h-handoff' }),
    el('p', { class: 'muted', id: 'handoff-why' }),
    el('button', { type: 'button', id: 'handoff-start', onclick: () => newCode() }),
    el(
      'div',
      { id: 'handoff-qr', hidden: true },
      el('img', { id: 'handoff-img', width: 220, height: 220, alt: '' }),
      el(
        'div',
        { class: 'handoff-side' },
        el('p', { id: 'handoff-timer', class: 'strong' }),
        el('p', { id: 'handoff-steps', class: 'muted' }),
        el(
          'details',
          { id: 'handoff-alt' },
          el('summary', { id: 'handoff-alt-s' }),
          el('p', {}, el('code', { id: 'handoff-link' })),
        ),
        el('button', { type: 'button', id: 'handoff-new', onclick: () => newCode() }),
        el('button', { type: 'button', id: 'handoff-stop', onclick: () => stop() }),
      ),
    ),
    el('p', { id: 'handoff-msg', role: 'status', 'aria-live': 'polite' }),
    el('div', { id: 'handoff-arrived', hidden: true }, el('h3', { id: 'handoff-arrived-h' }), el('ul', {})),
  );
  // its own stylesheet, so app.css is left alone
  if (!document.querySelector('link[data-handoff]'))
    document.head.append(
      el('link', {
        rel: 'stylesheet',
        href: new URL('./handoff.css', import.meta.url).href,
        'data-handoff': '',
      }),
    );
  $('#slots').before(box);
}

/** the status line: a dictionary key (so a language change re-words it) or a server message */
let status = null;

function say(key, vars) {
  status = key ? { key, vars } : null;
  paintStatus();
}

function paintStatus() {
  const m = $('#handoff-msg');
  if (!status) m.textContent = '';
  else if (status.text) m.textContent = status.text;
  else m.textContent = current.t(status.key, status.vars);
}

function timeOf(iso) {
  return new Date(iso).toLocaleTimeString(current.lang === 'zh' ? 'zh-CN' : 'en-GB', {
    timeStyle: 'short',
  });
}

async function newCode() {
  say(null);
  $('#handoff-start').disabled = true;
  $('#handoff-new').disabled = true;
  try {
    const r = await api('POST', `/api/v1/appeals/${current.appealId}/handoff`, {});
    shown = {
      url: r.url,
      expiresAt: r.expiresAt,
      // the countdown runs on this computer's monotonic clock, whatever its wall clock says
      expires: performance.now() + r.expiresInSeconds * 1000,
      usedAt: null,
    };
    watchUntil = performance.now() + WATCH_MS;
    if (!baseline) baseline = new Set(docsOf(current.appeal).map((d) => d.id));
    $('#handoff-img').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(r.qrSvg)}`;
    $('#handoff-link').textContent = r.url;
    $('#handoff-qr').hidden = false;
    $('#handoff-start').hidden = true;
    startTimers();
    tick();
    say('handoffReady');
  } catch (e) {
    status = { text: e.message };
    paintStatus();
  } finally {
    $('#handoff-start').disabled = false;
    $('#handoff-new').disabled = false;
  }
}

function startTimers() {
  if (!ticker) ticker = setInterval(tick, 1000);
  if (!poller) poller = setInterval(poll, POLL_MS);
}

function stop() {
  clearInterval(ticker);
  clearInterval(poller);
  ticker = null;
  poller = null;
  shown = null;
  $('#handoff-qr').hidden = true;
  $('#handoff-start').hidden = false;
  $('#handoff-img').removeAttribute('src');
  say(null);
  if (!box.hidden) $('#handoff-start').focus();
}

/** the countdown; a used or expired code is taken off the screen (the "new code" button stays) */
function tick() {
  if (!shown) return;
  const t = current.t;
  const left = Math.max(0, Math.round((shown.expires - performance.now()) / 1000));
  const live = left > 0 && !shown.usedAt;
  const timer = $('#handoff-timer');
  if (shown.usedAt) timer.textContent = t('handoffUsed', { time: timeOf(shown.usedAt) });
  else if (live) {
    const mm = Math.floor(left / 60);
    const ss = String(left % 60).padStart(2, '0');
    timer.textContent = t('handoffValid', { time: `${mm}:${ss}` });
  } else timer.textContent = t('handoffExpiredShort');
  $('#handoff-steps').textContent = live ? t('handoffSteps') : shown.usedAt ? t('handoffKeepOpen') : '';
  $('#handoff-img').hidden = !live;
  $('#handoff-alt').hidden = !live;
  if (!live && status?.key === 'handoffReady') say(shown.usedAt ? 'handoffUsedSr' : 'handoffExpired');
}

/** every 3 s: was the code used (then the QR goes), and the appeal as it is now (the phone's uploads) */
async function poll() {
  if (performance.now() > watchUntil) {
    clearInterval(poller);
    poller = null;
    return;
  }
  if (polling) return;
  polling = true;
  try {
    if (shown && !shown.usedAt && performance.now() < shown.expires) {
      const r = await api('GET', `/api/v1/appeals/${current.appealId}/handoff`);
      const mine = r.handoffs.find((h) => h.expiresAt === shown.expiresAt);
      if (mine?.usedAt) {
        shown.usedAt = mine.usedAt;
        tick();
      }
    }
    await current.reload();
  } catch {
    // the next round tries again
  } finally {
    polling = false;
  }
}

function renderArrived(appeal, t) {
  const wrap = $('#handoff-arrived');
  if (!baseline) {
    wrap.hidden = true;
    return;
  }
  const fresh = docsOf(appeal).filter((d) => !baseline.has(d.id));
  wrap.hidden = fresh.length === 0;
  $('#handoff-arrived-h').textContent = t('handoffArrived');
  const time = (iso) => (iso ? timeOf(iso) : '');
  wrap.querySelector('ul').replaceChildren(
    ...fresh.map((d) =>
      el('li', {
        'data-doc': d.id,
        'data-slot': d.slot,
        text: t('handoffArrivedItem', {
          slot: t(d.slot),
          kind: d.mimeType === 'application/pdf' ? t('pdfWord') : t('imageKind'),
          time: time(d.createdAt),
        }),
      }),
    ),
  );
}

/** Called from the page's render(): shows the card on a desktop while documents are wanted. */
export function renderHandoff({ appeal, appealId, t, lang, reload }) {
  current = { appeal, appealId, t, lang, reload };
  if (!isDesktop()) {
    if (box) box.hidden = true;
    return;
  }
  if (!box) build();
  box.hidden = $('#docs').hidden;
  // nothing more to upload (submitted, decided): no more polling
  if (box.hidden && (poller || ticker)) stop();
  $('#h-handoff').textContent = t('handoffTitle');
  $('#handoff-why').textContent = t('handoffWhy');
  $('#handoff-start').textContent = t('handoffShow');
  $('#handoff-new').textContent = t('handoffNew');
  $('#handoff-stop').textContent = t('handoffStop');
  $('#handoff-alt-s').textContent = t('handoffAlt');
  $('#handoff-img').alt = t('handoffQrAlt');
  tick();
  paintStatus();
  renderArrived(appeal, t);
}
