// The staff console: sign-in, then the pages each role may open (client-side routing under /console).
// Views live in console/*.js; this file routes, draws the navigation for the user's roles and boots.
import { $, ApiError, api, el, meta, pickLang, setCsrf } from './common.js';
import { auditView, incidentsView, outboxView } from './console/ops.js';
import { holidaysView, staffView } from './console/admin.js';
import { caseView } from './console/case.js';
import { flash, go, has, i18n, setView, state, t } from './console/core.js';
import { leadsView } from './console/leads.js';
import { qaListView, qaReviewView } from './console/qa.js';
import { quarantineView } from './console/quarantine.js';
import { queueView } from './console/queue.js';
import { refundsView, refundView } from './console/refunds.js';
import { reviewersView } from './console/reviewers.js';

const UUID = '([0-9a-f-]{36})';
// path pattern -> roles that may open it (the same roles the API checks) and the view
const ROUTES = [
  { re: /^\/console$/, roles: ['REVIEWER', 'LEAD'], view: () => queueView() },
  { re: new RegExp(`^/console/cases/${UUID}$`), roles: ['REVIEWER', 'LEAD'], view: (m) => caseView(m[1]) },
  { re: /^\/console\/leads$/, roles: ['LEAD'], view: () => leadsView() },
  { re: /^\/console\/reviewers$/, roles: ['LEAD'], view: () => reviewersView() },
  { re: /^\/console\/qa$/, roles: ['REVIEWER', 'LEAD'], view: () => qaListView() },
  { re: new RegExp(`^/console/qa/${UUID}$`), roles: ['REVIEWER', 'LEAD'], view: (m) => qaReviewView(m[1]) },
  { re: /^\/console\/refunds$/, roles: ['FINANCE', 'ADMIN'], view: () => refundsView() },
  {
    re: new RegExp(`^/console/refunds/${UUID}$`),
    roles: ['FINANCE', 'ADMIN'],
    view: (m) => refundView(m[1]),
  },
  { re: /^\/console\/incidents$/, roles: ['SECURITY', 'ADMIN'], view: () => incidentsView() },
  { re: /^\/console\/quarantine$/, roles: ['SECURITY', 'ADMIN'], view: () => quarantineView() },
  { re: /^\/console\/admin\/staff$/, roles: ['ADMIN'], view: () => staffView() },
  { re: /^\/console\/admin\/holidays$/, roles: ['ADMIN'], view: () => holidaysView() },
  { re: /^\/console\/admin\/outbox$/, roles: ['ADMIN'], view: () => outboxView() },
  { re: /^\/console\/admin\/audit$/, roles: ['ADMIN'], view: () => auditView() },
];

/** The first page the user's roles may open. */
function landing() {
  if (has('REVIEWER', 'LEAD')) return '/console';
  if (has('FINANCE')) return '/console/refunds';
  if (has('ADMIN')) return '/console/admin/staff';
  if (has('SECURITY')) return '/console/incidents';
  return null;
}

function renderChrome() {
  $('#nav').hidden = !state.user;
  $('#logout').hidden = !state.user;
  $('#who').textContent = state.user ? state.user.email : '';
  const path = location.pathname;
  for (const a of document.querySelectorAll('#nav a')) {
    // a link shows only when the user's roles may open its page
    a.hidden = !state.user || !a.dataset.role.split(' ').some((r) => has(r));
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
  if (!state.user && path !== '/console/login') return go('/console/login', true);
  try {
    if (path === '/console/login') return state.user ? go(landing() ?? '/console', true) : loginView();
    for (const r of ROUTES) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (!has(...r.roles)) {
        const home = landing();
        if (home && home !== path) {
          await go(home, true);
          flash(t('forbidden'), true);
          return;
        }
        setView(t('forbidden'));
        return;
      }
      return await r.view(m);
    }
    return go(landing() ?? '/console', true);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) {
      // never leave a stale page (e.g. the sign-in form) under the error
      setView(t('appName'));
      flash(e instanceof ApiError && e.status === 403 ? t('forbidden') : e.message, true);
    }
  } finally {
    $('#view-title')?.focus();
  }
}
state.router = route;

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
      state.user = out.user;
      setCsrf(out.csrfToken);
      sessionStorage.setItem('staff', JSON.stringify({ user: out.user, csrf: out.csrfToken }));
      go(landing() ?? '/console', true);
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

function boot() {
  const saved = localStorage.getItem('lang');
  i18n.set(saved || pickLang(document.documentElement.dataset.lang, navigator.language));
  $('#lang').value = i18n.lang;
  const fromMeta = meta('staff-user');
  const stored = JSON.parse(sessionStorage.getItem('staff') ?? 'null');
  if (fromMeta) {
    state.user = JSON.parse(fromMeta);
    setCsrf(meta('csrf-token'));
  } else if (stored) {
    // pages served without the principal (router mounted before authenticate): trust the stored copy
    // until an API call answers 401
    state.user = stored.user;
    setCsrf(stored.csrf);
  }
  $('#lang').addEventListener('change', (e) => {
    localStorage.setItem('lang', e.target.value);
    i18n.set(e.target.value);
    route();
  });
  $('#logout').addEventListener('click', async () => {
    await api('POST', '/api/v1/auth/logout').catch(() => null);
    state.user = null;
    sessionStorage.removeItem('staff');
    await go('/console/login', true);
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
