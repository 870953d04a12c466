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

const MAX_BYTES = 10 * 1024 * 1024;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/heic', 'image/heif'];
const SLOTS = ['ID_FRONT', 'ID_BACK', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'];

const DICT = {
  en: {
    title: 'My appeal',
    skip: 'Skip to content',
    language: 'Language',
    loading: 'Loading…',
    order: 'Your order',
    orderNumber: 'Order number',
    amount: 'Amount',
    card: 'Card',
    cardEnding: '{brand} ending {last4}',
    why: 'Why the payment was blocked',
    status: 'Status',
    needed: 'What we need from you',
    neededWhy:
      'To confirm that the card is yours, we need a photo of your ID, both sides of the card and a statement showing the payment. Nothing is shared with the seller.',
    idType: 'Which ID will you use?',
    PASSPORT: 'Passport',
    ID_CARD: 'ID card',
    DRIVING_LICENCE: 'Driving licence',
    chooseIdFirst: 'Choose your ID type to see which photos we need.',
    submit: 'Send for review',
    noLink: 'Open the link from your e-mail to see your appeal.',
    linkInvalid: 'This link is not valid or has expired. Use the latest e-mail we sent you.',
    ID_FRONT: 'ID: front or photo page',
    ID_BACK: 'ID: back',
    CARD_FRONT: 'Card: front',
    CARD_BACK: 'Card: back',
    BILLING_STATEMENT: 'Card statement',
    why_ID_FRONT: 'Shows that the name on the card is yours. For a passport, the page with your photo.',
    why_ID_BACK: 'The back of your ID card or driving licence.',
    why_CARD_FRONT: 'Shows the card used for this order. Cover all digits except the last 4.',
    why_CARD_BACK: 'Shows the signature side of the same card. Cover the 3-digit CVV.',
    why_BILLING_STATEMENT: 'A statement (photo or the bank’s PDF) showing the payment. Add each page.',
    coverHint: 'Cover the card number with paper or your finger, leaving only the last 4 digits visible.',
    cvvHint: 'Cover the 3-digit security code (CVV) on the back before taking the photo.',
    last4: 'Last 4 digits you can see on the card',
    last4Needed: 'Enter the 4 digits you can see on the card first.',
    takePhoto: 'Take a photo',
    chooseFile: 'Choose a file',
    addPage: 'Add a page',
    st_EMPTY: 'Needed',
    st_ACCEPTED: 'Accepted',
    st_REDO_REQUESTED: 'Please send again',
    st_OPTIONAL: 'Not needed',
    tooBig:
      'This file is {mb} MB; the limit is 10 MB. Take the photo again at a lower resolution or send a smaller file.',
    empty: 'This file is empty. Choose the photo again.',
    badType: 'This type of file ({type}) is not accepted here. Use a JPEG, PNG, WebP or AVIF photo{pdf}.',
    orPdf: ' or the bank’s PDF',
    uploading: 'Uploading…',
    accepted: 'Accepted.',
    pages: '{n} page(s) received.',
    failed: 'We could not accept this photo:',
    retry: 'Try again',
    anyway: 'Upload anyway',
    anywayHint:
      'If you cannot take a better photo, you can send it anyway; a reviewer will look at it closely.',
    network: 'The upload did not complete. Check your connection and try again.',
    submitHint: 'You can send your appeal once every photo is accepted.',
    submitReady: 'Everything is ready. Send your appeal for review.',
    submitted: 'Your appeal was sent.',
    answerBy: 'You will get an answer by {date}.',
    tl_SUBMITTED: 'Submitted',
    tl_IN_REVIEW: 'In review',
    tl_MORE_INFO: 'More information needed',
    tl_DECISION: 'Decision',
    tl_REFUND: 'Refund',
    on: 'on {date}',
    moreInfoSlots: 'Please send again: {slots}.',
    APPROVED: 'Approved: your order will go ahead.',
    REJECTED: 'Not approved: your order was cancelled.',
    WITHDRAWN: 'You withdrew the appeal; the order was cancelled.',
    EXPIRED: 'The appeal expired; the order was cancelled.',
    refundWindow: '{amount} should reach your account between {from} and {to}.',
    rf_SCHEDULED: 'Scheduled',
    rf_SUBMITTED: 'Sent to the bank',
    rf_SETTLED: 'Refunded',
    rf_FAILED: 'Delayed: we are on it',
    arn: 'Reference for your bank (ARN): {arn}',
    awaiting: 'Waiting for your documents',
    reasonsHead: 'Why:',
    withdraw: 'Withdraw my appeal and cancel the order',
    withdrawWhy:
      'If you no longer want this order, you can withdraw the appeal. The order is cancelled and any money taken is refunded.',
    withdrawConfirm: 'Withdraw the appeal? The order will be cancelled. This cannot be undone.',
    withdrawYes: 'Yes, withdraw and cancel',
    withdrawNo: 'No, keep my appeal',
    withdrawn: 'Your appeal was withdrawn and the order cancelled.',
  },
  zh: {
    title: '我的申诉',
    skip: '跳到内容',
    language: '语言',
    loading: '加载中…',
    order: '您的订单',
    orderNumber: '订单号',
    amount: '金额',
    card: '银行卡',
    cardEnding: '{brand} 尾号 {last4}',
    why: '付款被拦截的原因',
    status: '状态',
    needed: '需要您提供的材料',
    neededWhy:
      '为确认该卡属于您本人，我们需要您的证件照片、银行卡正反面照片以及显示该笔付款的账单。这些材料不会提供给卖家。',
    idType: '您将使用哪种证件？',
    PASSPORT: '护照',
    ID_CARD: '身份证',
    DRIVING_LICENCE: '驾驶证',
    chooseIdFirst: '请先选择证件类型，我们会显示需要的照片。',
    submit: '提交审核',
    noLink: '请打开邮件中的链接查看您的申诉。',
    linkInvalid: '此链接无效或已过期，请使用我们最近发送的邮件。',
    ID_FRONT: '证件：正面或照片页',
    ID_BACK: '证件：背面',
    CARD_FRONT: '银行卡：正面',
    CARD_BACK: '银行卡：背面',
    BILLING_STATEMENT: '银行卡账单',
    why_ID_FRONT: '证明卡上的姓名是您本人。护照请拍摄照片页。',
    why_ID_BACK: '身份证或驾驶证的背面。',
    why_CARD_FRONT: '证明本订单使用的银行卡。请遮住除最后 4 位以外的所有卡号。',
    why_CARD_BACK: '同一张卡的背面。请遮住 3 位安全码（CVV）。',
    why_BILLING_STATEMENT: '显示该笔付款的账单（照片或银行 PDF），每页都请上传。',
    coverHint: '用纸或手指遮住卡号，只露出最后 4 位数字。',
    cvvHint: '拍照前请遮住卡背面的 3 位安全码（CVV）。',
    last4: '卡上可见的最后 4 位数字',
    last4Needed: '请先输入卡上可见的 4 位数字。',
    takePhoto: '拍照',
    chooseFile: '选择文件',
    addPage: '添加一页',
    st_EMPTY: '待上传',
    st_ACCEPTED: '已通过',
    st_REDO_REQUESTED: '请重新上传',
    st_OPTIONAL: '无需上传',
    tooBig: '此文件为 {mb} MB，上限为 10 MB。请降低分辨率重拍或选择更小的文件。',
    empty: '此文件为空，请重新选择照片。',
    badType: '不接受此类文件（{type}）。请使用 JPEG、PNG、WebP 或 AVIF 照片{pdf}。',
    orPdf: '或银行 PDF',
    uploading: '上传中…',
    accepted: '已通过。',
    pages: '已收到 {n} 页。',
    failed: '这张照片未能通过：',
    retry: '重试',
    anyway: '仍然上传',
    anywayHint: '如果无法拍出更好的照片，您仍可上传，审核员会仔细查看。',
    network: '上传未完成，请检查网络后重试。',
    submitHint: '所有照片通过后即可提交申诉。',
    submitReady: '材料已齐全，请提交审核。',
    submitted: '您的申诉已提交。',
    answerBy: '您将在 {date} 前收到答复。',
    tl_SUBMITTED: '已提交',
    tl_IN_REVIEW: '审核中',
    tl_MORE_INFO: '需要补充材料',
    tl_DECISION: '审核结果',
    tl_REFUND: '退款',
    on: '{date}',
    moreInfoSlots: '请重新上传：{slots}。',
    APPROVED: '已通过：您的订单将继续处理。',
    REJECTED: '未通过：您的订单已取消。',
    WITHDRAWN: '您已撤回申诉，订单已取消。',
    EXPIRED: '申诉已过期，订单已取消。',
    refundWindow: '{amount} 预计在 {from} 至 {to} 之间退回您的账户。',
    rf_SCHEDULED: '已安排',
    rf_SUBMITTED: '已提交银行',
    rf_SETTLED: '已退款',
    rf_FAILED: '延迟：我们正在处理',
    arn: '银行查询编号（ARN）：{arn}',
    awaiting: '等待您上传材料',
    reasonsHead: '原因：',
    withdraw: '撤回申诉并取消订单',
    withdrawWhy: '如果您不再需要此订单，可以撤回申诉。订单将被取消，已扣款项将退回。',
    withdrawConfirm: '确定撤回申诉吗？订单将被取消，此操作无法撤销。',
    withdrawYes: '确定撤回并取消',
    withdrawNo: '不，保留申诉',
    withdrawn: '您的申诉已撤回，订单已取消。',
  },
};

const i18n = createI18n(DICT, 'en');
const t = i18n.t;
let appealId = '';
let appeal = null;
let catalogue = null;
/** per slot: {file, attempts, overrideAvailable, verdict: {ok, lines}} - survives re-renders */
const ui = new Map(
  SLOTS.map((s) => [s, { file: null, overrideAvailable: false, verdict: null, busy: false }]),
);
const cards = new Map();

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
  renderStatus();
  renderWithdraw();
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

/** The catalogue texts of the decision's reasons, in the page's language. */
function reasonLines(d) {
  const L = i18n.lang;
  const texts = (d?.reasons ?? []).map((r) => r.buyerText?.[L] || r.buyerText?.en).filter(Boolean);
  return texts.length ? [t('reasonsHead'), ...texts] : [];
}

function renderStatus() {
  const L = i18n.lang;
  const a = appeal;
  const decided = ['APPROVED', 'REJECTED', 'WITHDRAWN', 'EXPIRED'].includes(a.status);
  $('#answer-by').textContent =
    a.answerBy && !decided && a.status !== 'MORE_INFO_REQUESTED'
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
      ...(current ? reasonLines(a.decision) : []),
      current ? a.decision?.buyerMessage : '',
    );
  }
  if (decided) {
    step(
      'tl_DECISION',
      'done',
      t(a.status),
      ...(a.status === 'REJECTED' ? reasonLines(a.decision) : []),
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
      t('refundWindow', {
        amount: formatMoney(r.amount, L),
        from: formatDate(r.expectedFrom, L),
        to: formatDate(r.dueBy, L),
      }),
      r.arn ? t('arn', { arn: r.arn }) : '',
    );
  }
}

const WITHDRAWABLE = ['AWAITING_DOCUMENTS', 'SUBMITTED', 'IN_REVIEW', 'MORE_INFO_REQUESTED'];
let withdrawBox = null;

/**
 * "Withdraw my appeal / cancel the order", before a decision only. Two steps: the button opens an inline
 * confirmation (focus moves into it; Escape or "No" closes it and gives focus back), so one stray tap
 * cannot cancel an order.
 */
function renderWithdraw() {
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
        await api('POST', `/api/v1/appeals/${appealId}/withdraw`, {});
        await load();
        render();
        $('#status-msg').textContent = t('withdrawn');
        $('#h-status').setAttribute('tabindex', '-1');
        $('#h-status').focus();
      } catch (e) {
        msg.textContent = e.message;
        // the appeal may have been decided meanwhile: show what it is now
        await load().then(render, () => {});
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
  renderVerdict(card, s, st);
}

function renderVerdict(card, s, st) {
  const v = card.root.querySelector('.verdict');
  v.replaceChildren();
  if (st.verdict) {
    v.className = `verdict ${st.verdict.ok ? 'ok' : 'bad'}`;
    v.append(el('p', { class: 'strong', text: st.verdict.head }));
    if (st.verdict.lines.length)
      v.append(
        el(
          'ul',
          {},
          st.verdict.lines.map((l) => el('li', { text: l })),
        ),
      );
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

function precheck(slot, f) {
  if (f.size === 0) return t('empty');
  if (f.size > MAX_BYTES) return t('tooBig', { mb: (f.size / 1048576).toFixed(1) });
  const ok = [...IMAGE_TYPES, ...(slot === 'BILLING_STATEMENT' ? ['application/pdf'] : [])];
  // an empty type (some phones) is left to the server, which decides from the bytes anyway
  if (f.type && !ok.includes(f.type))
    return t('badType', { type: f.type, pdf: slot === 'BILLING_STATEMENT' ? t('orPdf') : '' });
  return null;
}

function choose(slot, f) {
  const st = ui.get(slot);
  const card = cards.get(slot);
  const problem = precheck(slot, f);
  const pv = card.root.querySelector('.preview');
  const img = pv.querySelector('img');
  if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
  if (problem) {
    st.file = null;
    st.verdict = { ok: false, head: problem, lines: [] };
    pv.hidden = true;
    return rerenderSlot(slot);
  }
  if (st.file !== f) st.overrideAvailable = st.overrideAvailable && st.file?.name === f.name;
  st.file = f;
  pv.hidden = false;
  pv.querySelector('.pname').textContent = `${f.name} · ${(f.size / 1048576).toFixed(1)} MB`;
  if (f.type.startsWith('image/')) {
    img.hidden = false;
    img.src = URL.createObjectURL(f);
  } else {
    img.hidden = true;
    img.removeAttribute('src');
  }
  send(slot, false);
}

function rerenderSlot(slot) {
  const s = appeal.slots.find((x) => x.slot === slot);
  renderSlot(s, editableSlots().has(slot));
}

function xhrUpload(form, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', `/api/v1/appeals/${appealId}/documents`);
    x.setRequestHeader('x-csrf-token', csrf);
    x.setRequestHeader('accept', 'application/json');
    x.setRequestHeader('x-appeal-language', document.documentElement.lang || 'en');
    x.upload.addEventListener(
      'progress',
      (e) => e.lengthComputable && onProgress((100 * e.loaded) / e.total),
    );
    x.addEventListener('load', () => {
      let body = null;
      try {
        body = JSON.parse(x.responseText);
      } catch {
        body = null;
      }
      resolve({ status: x.status, body });
    });
    x.addEventListener('error', () => reject(new Error('network')));
    x.addEventListener('abort', () => reject(new Error('network')));
    x.send(form);
  });
}

async function send(slot, override) {
  const st = ui.get(slot);
  const card = cards.get(slot);
  if (!st.file || st.busy) return;
  const form = new FormData();
  form.append('slot', slot);
  if (slot === 'CARD_FRONT') {
    const l4 = card.root.querySelector('.l4');
    if (!/^\d{4}$/.test(l4.value)) {
      st.verdict = { ok: false, head: t('last4Needed'), lines: [] };
      st.retryable = true;
      rerenderSlot(slot);
      l4.focus();
      return;
    }
    form.append('cardLast4', l4.value);
  }
  if (override) form.append('override', 'true');
  form.append('file', st.file, st.file.name || 'photo');
  const bar = card.root.querySelector('progress');
  bar.hidden = false;
  bar.value = 0;
  bar.setAttribute('aria-label', t('uploading'));
  st.busy = true;
  st.retryable = false;
  st.verdict = { ok: true, head: t('uploading'), lines: [] };
  rerenderSlot(slot);
  try {
    const { status, body } = await xhrUpload(form, (p) => {
      bar.value = p;
    });
    if (status === 201 || status === 200) {
      bar.value = 100;
      const lines = (body?.checks ?? [])
        .filter((c) => c.rule === 'resolution' && c.passed)
        .map((c) => c.message);
      st.verdict = { ok: true, head: t('accepted'), lines };
      st.file = null;
      st.overrideAvailable = false;
      await load();
    } else {
      const d = body?.error?.details;
      const failed = (d?.checks ?? []).filter((c) => !c.passed).map((c) => c.message);
      st.overrideAvailable = Boolean(d?.overrideAvailable);
      st.verdict = {
        ok: false,
        head: t('failed'),
        lines: failed.length ? failed : [body?.error?.message ?? `HTTP ${status}`],
      };
    }
  } catch {
    st.verdict = { ok: false, head: t('network'), lines: [] };
    st.retryable = true;
  } finally {
    st.busy = false;
    bar.hidden = true;
  }
  render();
}

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
