// "Withdraw my appeal / cancel the order" on My Appeal (before a decision only).
import { $, api, el } from '../common.js';

const WITHDRAWABLE = ['AWAITING_DOCUMENTS', 'SUBMITTED', 'IN_REVIEW', 'MORE_INFO_REQUESTED'];
let withdrawBox = null;
// what the handlers of the box (built once) act on: the latest call's appeal and callbacks
let current = null;

/**
 * "Withdraw my appeal / cancel the order", before a decision only. Two steps: the button opens an inline
 * confirmation (focus moves into it; Escape or "No" closes it and gives focus back), so one stray tap
 * cannot cancel an order.
 */
export function renderWithdraw({ appeal, appealId, t, reload }) {
  current = { appealId, reload };
  if (!withdrawBox) {
    const open = el('button', { type: 'button', id: 'withdraw', 'aria-expanded': 'false' });
    const question = el('p', { id: 'withdraw-q', class: 'strong', tabindex: '-1' });
    const yes = el('button', { type: 'button', id: 'withdraw-yes', class: 'primary' });
    const no = el('button', { type: 'button', id: 'withdraw-no' });
    const msg = el('p', { id: 'withdraw-msg', role: 'alert' });
    const confirm = el(
      'div',
      {
        id: 'withdraw-confirm',
        class: 'notice bad',
        role: 'group',
        'aria-labelledby': 'withdraw-q',
        hidden: true,
      },
      question,
      el('div', { class: 'actions' }, yes, no),
      msg,
    );
    open.setAttribute('aria-controls', 'withdraw-confirm');
    const close = () => {
      confirm.hidden = true;
      open.setAttribute('aria-expanded', 'false');
      msg.textContent = '';
      open.focus();
    };
    open.addEventListener('click', () => {
      confirm.hidden = false;
      open.setAttribute('aria-expanded', 'true');
      question.focus();
    });
    no.addEventListener('click', close);
    confirm.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') close();
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      no.disabled = true;
      try {
        await api('POST', `/api/v1/appeals/${current.appealId}/withdraw`, {});
        await current.reload();
        $('#status-msg').textContent = t('withdrawn');
        $('#h-status').setAttribute('tabindex', '-1');
        $('#h-status').focus();
      } catch (e) {
        msg.textContent = e.message;
        // the appeal may have been decided meanwhile: show what it is now
        await current.reload().catch(() => {});
      } finally {
        yes.disabled = false;
        no.disabled = false;
      }
    });
    withdrawBox = el(
      'section',
      { class: 'card', id: 'withdraw-card', 'aria-labelledby': 'withdraw' },
      el('p', { class: 'muted', id: 'withdraw-why' }),
      open,
      confirm,
    );
    // last on the page: a way out, not the next step
    $('#page').append(withdrawBox);
  }
  withdrawBox.hidden = !WITHDRAWABLE.includes(appeal.status);
  $('#withdraw').textContent = t('withdraw');
  $('#withdraw-why').textContent = t('withdrawWhy');
  $('#withdraw-q').textContent = t('withdrawConfirm');
  $('#withdraw-yes').textContent = t('withdrawYes');
  $('#withdraw-no').textContent = t('withdrawNo');
}
