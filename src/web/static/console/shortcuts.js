// Decision shortcuts on the case page (issue 19 point 3). Single-character keys are OFF by default
// (WCAG 2.1.4): the "Keyboard shortcuts" button opens the help panel, whose switch turns them on for this
// browser (localStorage). When on, `?` opens the same panel. Keys never fire inside a text field, a select
// or an editable element, nor with Ctrl, Alt or Meta held (those belong to the browser and screen
// readers). A decision key only chooses the decision in the form and moves the focus to its Send button:
// sending stays a deliberate Enter or click, and a rejection still asks for confirmation.
import { el } from '../common.js';
import { go, t } from './core.js';

const STORE = 'console.shortcuts';
const ORDER = 'console.queueOrder';

export const KEYS = [
  ['a', 'scApprove'],
  ['r', 'scReject'],
  ['m', 'scMoreInfo'],
  ['n', 'scNext'],
  ['p', 'scPrev'],
  ['+', 'scZoomIn'],
  ['-', 'scZoomOut'],
  ['o', 'scRotate'],
  ['?', 'scHelp'],
];

export function shortcutsOn() {
  try {
    return localStorage.getItem(STORE) === 'on';
  } catch {
    return false;
  }
}

function setShortcuts(on) {
  try {
    localStorage.setItem(STORE, on ? 'on' : 'off');
  } catch {
    // storage refused (private mode): the switch then lasts for this page only
  }
}

/** The queue remembers the order it showed, so the case page knows the next and previous case. */
export function rememberQueueOrder(ids) {
  try {
    sessionStorage.setItem(ORDER, JSON.stringify(ids.slice(0, 500)));
  } catch {
    // nothing to remember across pages without storage
  }
}

export function neighbour(caseId, delta) {
  let ids = [];
  try {
    ids = JSON.parse(sessionStorage.getItem(ORDER) ?? '[]');
  } catch {
    ids = [];
  }
  const i = ids.indexOf(caseId);
  if (i < 0) return null;
  return ids[i + delta] ?? null;
}

// where a key is text, not a command: text fields, selects, editable elements (a checkbox or a radio
// button is not one: Escape and the keys still work there)
const NOT_TEXT = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'color', 'range']);
function typing(target) {
  const n = target instanceof Element ? target : null;
  if (!n) return false;
  if (n.tagName === 'INPUT') return !NOT_TEXT.has(n.type);
  return n.tagName === 'TEXTAREA' || n.tagName === 'SELECT' || n.isContentEditable;
}

/**
 * Installs the shortcuts of one case page. `form` is the decision form (null when the case cannot be
 * decided by this user), `docs` the element holding the document viewers. Returns the help button and
 * panel to place on the page, and the cleanup that removes the key listener.
 */
export function caseShortcuts(caseId, { form, docs }) {
  let on = shortcutsOn();
  const toggle = el('input', { type: 'checkbox', id: 'sc-on', checked: on });
  const list = el(
    'dl',
    { class: 'shortcuts' },
    KEYS.flatMap(([k, label]) => [el('dt', {}, el('kbd', { text: k })), el('dd', { text: t(label) })]),
  );
  const panel = el(
    'section',
    { class: 'card', id: 'shortcuts-help', role: 'dialog', 'aria-labelledby': 'sc-title', hidden: true },
    el('h3', { id: 'sc-title', text: t('scTitle') }),
    el('label', { for: 'sc-on' }, toggle, ` ${t('scSwitch')}`),
    el('p', { class: 'muted', text: t('scNote') }),
    list,
    el('button', { type: 'button', text: t('scClose'), onclick: () => show(false) }),
  );
  const button = el('button', {
    type: 'button',
    id: 'shortcuts-btn',
    'aria-expanded': 'false',
    'aria-controls': 'shortcuts-help',
    text: t('scButton'),
    onclick: () => show(panel.hidden),
  });
  function show(v) {
    panel.hidden = !v;
    button.setAttribute('aria-expanded', String(v));
    if (v) toggle.focus();
  }
  toggle.addEventListener('change', () => {
    on = toggle.checked;
    setShortcuts(on);
  });

  const choose = (decision) => {
    const radio = form?.querySelector(`input[name=decision][value=${decision}]`);
    if (!radio) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event('change', { bubbles: true }));
    form.querySelector('button[type=submit]')?.focus();
    return true;
  };
  // the viewer the reviewer last touched, else the first one
  const viewer = () => document.activeElement?.closest?.('.doc') ?? docs.querySelector('.doc');
  const press = (selector) => {
    const b = viewer()?.querySelector(selector);
    if (!b) return false;
    b.click();
    return true;
  };
  const actions = {
    a: () => choose('APPROVE'),
    r: () => choose('REJECT'),
    m: () => choose('REQUEST_MORE_INFO'),
    n: () => step(1),
    p: () => step(-1),
    '+': () => press('.tools [data-sc=zoom-in]'),
    '=': () => press('.tools [data-sc=zoom-in]'),
    '-': () => press('.tools [data-sc=zoom-out]'),
    o: () => press('.tools [data-sc=rotate]'),
    '?': () => (show(panel.hidden), true),
  };
  function step(delta) {
    const id = neighbour(caseId, delta);
    if (!id) return false;
    go(`/console/cases/${id}`);
    return true;
  }
  const onKey = (e) => {
    if (e.key === 'Escape' && !panel.hidden) {
      show(false);
      button.focus();
      return;
    }
    if (!on || e.ctrlKey || e.metaKey || e.altKey || e.isComposing || typing(e.target)) return;
    const act = actions[e.key];
    // the viewer's own keys (+/- and arrows while it has the focus) stay the viewer's
    if (!act || (e.target instanceof Element && e.target.closest('.viewport') && '+=-'.includes(e.key)))
      return;
    if (act()) e.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return { button, panel, cleanup: () => document.removeEventListener('keydown', onKey) };
}
