// The statement slot's pages (photos or PDFs) as received on My Appeal, each removable while the slot is
// editable. `remove(docId)` deletes one and redraws the page.
import { $, el } from '../common.js';
import { fmtSize } from './chosen.js';

export function renderPages(card, s, editable, t, remove) {
  let list = card.root.querySelector('.page-list');
  if (!list) {
    list = el('ul', { class: 'page-list', 'aria-label': t('pageList') });
    card.root.querySelector('.verdict').before(list);
  }
  const docs = s.state === 'ACCEPTED' ? (s.documents ?? []) : [];
  list.hidden = docs.length === 0;
  list.setAttribute('aria-label', t('pageList'));
  list.replaceChildren(
    ...docs.map((d, i) => {
      const bytes = (d.checks ?? []).find((c) => c.rule === 'size')?.measured?.bytes;
      const kind =
        d.mimeType === 'application/pdf' ? t('pdfPagesKind', { n: d.pageCount ?? 1 }) : t('imageKind');
      return el(
        'li',
        { 'data-doc': d.id },
        el('span', { text: t('pageItem', { n: i + 1, kind, size: bytes ? fmtSize(bytes) : '' }) }),
        editable
          ? el('button', {
              type: 'button',
              class: 'remove-page',
              'aria-label': t('removePageLabel', { n: i + 1 }),
              text: t('removePage'),
              onclick: async (e) => {
                e.target.disabled = true;
                try {
                  await remove(d.id);
                } catch (err) {
                  e.target.disabled = false;
                  $('#submit-msg').textContent = err.message;
                }
              },
            })
          : null,
      );
    }),
  );
}
