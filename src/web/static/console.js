// The staff console: sign-in, the review queue, a case with its documents and the decision form, the
// leads' pool/escalations/team SLA, and the finance view of refunds. Client-side routing under /console.
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

const DICT = {
  en: {
    appName: 'Appeal desk',
    skip: 'Skip to content',
    language: 'Language',
    queue: 'Queue',
    leads: 'Leads',
    refunds: 'Refunds',
    logout: 'Sign out',
    signIn: 'Sign in',
    email: 'E-mail',
    password: 'Password',
    all: 'All open',
    mine: 'Mine',
    unassigned: 'Unassigned',
    overdue: 'Overdue',
    order: 'Order',
    amount: 'Amount',
    card: 'Card',
    status: 'Status',
    assignee: 'Assignee',
    due: 'Due',
    none: '—',
    empty: 'Nothing here.',
    keys: 'Keys: j / k or ↓ / ↑ to move, Enter to open.',
    breached: 'Breached {ago} ago',
    lastDay: '≤ 1 working day left · deadline in {left}',
    dueOn: 'Reply by {date} · deadline in {left}',
    back: '← Back to the queue',
    documents: 'Documents',
    checks: 'Checks',
    rule: 'Rule',
    measured: 'Measured',
    threshold: 'Threshold',
    result: 'Result',
    flags: 'Flags',
    override: 'Uploaded anyway',
    facts: 'Order facts',
    errorCode: 'Error code',
    buyer: 'Buyer',
    locale: 'Language',
    issuer: 'Card country',
    captured: 'Payment captured',
    yes: 'yes',
    no: 'no',
    sla: 'SLA',
    submitted: 'Submitted',
    target: 'Target (3 days)',
    warn: 'Warning (4 days)',
    breach: 'Deadline (5 days)',
    escalated: 'Escalated',
    history: 'History',
    decision: 'Decision',
    APPROVE: 'Approve',
    REJECT: 'Reject',
    REQUEST_MORE_INFO: 'Ask for documents again',
    reasons: 'Reason codes',
    slots: 'Documents to send again',
    buyerMessage: 'Message to the buyer',
    internalNote: 'Internal note (never shown to the buyer)',
    preview: 'What the buyer will read ({lang})',
    send: 'Record decision',
    decided: 'Decision recorded.',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    rotate: 'Rotate',
    reset: 'Reset',
    noImage: 'The image is not available: {why}. The checker’s measurements are shown below.',
    assign: 'Assign',
    assignTo: 'Assign to',
    pool: 'Unassigned pool',
    escalations: 'Escalations',
    teamSla: 'Team SLA (decided cases)',
    withinTarget: 'Within target',
    withinDeadline: 'Within deadline',
    breachedBar: 'Breached',
    openNow: 'Open: {open}, overdue: {overdue}, escalated: {escalated}, unassigned: {unassigned}',
    assigned: 'Assigned.',
    filters: 'Filters',
    any: 'Any',
    currency: 'Currency',
    apply: 'Apply',
    csv: 'Download CSV',
    totals: 'Totals',
    ageing: 'Ageing of open refunds',
    WITHIN_WINDOW: 'Before window',
    IN_WINDOW_7_10: 'In 7-10 day window',
    PAST_DUE: 'Past due',
    window: 'Window',
    reference: 'PSP ref / ARN',
    record: 'Record',
    event: 'Event',
    value: 'Reference, ARN or reason',
    recorded: 'Event recorded.',
    overdueOnly: 'Overdue only',
    decidedOn: 'Decided',
    SUBMITTED: 'Submitted',
    SETTLED: 'Settled',
    FAILED: 'Failed',
    SCHEDULED: 'Scheduled',
    signedOut: 'Signed out.',
    forbidden: 'Your roles do not include this page.',
    count: '{n} refund(s)',
  },
  zh: {
    appName: '申诉工作台',
    skip: '跳到内容',
    language: '语言',
    queue: '队列',
    leads: '组长',
    refunds: '退款',
    logout: '退出',
    signIn: '登录',
    email: '邮箱',
    password: '密码',
    all: '全部未结',
    mine: '我的',
    unassigned: '未分配',
    overdue: '已逾期',
    order: '订单',
    amount: '金额',
    card: '银行卡',
    status: '状态',
    assignee: '处理人',
    due: '期限',
    none: '—',
    empty: '暂无内容。',
    keys: '快捷键：j / k 或 ↓ / ↑ 移动，Enter 打开。',
    breached: '已超期 {ago}',
    lastDay: '剩余 ≤ 1 个工作日 · 距截止 {left}',
    dueOn: '答复期限 {date} · 距截止 {left}',
    back: '← 返回队列',
    documents: '材料',
    checks: '检查',
    rule: '规则',
    measured: '测量值',
    threshold: '阈值',
    result: '结果',
    flags: '标记',
    override: '用户强制上传',
    facts: '订单信息',
    errorCode: '错误码',
    buyer: '买家',
    locale: '语言',
    issuer: '发卡国家',
    captured: '已扣款',
    yes: '是',
    no: '否',
    sla: 'SLA',
    submitted: '提交时间',
    target: '目标（3 天）',
    warn: '预警（4 天）',
    breach: '截止（5 天）',
    escalated: '已升级',
    history: '历史',
    decision: '审核决定',
    APPROVE: '通过',
    REJECT: '拒绝',
    REQUEST_MORE_INFO: '要求重新提交材料',
    reasons: '原因代码',
    slots: '需重新提交的材料',
    buyerMessage: '给买家的留言',
    internalNote: '内部备注（买家不可见）',
    preview: '买家将看到的内容（{lang}）',
    send: '提交决定',
    decided: '决定已记录。',
    zoomIn: '放大',
    zoomOut: '缩小',
    rotate: '旋转',
    reset: '复原',
    noImage: '无法显示图片：{why}。下方为检查测量值。',
    assign: '分配',
    assignTo: '分配给',
    pool: '未分配池',
    escalations: '升级案件',
    teamSla: '团队 SLA（已决案件）',
    withinTarget: '目标内',
    withinDeadline: '期限内',
    breachedBar: '超期',
    openNow: '未结：{open}，逾期：{overdue}，升级：{escalated}，未分配：{unassigned}',
    assigned: '已分配。',
    filters: '筛选',
    any: '全部',
    currency: '币种',
    apply: '应用',
    csv: '下载 CSV',
    totals: '合计',
    ageing: '未结退款账龄',
    WITHIN_WINDOW: '窗口前',
    IN_WINDOW_7_10: '7-10 天窗口内',
    PAST_DUE: '已逾期',
    window: '窗口',
    reference: 'PSP 编号 / ARN',
    record: '记录',
    event: '事件',
    value: '编号、ARN 或原因',
    recorded: '事件已记录。',
    overdueOnly: '仅逾期',
    decidedOn: '决定日期',
    SUBMITTED: '已提交',
    SETTLED: '已到账',
    FAILED: '失败',
    SCHEDULED: '已安排',
    signedOut: '已退出。',
    forbidden: '您的角色无权访问此页面。',
    count: '{n} 笔退款',
  },
};
const SLOTS = ['ID_FRONT', 'ID_BACK', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT'];
const i18n = createI18n(DICT, 'en');
const t = i18n.t;
let user = null;
let cleanup = () => {};

function flash(msg, bad = false) {
  const f = $('#flash');
  f.textContent = msg;
  f.className = msg ? `notice ${bad ? 'error' : 'verdict ok'}` : '';
}

function has(role) {
  return Boolean(user?.roles?.includes(role) || user?.roles?.includes('ADMIN'));
}

function go(path, replace = false) {
  if (replace) history.replaceState({}, '', path);
  else history.pushState({}, '', path);
  route();
}

function link(href, text, attrs = {}) {
  return el('a', {
    href,
    text,
    ...attrs,
    onclick: (e) => {
      if (e.metaKey || e.ctrlKey || e.shiftKey) return;
      e.preventDefault();
      go(href);
    },
  });
}

async function call(method, url, body) {
  try {
    return await api(method, url, body);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      user = null;
      sessionStorage.removeItem('staff');
      go('/console/login', true);
    }
    throw e;
  }
}

function setView(title, ...nodes) {
  cleanup();
  cleanup = () => {};
  document.title = `${title} · ${t('appName')}`;
  $('#view').replaceChildren(el('h2', { id: 'view-title', tabindex: '-1', text: title }), ...nodes);
}

function renderChrome() {
  $('#nav').hidden = !user;
  $('#logout').hidden = !user;
  $('#who').textContent = user ? user.email : '';
  const path = location.pathname;
  for (const a of document.querySelectorAll('#nav a')) {
    a.hidden = Boolean(a.dataset.role) && !a.dataset.role.split(' ').some(has);
    const here =
      a.dataset.route === 'queue'
        ? path === '/console' || path.startsWith('/console/cases')
        : path.startsWith(a.getAttribute('href'));
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route() {
  flash('');
  const path = location.pathname.replace(/\/+$/, '') || '/console';
  renderChrome();
  if (!user && path !== '/console/login') return go('/console/login', true);
  try {
    if (path === '/console/login') return loginView();
    const m = /^\/console\/cases\/([0-9a-f-]{36})$/.exec(path);
    if (m) return await caseView(m[1]);
    if (path === '/console/leads') return await leadsView();
    if (path === '/console/refunds') return await refundsView();
    if (!has('REVIEWER') && !has('LEAD') && has('FINANCE')) return go('/console/refunds', true);
    return await queueView();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401))
      flash(e instanceof ApiError && e.status === 403 ? t('forbidden') : e.message, true);
  } finally {
    $('#view-title')?.focus();
  }
}

// ---------- sign-in ----------
function loginView() {
  const email = el('input', { type: 'email', id: 'email', autocomplete: 'username', required: true });
  const pw = el('input', {
    type: 'password',
    id: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const totp = el('input', {
    id: 'totp',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: 6,
  });
  const totpField = el('label', { class: 'field', for: 'totp', hidden: true }, 'Authenticator code', totp);
  const form = el(
    'form',
    { class: 'card', novalidate: true },
    el('label', { class: 'field', for: 'email' }, t('email'), email),
    el('label', { class: 'field', for: 'password' }, t('password'), pw),
    totpField,
    el('button', { class: 'primary', type: 'submit', text: t('signIn') }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = { email: email.value, password: pw.value };
      if (totp.value.trim()) body.totpCode = totp.value.trim();
      const out = await api('POST', '/api/v1/auth/login', body);
      user = out.user;
      setCsrf(out.csrfToken);
      sessionStorage.setItem('staff', JSON.stringify({ user: out.user, csrf: out.csrfToken }));
      go('/console', true);
    } catch (err) {
      flash(err.message, true);
      // second step: the password was right, the account asks for its authenticator code
      if (err instanceof ApiError && err.code.startsWith('AUTH.TOTP_')) {
        totpField.hidden = false;
        totp.value = '';
        totp.focus();
      } else pw.focus();
    }
  });
  setView(t('signIn'), form);
}

// ---------- queue ----------
function slaCell(c, now = Date.now()) {
  if (!c.breachAt) return { text: t('none'), cls: '' };
  const breach = Date.parse(c.breachAt);
  if (now >= breach) {
    const h = Math.round((now - breach) / 3600000);
    return {
      text: t('breached', { ago: h >= 48 ? `${Math.round(h / 24)} d` : `${h} h` }),
      cls: 'sla-breach',
    };
  }
  // the countdown runs to the hard deadline (breachAt); the stored instants already skip non-working days
  const mins = Math.max(0, Math.round((breach - now) / 60000));
  const left =
    mins >= 1440
      ? `${Math.floor(mins / 1440)} d ${Math.floor((mins % 1440) / 60)} h`
      : `${Math.floor(mins / 60)} h ${mins % 60} min`;
  if (c.warnAt && now >= Date.parse(c.warnAt)) return { text: t('lastDay', { left }), cls: 'sla-warn' };
  return { text: t('dueOn', { date: formatDate(c.targetAt ?? c.breachAt, i18n.lang, true), left }), cls: '' };
}

function caseTable(items, { onAssign, reviewers } = {}) {
  if (!items.length) return el('p', { class: 'muted', text: t('empty') });
  const rows = items.map((c) => {
    const s = slaCell(c);
    return el(
      'tr',
      { 'data-id': c.id },
      el('td', {}, link(`/console/cases/${c.id}`, c.orderId)),
      el('td', { text: formatMoney(c.amount, i18n.lang) }),
      el('td', { text: c.card ? `${c.card.brand} ·${c.card.last4}` : '' }),
      el('td', { text: c.status }),
      el('td', { text: c.assignee?.name ?? t('none') }),
      el('td', { class: s.cls, text: s.text + (c.escalated ? ` · ${t('escalated')}` : '') }),
      onAssign ? el('td', {}, assignControl(c, reviewers, onAssign)) : null,
    );
  });
  return el(
    'div',
    { class: 'scroll' },
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          [
            t('order'),
            t('amount'),
            t('card'),
            t('status'),
            t('assignee'),
            t('due'),
            onAssign ? t('assign') : null,
          ]
            .filter(Boolean)
            .map((h) => el('th', { scope: 'col', text: h })),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );
}

function assignControl(c, reviewers, onDone) {
  const sel = el(
    'select',
    { 'aria-label': `${t('assignTo')} ${c.orderId}` },
    el('option', { value: '', text: t('unassigned') }),
    reviewers.map((r) =>
      el('option', { value: r.id, text: `${r.name} (${r.openCases})`, selected: c.assignee?.id === r.id }),
    ),
  );
  const btn = el('button', {
    type: 'button',
    text: t('assign'),
    onclick: async () => {
      try {
        await call('POST', `/api/v1/cases/${c.id}/assign`, { reviewerId: sel.value || null });
        flash(t('assigned'));
        onDone();
      } catch (e) {
        flash(e.message, true);
      }
    },
  });
  return el('div', { class: 'row' }, sel, btn);
}

async function queueView() {
  const filter = new URLSearchParams(location.search).get('f') ?? 'all';
  const qs =
    { all: '', mine: 'assignee=me', unassigned: 'assignee=unassigned', overdue: 'overdue=true' }[filter] ??
    '';
  const data = await call('GET', `/api/v1/cases?limit=100&status=SUBMITTED,IN_REVIEW${qs ? `&${qs}` : ''}`);
  const bar = el(
    'div',
    { class: 'row', role: 'group', 'aria-label': t('filters') },
    ['all', 'mine', 'unassigned', 'overdue'].map((f) =>
      el('button', {
        type: 'button',
        'aria-pressed': String(f === filter),

        text: t(f),
        onclick: () => go(f === 'all' ? '/console' : `/console?f=${f}`),
      }),
    ),
  );
  const table = caseTable(data.items);
  setView(t('queue'), bar, el('p', { class: 'muted', text: t('keys') }), el('div', { class: 'card' }, table));
  // keyboard navigation over the rows: j/k or arrows move, Enter opens
  const rows = [...$('#view').querySelectorAll('tbody tr')];
  let i = rows.length ? 0 : -1;
  const mark = () =>
    rows.forEach((r, n) => {
      r.classList.toggle('sel', n === i);
      if (n === i) r.setAttribute('aria-selected', 'true');
      else r.removeAttribute('aria-selected');
    });
  mark();
  const onKey = (e) => {
    if (!rows.length || /INPUT|TEXTAREA|SELECT/.test(document.activeElement?.tagName ?? '')) return;
    if (e.key === 'j' || e.key === 'ArrowDown') i = Math.min(rows.length - 1, i + 1);
    else if (e.key === 'k' || e.key === 'ArrowUp') i = Math.max(0, i - 1);
    else if (
      e.key === 'Enter' &&
      document.activeElement?.tagName !== 'A' &&
      document.activeElement?.tagName !== 'BUTTON'
    )
      return go(`/console/cases/${rows[i].dataset.id}`);
    else return;
    e.preventDefault();
    mark();
    rows[i].querySelector('a').focus();
  };
  document.addEventListener('keydown', onKey);
  cleanup = () => document.removeEventListener('keydown', onKey);
}

// ---------- case ----------
function fmtVal(v) {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return String(v);
  return Object.entries(v)
    .map(([k, x]) => `${k}: ${typeof x === 'object' ? JSON.stringify(x) : x}`)
    .join(', ');
}

function docFigure(caseId, slot, d) {
  let zoom = 1;
  let rot = 0;
  const img = el('img', {
    alt: `${slot} page ${d.page + 1}`,
    src: `/api/v1/cases/${caseId}/documents/${d.id}/image`,
  });
  const apply = () => {
    img.style.transform = `rotate(${rot}deg) scale(${zoom})`;
  };
  const note = el('p', { class: 'notice error', hidden: true });
  img.addEventListener('error', () => {
    note.textContent = t('noImage', { why: 'GET /api/v1/cases/:id/documents/:docId/image' });
    note.hidden = false;
    // no picture: drop the empty frame and its tools, keep the measurements
    img.parentElement.hidden = true;
    tools.hidden = true;
  });
  const tools = el(
    'div',
    { class: 'tools', role: 'group', 'aria-label': `${slot}` },
    el('button', {
      type: 'button',
      'aria-label': t('zoomIn'),
      text: '+',
      onclick: () => {
        zoom = Math.min(4, zoom * 1.25);
        apply();
      },
    }),
    el('button', {
      type: 'button',
      'aria-label': t('zoomOut'),
      text: '−',
      onclick: () => {
        zoom = Math.max(0.5, zoom / 1.25);
        apply();
      },
    }),
    el('button', {
      type: 'button',
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
        apply();
      },
    }),
  );
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
  const flags = [...(d.flags ?? []), ...(d.override ? [t('override')] : [])];
  return el(
    'div',
    { class: 'card doc' },
    el('h4', {
      text: `${slot}${slot === 'BILLING_STATEMENT' ? ` · ${d.page + 1}` : ''} · ${d.width ?? '?'}×${d.height ?? '?'}`,
    }),
    el('figure', {}, el('div', { class: 'viewport' }, img), note),
    tools,
    flags.length
      ? el(
          'div',
          { class: 'flags', 'aria-label': t('flags') },
          flags.map((f) => el('span', { class: 'flag', text: f })),
        )
      : null,
    el(
      'details',
      // on a phone only the documents with a failed check or a flag open their measurements
      { open: matchMedia('(min-width: 48rem)').matches || sorted.some((c) => !c.passed) || flags.length > 0 },
      el('summary', { text: t('checks') }),
      el('div', { class: 'scroll' }, checks),
    ),
  );
}

function facts(pairs) {
  return el(
    'dl',
    { class: 'facts' },
    pairs.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v ?? t('none') })]),
  );
}

async function caseView(id) {
  const [c, reasons] = await Promise.all([
    call('GET', `/api/v1/cases/${id}`),
    call('GET', '/api/v1/reason-codes').catch(() => ({ items: [] })),
  ]);
  const L = i18n.lang;
  const o = c.order ?? {};
  const s = slaCell(c);
  const docs = [];
  for (const sl of c.slots ?? []) {
    const list = sl.documents ?? (sl.document ? [sl.document] : []);
    for (const d of list) docs.push(docFigure(id, sl.slot, d));
  }
  const head = el('p', {}, link('/console', t('back')));
  const summary = el(
    'div',
    { class: 'grid2' },
    el(
      'section',
      { class: 'card', 'aria-label': t('facts') },
      el('h3', { text: t('facts') }),
      facts([
        [t('order'), o.orderId],
        [t('amount'), formatMoney(o.amount, L)],
        [t('card'), o.card ? `${o.card.brand} ·${o.card.last4}` : ''],
        [t('errorCode'), o.errorCode],
        [t('buyer'), o.buyerName],
        [t('locale'), o.buyerLocale],
        [t('issuer'), o.issuerCountry],
        [t('captured'), o.paymentCaptured ? t('yes') : t('no')],
        [t('status'), c.status],
        [t('assignee'), c.assignee?.name],
      ]),
    ),
    el(
      'section',
      { class: 'card', 'aria-label': t('sla') },
      el('h3', { text: t('sla') }),
      facts([
        [t('submitted'), formatDate(c.submittedAt, L, true)],
        [t('target'), formatDate(c.targetAt, L, true)],
        [t('warn'), formatDate(c.warnAt, L, true)],
        [t('breach'), formatDate(c.breachAt, L, true)],
        [t('escalated'), c.escalated ? t('yes') : t('no')],
      ]),
      el('p', { class: s.cls, text: s.text }),
    ),
  );
  const history = el(
    'section',
    { class: 'card' },
    el('h3', { text: t('history') }),
    el(
      'ol',
      {},
      (c.history ?? []).map((h) =>
        el('li', {
          text: `${formatDate(h.at, L, true)} · ${h.actorType} · ${h.action}${h.from ? ` ${h.from} → ${h.to}` : ''}${h.reason ? ` · ${h.reason}` : ''}`,
        }),
      ),
    ),
  );
  const parts = [
    head,
    summary,
    el(
      'section',
      { 'aria-label': t('documents') },
      el('h3', { text: t('documents') }),
      el('div', { class: 'docs' }, docs),
    ),
  ];
  if (c.status === 'IN_REVIEW' || c.status === 'SUBMITTED') parts.push(decisionForm(c, reasons.items ?? []));
  if (has('LEAD')) {
    const staff = await call('GET', '/api/v1/staff?limit=100').catch(() => ({ items: [] }));
    const reviewers = (staff.items ?? []).filter(
      (u) => u.active && (u.roles.includes('REVIEWER') || u.roles.includes('LEAD')),
    );
    parts.push(
      el(
        'section',
        { class: 'card' },
        el('h3', { text: t('assign') }),
        assignControl(c, reviewers, () => route()),
      ),
    );
  }
  parts.push(history);
  setView(`${t('order')} ${o.orderId ?? c.orderId}`, ...parts);
}

function decisionForm(c, reasons) {
  const lang = pickLang(c.order?.buyerLocale);
  const kinds = { REQUEST_MORE_INFO: 'RETRY', REJECT: 'FINAL' };
  const choice = el(
    'fieldset',
    {},
    el('legend', { text: t('decision') }),
    ['APPROVE', 'REQUEST_MORE_INFO', 'REJECT'].map((d) =>
      el('label', {}, el('input', { type: 'radio', name: 'decision', value: d }), ` ${t(d)}`),
    ),
  );
  const reasonBox = el('fieldset', { hidden: true }, el('legend', { text: t('reasons') }));
  const slotBox = el(
    'fieldset',
    { hidden: true },
    el('legend', { text: t('slots') }),
    SLOTS.filter((sl) => c.slots?.find((x) => x.slot === sl)?.required).map((sl) =>
      el('label', {}, el('input', { type: 'checkbox', name: 'slot', value: sl }), ` ${sl}`),
    ),
  );
  const msg = el('textarea', { id: 'buyerMessage', rows: 3, maxlength: 4000 });
  const note = el('textarea', { id: 'internalNote', rows: 2, maxlength: 4000 });
  const preview = el('div', { class: 'preview-box', id: 'buyer-preview', 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'card', 'aria-labelledby': 'h-decision' },
    el('h3', { id: 'h-decision', text: t('decision') }),
    choice,
    reasonBox,
    slotBox,
    el('label', { class: 'field', for: 'buyerMessage' }, t('buyerMessage'), msg),
    el('label', { class: 'field', for: 'internalNote' }, t('internalNote'), note),
    el('p', { class: 'strong', text: t('preview', { lang: lang === 'zh' ? '中文' : 'English' }) }),
    preview,
    el('p', {}, el('button', { type: 'submit', class: 'primary', text: t('send') })),
  );
  const selected = () => form.querySelector('input[name=decision]:checked')?.value;
  const update = () => {
    const d = selected();
    const kind = kinds[d];
    reasonBox.hidden = !kind;
    slotBox.hidden = d !== 'REQUEST_MORE_INFO';
    const keep = new Set([...reasonBox.querySelectorAll('input:checked')].map((i) => i.value));
    reasonBox.replaceChildren(
      el('legend', { text: t('reasons') }),
      ...reasons
        .filter((r) => r.kind === kind)
        .map((r) =>
          el(
            'label',
            { title: r.internalText },
            el('input', { type: 'checkbox', name: 'reason', value: r.code, checked: keep.has(r.code) }),
            ` ${r.code}: ${r.internalText}`,
          ),
        ),
    );
    renderPreview();
  };
  const renderPreview = () => {
    const codes = [...reasonBox.querySelectorAll('input:checked')].map((i) => i.value);
    const texts = codes
      .map((code) => reasons.find((r) => r.code === code)?.buyerText?.[lang])
      .filter(Boolean);
    preview.textContent = [...texts, msg.value.trim()].filter(Boolean).join('\n\n') || t('none');
  };
  form.addEventListener('change', (e) => (e.target.name === 'decision' ? update() : renderPreview()));
  msg.addEventListener('input', renderPreview);
  renderPreview();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {
      decision: selected(),
      reasonCodes: [...reasonBox.querySelectorAll('input:checked')].map((i) => i.value),
      buyerMessage: msg.value.trim() || null,
      internalNote: note.value.trim() || null,
      slots: [...slotBox.querySelectorAll('input:checked')].map((i) => i.value),
    };
    try {
      await call('POST', `/api/v1/cases/${c.id}/decision`, body);
      await route();
      flash(t('decided'));
    } catch (err) {
      flash(err.message, true);
    }
  });
  return form;
}

// ---------- leads ----------
function barChart(title, bars) {
  const NS = 'http://www.w3.org/2000/svg';
  const w = 360;
  const rowH = 30;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${bars.length * rowH + 10}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(', ')}`);
  bars.forEach((b, n) => {
    const y = n * rowH + 5;
    const bw = Math.round(((w - 195) * b.value) / max);
    const mk = (tag, attrs, text) => {
      const e = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      if (text !== undefined) e.textContent = text;
      svg.append(e);
    };
    mk('text', { x: 0, y: y + 17 }, b.label);
    mk('rect', { x: 155, y, width: Math.max(bw, 1), height: 22, fill: b.color, rx: 3 });
    mk('text', { x: 161 + bw, y: y + 17 }, String(b.value));
  });
  return el('figure', { class: 'card' }, el('figcaption', { class: 'strong', text: title }), svg);
}

async function leadsView() {
  const [sla, pool, esc, staff] = await Promise.all([
    call('GET', '/api/v1/team/sla'),
    call('GET', '/api/v1/cases?limit=100&assignee=unassigned&status=SUBMITTED,IN_REVIEW'),
    call('GET', '/api/v1/cases?limit=100&escalated=true'),
    call('GET', '/api/v1/staff?limit=100').catch(() => ({ items: [] })),
  ]);
  const reviewers = (staff.items ?? []).filter(
    (u) => u.active && (u.roles.includes('REVIEWER') || u.roles.includes('LEAD')),
  );
  const d = sla.decided ?? {};
  const chart = barChart(t('teamSla'), [
    { label: t('withinTarget'), value: d.withinTarget ?? 0, color: '#1e6b34' },
    { label: t('withinDeadline'), value: d.withinDeadline ?? 0, color: '#0b57d0' },
    { label: t('breachedBar'), value: d.breached ?? 0, color: '#a4161a' },
  ]);
  const again = () => route();
  setView(
    t('leads'),
    el(
      'div',
      { class: 'grid2' },
      chart,
      el('div', { class: 'card' }, el('p', { text: t('openNow', sla.open ?? {}) })),
    ),
    el(
      'section',
      { class: 'card' },
      el('h3', { text: t('pool') }),
      caseTable(pool.items, { onAssign: again, reviewers }),
    ),
    el(
      'section',
      { class: 'card' },
      el('h3', { text: t('escalations') }),
      caseTable(esc.items, { onAssign: again, reviewers }),
    ),
  );
}

// ---------- finance ----------
async function refundsView() {
  const q = new URLSearchParams(location.search);
  const filters = new URLSearchParams();
  for (const k of ['status', 'overdue', 'currency']) if (q.get(k)) filters.set(k, q.get(k));
  const [list, summary] = await Promise.all([
    call('GET', `/api/v1/refunds?limit=200${filters.size ? `&${filters}` : ''}`),
    call('GET', '/api/v1/refunds/summary'),
  ]);
  const L = i18n.lang;
  const status = el(
    'select',
    { id: 'f-status' },
    el('option', { value: '', text: t('any') }),
    ['SCHEDULED', 'SUBMITTED', 'SETTLED', 'FAILED'].map((s) =>
      el('option', { value: s, text: t(s), selected: q.get('status') === s }),
    ),
  );
  const currency = el('input', {
    id: 'f-currency',
    type: 'text',
    maxlength: 3,
    size: 4,
    value: q.get('currency') ?? '',
    autocapitalize: 'characters',
  });
  const overdue = el('input', { id: 'f-overdue', type: 'checkbox', checked: q.get('overdue') === 'true' });
  const form = el(
    'form',
    { class: 'card row', 'aria-label': t('filters') },
    el('label', { class: 'field', for: 'f-status' }, t('status'), status),
    el('label', { class: 'field', for: 'f-currency' }, t('currency'), currency),
    el('label', { class: 'field', for: 'f-overdue' }, t('overdueOnly'), overdue),
    el('button', { type: 'submit', text: t('apply') }),
    el('a', {
      class: 'btn',
      id: 'csv',
      href: `/api/v1/refunds.csv${filters.size ? `?${filters}` : ''}`,
      download: '',
      text: t('csv'),
    }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (status.value) p.set('status', status.value);
    if (currency.value.trim()) p.set('currency', currency.value.trim().toUpperCase());
    if (overdue.checked) p.set('overdue', 'true');
    go(`/console/refunds${p.size ? `?${p}` : ''}`);
  });
  const totals = el(
    'section',
    { class: 'card' },
    el('h3', { text: t('totals') }),
    el('p', { text: t('count', { n: list.items.length }) }),
    el(
      'ul',
      { id: 'totals' },
      (list.totals ?? []).map((x) =>
        el('li', {
          text: `${x.currency}: ${formatMoney({ value: x.value, currency: x.currency }, L)} (${x.count})`,
        }),
      ),
    ),
  );
  const a = summary.ageing ?? {};
  const chart = barChart(
    t('ageing'),
    ['WITHIN_WINDOW', 'IN_WINDOW_7_10', 'PAST_DUE'].map((k, n) => ({
      label: t(k),
      value: a[k] ?? 0,
      color: ['#0b57d0', '#7a4a00', '#a4161a'][n],
    })),
  );
  const rows = list.items.map((r) =>
    el(
      'tr',
      { 'data-id': r.id, class: r.overdue ? 'sla-breach' : '' },
      el('td', { text: r.orderId }),
      el('td', { text: formatMoney(r.amount, L) }),
      el('td', { text: `${r.status}${r.overdue ? ` · ${t('overdue')}` : ''}` }),
      el('td', { text: formatDate(r.decidedAt, L, 'short') }),
      el('td', { text: `${formatDate(r.expectedFrom, L, 'short')} – ${formatDate(r.dueBy, L, 'short')}` }),
      el('td', { text: [r.providerRef, r.arn, r.failureReason].filter(Boolean).join(' / ') || t('none') }),
      el('td', {}, r.status === 'SETTLED' ? '' : eventForm(r)),
    ),
  );
  const table = el(
    'div',
    { class: 'scroll' },
    el(
      'table',
      { id: 'refunds' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          [
            t('order'),
            t('amount'),
            t('status'),
            t('decidedOn'),
            t('window'),
            t('reference'),
            t('record'),
          ].map((h) => el('th', { scope: 'col', text: h })),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );
  setView(
    t('refunds'),
    form,
    el('div', { class: 'grid2' }, totals, chart),
    el(
      'section',
      { class: 'card' },
      list.items.length ? table : el('p', { class: 'muted', text: t('empty') }),
    ),
  );
}

function eventForm(r) {
  const type = el(
    'select',
    { 'aria-label': `${t('event')} ${r.orderId}` },
    ['SUBMITTED', 'SETTLED', 'FAILED'].map((s) => el('option', { value: s, text: t(s) })),
  );
  const value = el('input', {
    type: 'text',
    'aria-label': `${t('value')} ${r.orderId}`,
    maxlength: 128,
    size: 14,
  });
  const f = el('form', { class: 'row' }, type, value, el('button', { type: 'submit', text: t('record') }));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = value.value.trim();
    const body =
      type.value === 'SUBMITTED'
        ? { type: 'SUBMITTED', providerRef: v }
        : type.value === 'SETTLED'
          ? { type: 'SETTLED', arn: v.replace(/\s+/g, '') }
          : { type: 'FAILED', reason: v };
    try {
      await call('POST', `/api/v1/refunds/${r.id}/events`, body);
      await route();
      flash(t('recorded'));
    } catch (err) {
      flash(err.message, true);
    }
  });
  return f;
}

// ---------- boot ----------
function boot() {
  const saved = localStorage.getItem('lang');
  i18n.set(saved || pickLang(document.documentElement.dataset.lang, navigator.language));
  $('#lang').value = i18n.lang;
  const fromMeta = meta('staff-user');
  const stored = JSON.parse(sessionStorage.getItem('staff') ?? 'null');
  if (fromMeta) {
    user = JSON.parse(fromMeta);
    setCsrf(meta('csrf-token'));
  } else if (stored) {
    // pages served without the principal (router mounted before authenticate): trust the stored copy
    // until an API call answers 401
    user = stored.user;
    setCsrf(stored.csrf);
  }
  $('#lang').addEventListener('change', (e) => {
    localStorage.setItem('lang', e.target.value);
    i18n.set(e.target.value);
    route();
  });
  $('#logout').addEventListener('click', async () => {
    await api('POST', '/api/v1/auth/logout').catch(() => null);
    user = null;
    sessionStorage.removeItem('staff');
    go('/console/login', true);
    flash(t('signedOut'));
  });
  for (const a of document.querySelectorAll('#nav a')) {
    a.addEventListener('click', (e) => {
      e.preventDefault();
      go(a.getAttribute('href'));
    });
  }
  window.addEventListener('popstate', route);
  route();
}

boot();
