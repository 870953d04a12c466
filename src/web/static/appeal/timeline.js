// The status card of My Appeal: the date to act or to expect an answer by, and the timeline (submitted,
// review, more information, decision, refund: its window, or once settled that it was sent, with the ARN).
import { $, el, formatDate, formatMoney } from '../common.js';

/** The catalogue texts of the decision's reasons, in the page's language. */
function reasonLines(d, t, L) {
  const texts = (d?.reasons ?? []).map((r) => r.buyerText?.[L] || r.buyerText?.en).filter(Boolean);
  return texts.length ? [t('reasonsHead'), ...texts] : [];
}

export function renderStatus(a, t, L) {
  const decided = ['APPROVED', 'REJECTED', 'WITHDRAWN', 'EXPIRED'].includes(a.status);
  // waiting for the buyer: the date to act by (the appeal expires after it); else the answer date
  $('#answer-by').textContent =
    a.respondBy && (a.status === 'MORE_INFO_REQUESTED' || a.status === 'AWAITING_DOCUMENTS')
      ? t(a.status === 'MORE_INFO_REQUESTED' ? 'respondBy' : 'respondByFirst', {
          date: formatDate(a.respondBy, L),
        })
      : a.answerBy && !decided && a.status !== 'MORE_INFO_REQUESTED'
        ? t('answerBy', { date: formatDate(a.answerBy, L) })
        : '';
  const ol = $('#timeline');
  ol.replaceChildren();
  const step = (key, state, ...lines) =>
    ol.append(
      el(
        'li',
        { class: state, 'aria-current': state === 'current' ? 'step' : null },
        el('strong', { text: t(key) }),
        ...lines.filter(Boolean).map((l) => el('p', { text: l })),
      ),
    );
  if (a.status === 'AWAITING_DOCUMENTS') {
    step('awaiting', 'current');
    return;
  }
  // withdrawn or expired before it was ever sent: there was no review to show
  if (a.submittedAt) {
    step('tl_SUBMITTED', 'done', t('on', { date: formatDate(a.submittedAt, L) }));
    const inReview = a.status === 'SUBMITTED' || a.status === 'IN_REVIEW';
    step('tl_IN_REVIEW', inReview ? 'current' : 'done');
  }
  if (a.status === 'MORE_INFO_REQUESTED' || (a.round ?? 0) > 0) {
    const current = a.status === 'MORE_INFO_REQUESTED';
    const slots = (current ? a.requestedSlots : (a.decision?.slots ?? [])).map((s) => t(s)).join(', ');
    step(
      'tl_MORE_INFO',
      current ? 'current' : 'done',
      slots ? t('moreInfoSlots', { slots }) : '',
      ...(current ? reasonLines(a.decision, t, L) : []),
      current ? a.decision?.buyerMessage : '',
    );
  }
  if (decided) {
    step(
      'tl_DECISION',
      'done',
      t(a.status),
      ...(a.status === 'REJECTED' ? reasonLines(a.decision, t, L) : []),
      a.decision?.buyerMessage,
      a.decision?.decidedAt ? t('on', { date: formatDate(a.decision.decidedAt, L) }) : '',
    );
  } else step('tl_DECISION', 'todo');
  if (a.refund) {
    const r = a.refund;
    step(
      'tl_REFUND',
      r.status === 'SETTLED' ? 'done' : 'current',
      t(`rf_${r.status}`),
      // once settled the money was sent: say so, with the reference the buyer's bank can trace
      r.status === 'SETTLED'
        ? t(r.arn ? 'refundSent' : 'refundSentNoArn', {
            amount: formatMoney(r.amount, L),
            date: formatDate(r.settledAt ?? r.dueBy, L),
            arn: r.arn,
          })
        : t('refundWindow', {
            amount: formatMoney(r.amount, L),
            from: formatDate(r.expectedFrom, L),
            to: formatDate(r.dueBy, L),
          }),
      r.arn && r.status !== 'SETTLED' ? t('arn', { arn: r.arn }) : '',
    );
  }
}
