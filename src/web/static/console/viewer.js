// One document of a case as the reviewer inspects it: the watermarked picture in a frame with zoom (up to
// the served image's full resolution), pan by dragging, rotate, full screen, every page of a PDF
// statement, a "side by side" toggle, the flags in plain words and the checker's measurements.
import { el } from '../common.js';
import { link, t } from './core.js';

function fmtVal(v) {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return String(v);
  return Object.entries(v)
    .map(([k, x]) => `${k}: ${typeof x === 'object' ? JSON.stringify(x) : x}`)
    .join(', ');
}

function flagItem(f, d) {
  const text = t(`flag_${f}`) === `flag_${f}` ? f : t(`flag_${f}`);
  const item = el('li', { class: 'flag', 'data-flag': f }, text);
  if (f === 'DUPLICATE_OTHER_BUYER')
    for (const o of d.duplicateOf ?? [])
      item.append(' · ', link(`/console/cases/${o.caseId}`, `${t('otherCase')} ${o.orderId}`));
  return item;
}

/** A document that came by e-mail: its source, the attachment's name and the sender check. */
function sourceLine(d) {
  const src = d.source;
  if (src?.channel !== 'EMAIL') return null;
  const check = src.senderCheck ? t(`sender_${src.senderCheck}`) : t('none');
  return el(
    'p',
    { class: `doc-source ${String(src.senderCheck ?? '').toLowerCase()}`, 'data-source': src.channel },
    t('srcLine', { channel: src.channel, file: src.filename ?? '' }),
    el('br'),
    t('srcCheck', { check }),
  );
}

/** Width to ask for first: what the frame shows on this screen, in steps of 400 px (cache-friendly). */
function displayWidth() {
  const wide = matchMedia('(min-width: 48rem)').matches;
  const css = wide ? Math.min(window.innerWidth, 1600) / 2.5 : window.innerWidth;
  return Math.min(2400, Math.max(400, Math.ceil((css * (window.devicePixelRatio || 1)) / 400) * 400));
}

// imageBase: where the images come from (the blind quality review serves them under its own URL)
export function docFigure(caseId, slot, d, { onCompare, comparing = false, imageBase } = {}) {
  const pdf = d.mimeType === 'application/pdf';
  const pages = pdf ? Math.max(1, d.pageCount ?? 1) : 1;
  let page = 1;
  let zoom = 1;
  let rot = 0;
  let x = 0;
  let y = 0;
  // the size shown first (?w=, fast to render); the full resolution once the reviewer zooms in
  let full = false;
  const src = () => {
    const p = new URLSearchParams();
    if (pdf && page > 1) p.set('page', String(page));
    if (!full) p.set('w', String(displayWidth()));
    const base = imageBase ?? `/api/v1/cases/${caseId}/documents`;
    return `${base}/${d.id}/image${p.size ? `?${p}` : ''}`;
  };
  const img = el('img', {
    alt: `${slot} ${t('page', { n: page, of: pages })}`,
    src: src(),
    draggable: 'false',
  });
  const frame = el('div', { class: 'viewport', tabindex: '0' }, img);
  const apply = () => {
    img.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px) rotate(${rot}deg) scale(${zoom})`;
    frame.classList.toggle('zoomed', zoom > 1);
  };
  // the served image's own pixels at zoom = natural width / width shown
  const fullRes = () => Math.max(1, img.naturalWidth / Math.max(1, img.clientWidth));
  const maxZoom = () => Math.max(4, fullRes());
  const upgrade = () =>
    new Promise((resolve) => {
      if (full) return resolve();
      full = true;
      img.addEventListener('load', resolve, { once: true });
      img.addEventListener('error', resolve, { once: true });
      img.src = src();
    });
  const setZoom = (z) => {
    zoom = Math.min(maxZoom(), Math.max(1, z));
    if (zoom === 1) x = y = 0;
    if (zoom > 1.5) upgrade();
    apply();
  };
  const toFullRes = async () => {
    await upgrade();
    setZoom(fullRes());
  };
  // pan: drag with a pointer (mouse, pen, finger) while zoomed; arrow keys when the frame has the focus
  let drag = null;
  frame.addEventListener('pointerdown', (e) => {
    if (zoom <= 1) return;
    drag = { sx: e.clientX, sy: e.clientY, x, y };
    frame.setPointerCapture(e.pointerId);
  });
  frame.addEventListener('pointermove', (e) => {
    if (!drag) return;
    x = drag.x + e.clientX - drag.sx;
    y = drag.y + e.clientY - drag.sy;
    apply();
  });
  const endDrag = () => {
    drag = null;
  };
  frame.addEventListener('pointerup', endDrag);
  frame.addEventListener('pointercancel', endDrag);
  frame.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      setZoom(zoom * (e.deltaY < 0 ? 1.15 : 1 / 1.15));
    },
    { passive: false },
  );
  frame.addEventListener('keydown', (e) => {
    const step = 40;
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key] && zoom > 1) {
      e.preventDefault();
      e.stopPropagation();
      x += moves[e.key][0];
      y += moves[e.key][1];
      apply();
    } else if (e.key === '+' || e.key === '=') setZoom(zoom * 1.25);
    else if (e.key === '-') setZoom(zoom / 1.25);
  });
  frame.addEventListener('dblclick', () => (zoom > 1 ? setZoom(1) : toFullRes()));

  const note = el('p', { class: 'notice error', hidden: true });
  const card = el('div', { class: 'card doc', 'data-doc': d.id, 'data-slot': slot });
  const pageLabel = el('span', { class: 'page-no', 'aria-live': 'polite' });
  const prev = el('button', { type: 'button', class: 'prev', 'aria-label': t('prevPage'), text: '‹' });
  const next = el('button', { type: 'button', class: 'next', 'aria-label': t('nextPage'), text: '›' });
  const showPage = () => {
    pageLabel.textContent = t('page', { n: page, of: pages });
    prev.disabled = page <= 1;
    next.disabled = page >= pages;
    img.alt = `${slot} ${t('page', { n: page, of: pages })}`;
  };
  const turn = (delta) => {
    page = Math.min(pages, Math.max(1, page + delta));
    zoom = 1;
    x = y = 0;
    apply();
    note.hidden = true;
    frame.hidden = false;
    img.src = src();
    showPage();
  };
  prev.addEventListener('click', () => turn(-1));
  next.addEventListener('click', () => turn(1));
  showPage();

  const closeFull = () => {
    card.classList.remove('full');
    fullBtn.textContent = t('fullScreen');
    fullBtn.setAttribute('aria-pressed', 'false');
    document.removeEventListener('keydown', onEsc);
    setZoom(1);
  };
  const onEsc = (e) => {
    if (e.key === 'Escape') closeFull();
  };
  const fullBtn = el('button', {
    type: 'button',
    class: 'full-btn',
    'aria-pressed': 'false',
    text: t('fullScreen'),
    onclick: () => {
      if (card.classList.contains('full')) return closeFull();
      card.classList.add('full');
      fullBtn.textContent = t('closeFull');
      fullBtn.setAttribute('aria-pressed', 'true');
      document.addEventListener('keydown', onEsc);
      setZoom(1);
      upgrade();
      frame.focus();
    },
  });
  const tools = el(
    'div',
    { class: 'tools', role: 'group', 'aria-label': `${slot}` },
    el('button', {
      type: 'button',
      'aria-label': t('zoomIn'),
      'data-sc': 'zoom-in',
      text: '+',
      onclick: () => setZoom(zoom * 1.25),
    }),
    el('button', {
      type: 'button',
      'aria-label': t('zoomOut'),
      'data-sc': 'zoom-out',
      text: '−',
      onclick: () => setZoom(zoom / 1.25),
    }),
    el('button', {
      type: 'button',
      class: 'actual',
      text: t('actualSize'),
      onclick: toFullRes,
    }),
    el('button', {
      type: 'button',
      'data-sc': 'rotate',
      text: `↻ ${t('rotate')}`,
      onclick: () => {
        rot = (rot + 90) % 360;
        apply();
      },
    }),
    el('button', {
      type: 'button',
      text: t('reset'),
      onclick: () => {
        zoom = 1;
        rot = 0;
        x = y = 0;
        apply();
      },
    }),
    fullBtn,
    onCompare
      ? el('button', {
          type: 'button',
          class: 'compare-btn',
          'aria-pressed': String(comparing),
          text: comparing ? t('compareOff') : t('compare'),
          onclick: () => onCompare(slot, d),
        })
      : null,
  );
  img.addEventListener('error', () => {
    note.textContent = t('noImage', { why: 'GET /api/v1/cases/:id/documents/:docId/image' });
    note.hidden = false;
    // no picture: drop the empty frame and its tools, keep the measurements
    frame.hidden = true;
    tools.hidden = true;
  });
  img.addEventListener('load', () => {
    tools.hidden = false;
  });

  // failed checks first; each shows the message (which carries the measured values) and the raw figures
  const sorted = [...(d.checks ?? [])].sort((a, b) => Number(a.passed) - Number(b.passed));
  const checks = el(
    'ul',
    { class: 'checks' },
    sorted.map((c) =>
      el(
        'li',
        { class: c.passed ? 'pass' : 'fail' },
        el('span', { class: 'strong', text: `${c.passed ? '✓' : '✗'} ${c.rule}: ` }),
        c.message,
        el('small', {
          class: 'muted',
          text: `${t('measured')}: ${fmtVal(c.measured)} · ${t('threshold')}: ${fmtVal(c.threshold)}`,
        }),
      ),
    ),
  );
  const flags = [
    ...(d.flags ?? []),
    ...(d.override && !(d.flags ?? []).includes('OVERRIDDEN') ? ['OVERRIDDEN'] : []),
  ];
  const title = pdf
    ? `${slot} · ${t('pdfPages', { n: pages })}`
    : `${slot}${slot === 'BILLING_STATEMENT' ? ` · ${d.page + 1}` : ''} · ${d.width ?? '?'}×${d.height ?? '?'}`;
  const parts = [
    el('h4', { text: title }),
    sourceLine(d),
    el('figure', {}, frame, note),
    pdf && pages > 1 ? el('div', { class: 'row pager' }, prev, pageLabel, next) : null,
    tools,
    flags.length
      ? el(
          'ul',
          { class: 'flags', 'aria-label': t('flags') },
          flags.map((f) => flagItem(f, d)),
        )
      : null,
    el(
      'details',
      // on a phone only the documents with a failed check or a flag open their measurements
      { open: matchMedia('(min-width: 48rem)').matches || sorted.some((c) => !c.passed) || flags.length > 0 },
      el('summary', { text: t('checks') }),
      el('div', { class: 'scroll' }, checks),
    ),
  ];
  // append() would print a null as "null"
  card.append(...parts.filter(Boolean));
  return card;
}
