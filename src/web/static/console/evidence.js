// The "Evidence pack" control of an approved case (leads and finance): pick the card network's profile,
// build the PDF on the server (GET /api/v1/cases/:id/evidence-pack) and save it. The server fits the pack to
// the profile, checks every page for card numbers and records the export in the audit trail.
import { el } from '../common.js';
import { flash, has, i18n, t } from './core.js';

const PROFILES = ['generic', 'visa', 'mastercard', 'amex'];

function filenameOf(res, fallback) {
  const m = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '');
  return m?.[1] ?? fallback;
}

/** The control, or null when this user or this case cannot have a pack. */
export function evidencePackControl(c) {
  if (c.status !== 'APPROVED' || !has('LEAD', 'FINANCE')) return null;
  const select = el(
    'select',
    { id: 'evidence-profile', name: 'profile' },
    PROFILES.map((p) => el('option', { value: p, text: t(`profile_${p}`) })),
  );
  const status = el('p', { class: 'muted', id: 'evidence-status', role: 'status', 'aria-live': 'polite' });
  const button = el('button', {
    type: 'button',
    id: 'evidence-pack',
    class: 'primary',
    text: t('evidencePackButton'),
    onclick: async () => {
      button.disabled = true;
      status.textContent = t('evidencePackBuilding');
      try {
        const res = await fetch(`/api/v1/cases/${c.id}/evidence-pack?profile=${select.value}`, {
          credentials: 'same-origin',
          headers: { accept: 'application/pdf, application/json', 'x-appeal-language': i18n.lang },
        });
        if (!res.ok) {
          const body = await res.json().catch(() => null);
          status.textContent = '';
          flash(body?.error?.message ?? `HTTP ${res.status}`, true);
          return;
        }
        const blob = await res.blob();
        const url = URL.createObjectURL(blob);
        const a = el('a', { href: url, download: filenameOf(res, `evidence-${c.id}.pdf`), hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        status.textContent = t('evidencePackDone', {
          pages: res.headers.get('x-evidence-pack-pages') ?? '?',
          size: (blob.size / 1_000_000).toFixed(2),
        });
      } catch (err) {
        status.textContent = '';
        flash(err.message, true);
      } finally {
        button.disabled = false;
      }
    },
  });
  return el(
    'section',
    { class: 'card', id: 'evidence-box', 'aria-label': t('evidencePack') },
    el('h3', { text: t('evidencePack') }),
    el('p', { class: 'muted', text: t('evidencePackHint') }),
    el(
      'p',
      {},
      el('label', { for: 'evidence-profile', text: `${t('evidenceProfile')} ` }),
      select,
      ' ',
      button,
    ),
    status,
  );
}
