// My Appeal, the e-mail channel's part: files that came by e-mail and wait for a slot (the appeal view's
// `unsorted`). One tap puts a file in a slot (the card front asks for the last 4 first); the server runs
// every check of that slot again. Kept apart from appeal.js, which calls renderUnsorted after each render.
import { api, el } from './common.js';

const SLOTS = ['ID_FRONT', 'ID_BACK', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'];
const TEXT = {
  en: {
    head: 'Files from your e-mail',
    hint: 'Tell us what each file shows. We check it again for that place.',
    guess: 'Looks like: {slot}',
    last4: 'Last 4 digits on the card',
    put: 'Put here',
    sender: 'Sender not verified',
    ID_FRONT: 'ID (front or passport)',
    ID_BACK: 'ID (back)',
    CARD_FRONT: 'Card front',
    CARD_BACK: 'Card back',
    BILLING_STATEMENT: 'Statement',
  },
  zh: {
    head: '来自您邮件的文件',
    hint: '请告诉我们每个文件是什么。我们会按该位置重新检查。',
    guess: '看起来像：{slot}',
    last4: '卡号后 4 位',
    put: '放到这里',
    sender: '发件人未验证',
    ID_FRONT: '证件（正面或护照）',
    ID_BACK: '证件（背面）',
    CARD_FRONT: '卡片正面',
    CARD_BACK: '卡片背面',
    BILLING_STATEMENT: '账单',
  },
};

/**
 * Renders the unsorted files into `host` (hidden when there are none). `onPlaced` reloads the page's
 * appeal; `lang` is 'en' or 'zh'.
 */
export function renderUnsorted(host, appeal, lang, onPlaced) {
  const T = TEXT[lang] ?? TEXT.en;
  const items = appeal.unsorted ?? [];
  host.hidden = items.length === 0;
  if (!items.length) return host.replaceChildren();
  host.replaceChildren(
    el('h2', { text: T.head }),
    el('p', { class: 'muted', text: T.hint }),
    ...items.map((u) => item(u, appeal, T, onPlaced)),
  );
}

function item(u, appeal, T, onPlaced) {
  const err = el('p', { class: 'verdict bad', role: 'alert', hidden: true });
  const last4 = el('input', {
    inputmode: 'numeric',
    maxlength: '4',
    pattern: '[0-9]{4}',
    autocomplete: 'off',
    'aria-label': T.last4,
    placeholder: T.last4,
    hidden: true,
  });
  const place = async (slot, btn) => {
    if (slot === 'CARD_FRONT' && !/^\d{4}$/.test(last4.value)) {
      last4.hidden = false;
      last4.focus();
      return;
    }
    btn.disabled = true;
    err.hidden = true;
    try {
      await api('POST', `/api/v1/appeals/${appeal.id}/unsorted/${u.id}/place`, {
        slot,
        ...(slot === 'CARD_FRONT' ? { cardLast4: last4.value } : {}),
      });
      await onPlaced();
    } catch (e) {
      err.textContent = e.message;
      err.hidden = false;
      btn.disabled = false;
    }
  };
  const buttons = SLOTS.filter((s) => appeal.slots.some((x) => x.slot === s)).map((s) => {
    const b = el('button', {
      type: 'button',
      class: s === u.slotGuess ? 'primary' : 'secondary',
      'data-slot': s,
      text: T[s],
    });
    b.addEventListener('click', () => void place(s, b));
    return b;
  });
  return el(
    'div',
    { class: 'card unsorted-item', 'data-id': u.id },
    el('p', {}, el('strong', { text: u.filename ?? '' })),
    u.slotGuess
      ? el('p', { class: 'muted', text: T.guess.replace('{slot}', T[u.slotGuess] ?? u.slotGuess) })
      : null,
    u.flags?.includes('SENDER_UNVERIFIED') ? el('p', { class: 'muted', text: T.sender }) : null,
    el('div', { class: 'actions' }, ...buttons),
    last4,
    err,
  );
}
