// The chosen file as the slot shows it (name, size before/after the downscale, the device's hints) and
// the page's own pre-check of size and type. Split from appeal.js (500-line rule).
import { el } from '../common.js';

/** 0.05 MB reads as "51 KB": under 0.1 MB a size shows in KB. */
export function fmtSize(bytes) {
  return bytes < 0.1 * 1048576
    ? `${Math.max(1, Math.round(bytes / 1024))} KB`
    : `${(bytes / 1048576).toFixed(1)} MB`;
}

/** The page's own pre-check of size and type (after the downscale: the size is what would be sent). */
export function precheck(slot, f, t, limits) {
  const MAX_BYTES = limits.maxUploadBytes;
  const IMAGE_TYPES = limits.imageTypes ?? [];
  if (f.size === 0) return t('empty');
  if (f.size > MAX_BYTES)
    return t('tooBig', { mb: (f.size / 1048576).toFixed(1), limit: Math.round(MAX_BYTES / 1048576) });
  const ok = [...IMAGE_TYPES, ...(slot === 'BILLING_STATEMENT' ? ['application/pdf'] : [])];
  // an empty type (some phones) is left to the server, which decides from the bytes anyway
  if (f.type && !ok.includes(f.type))
    return t('badType', { type: f.type, pdf: slot === 'BILLING_STATEMENT' ? t('orPdf') : '' });
  return null;
}

/** The chosen file's name, its size before/after the downscale, and the device's hints (never a verdict). */
export function renderChosen(card, st, t) {
  const c = st.chosen;
  if (!c) return;
  const name = card.root.querySelector('.pname');
  name.textContent = c.changed
    ? t('resized', {
        name: c.name,
        before: fmtSize(c.before.bytes),
        after: fmtSize(c.after.bytes),
        w: c.after.width,
        h: c.after.height,
      })
    : `${c.name} · ${fmtSize(c.before.bytes)}`;
  const box = card.root.querySelector('.hints');
  box.hidden = !c.hints.length;
  box.replaceChildren(
    ...(c.hints.length
      ? [
          el('p', { class: 'strong', text: t('hintHead') }),
          el(
            'ul',
            {},
            c.hints.map((h) => el('li', { 'data-hint': h, text: t(`hint_${h}`) })),
          ),
        ]
      : []),
  );
}
