// ADMIN pages: staff accounts (create, roles, leave, deactivate, reset password; the four-eyes warning
// when fewer than two leads can give a second approval) and the holidays of the business calendar.
import { el, formatDate } from '../common.js';
import { call, flash, i18n, setView, showFieldErrors, state, t, table } from './core.js';

const ROLES = ['REVIEWER', 'LEAD', 'FINANCE', 'ADMIN', 'SECURITY'];

function roleBoxes(name, checked = []) {
  return el(
    'fieldset',
    { class: 'roles' },
    el('legend', { text: t('roles') }),
    ROLES.map((r) =>
      el(
        'label',
        {},
        el('input', { type: 'checkbox', name, value: r, checked: checked.includes(r) }),
        ` ${r}`,
      ),
    ),
  );
}

function createForm() {
  const email = el('input', {
    id: 'new-email',
    name: 'email',
    type: 'email',
    required: true,
    autocomplete: 'off',
  });
  const name = el('input', { id: 'new-name', name: 'name', type: 'text', required: true });
  const pw = el('input', {
    id: 'new-password',
    name: 'password',
    type: 'password',
    minlength: 12,
    autocomplete: 'new-password',
  });
  const form = el(
    'form',
    { class: 'card', id: 'create-staff', novalidate: true },
    el('h3', { text: t('createStaff') }),
    el(
      'div',
      { class: 'grid2' },
      el('label', { class: 'field', for: 'new-email' }, t('email'), email),
      el('label', { class: 'field', for: 'new-name' }, t('name'), name),
    ),
    el('label', { class: 'field', for: 'new-password' }, t('password'), pw),
    roleBoxes('roles', ['REVIEWER']),
    el('button', { type: 'submit', class: 'primary', text: t('create') }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const roles = [...form.querySelectorAll('input[name=roles]:checked')].map((i) => i.value);
    try {
      await call('POST', '/api/v1/staff', {
        email: email.value.trim(),
        name: name.value.trim(),
        password: pw.value,
        roles,
      });
      await state.router();
      flash(t('created'));
    } catch (err) {
      if (!showFieldErrors(form, err)) flash(err.message, true);
    }
  });
  return form;
}

function staffRow(u) {
  const L = i18n.lang;
  const patch = async (body, msg = t('saved')) => {
    try {
      await call('PATCH', `/api/v1/staff/${u.id}`, body);
      await state.router();
      flash(msg);
    } catch (err) {
      flash(err.message, true);
    }
  };
  const roles = roleBoxes(`roles-${u.id}`, u.roles);
  const saveRoles = el('button', {
    type: 'button',
    text: t('save'),
    onclick: () => patch({ roles: [...roles.querySelectorAll('input:checked')].map((i) => i.value) }),
  });
  const leave = el('input', {
    type: 'date',
    'aria-label': `${t('onLeaveUntil')} ${u.email}`,
    value: u.onLeaveUntil ? u.onLeaveUntil.slice(0, 10) : '',
  });
  const leaveBtn = el('button', {
    type: 'button',
    text: t('setLeave'),
    onclick: () =>
      patch({ onLeaveUntil: leave.value ? new Date(`${leave.value}T23:59:59Z`).toISOString() : null }),
  });
  const endLeave = u.onLeaveUntil
    ? el('button', { type: 'button', text: t('endLeave'), onclick: () => patch({ onLeaveUntil: null }) })
    : null;
  const active = el('button', {
    type: 'button',
    class: u.active ? 'danger' : '',
    text: u.active ? t('deactivate') : t('reactivate'),
    onclick: () => patch({ active: !u.active }),
  });
  const reset = el('button', {
    type: 'button',
    class: 'reset-pw',
    text: t('resetPassword'),
    onclick: async () => {
      if (!confirm(t('resetConfirm', { name: u.name }))) return;
      try {
        const out = await call('POST', `/api/v1/staff/${u.id}/reset-password`);
        flash(t('tempPassword', { email: u.email, password: out.temporaryPassword }));
      } catch (err) {
        flash(err.message, true);
      }
    },
  });
  return el(
    'tr',
    { 'data-id': u.id, class: u.active ? '' : 'inactive' },
    el('td', {}, el('div', { class: 'strong', text: u.name }), el('div', { class: 'muted', text: u.email })),
    el('td', {}, roles, saveRoles),
    el(
      'td',
      {},
      el('div', { text: u.onLeaveUntil ? formatDate(u.onLeaveUntil, L, 'short') : t('noLeave') }),
      el('div', { class: 'row' }, leave, leaveBtn, endLeave),
    ),
    el('td', { text: String(u.openCases) }),
    el('td', {}, el('div', { class: 'row' }, active, reset)),
  );
}

/** The admins' warnings (GET /api/v1/admin/warnings): four eyes need two leads who can confirm. */
function warningsNode(warnings) {
  const items = (warnings.items ?? []).filter((w) => w.code === 'FOUR_EYES_TOO_FEW_LEADS');
  if (!items.length) return null;
  return el(
    'div',
    { class: 'warnings' },
    items.map((w) =>
      el(
        'div',
        { class: 'notice warn', role: 'alert', id: 'four-eyes-warning' },
        el('p', { text: t('fourEyesWarning', { n: w.details.leadsAvailable }) }),
        w.details.leads.length
          ? el('p', { text: t('fourEyesLeads', { names: w.details.leads.map((l) => l.name).join(', ') }) })
          : null,
      ),
    ),
  );
}

export async function staffView() {
  const [list, warnings] = await Promise.all([
    call('GET', '/api/v1/staff?limit=200'),
    call('GET', '/api/v1/admin/warnings').catch(() => ({ items: [] })),
  ]);
  setView(
    t('staff'),
    warningsNode(warnings),
    createForm(),
    el(
      'section',
      { class: 'card' },
      table(
        [t('name'), t('roles'), t('onLeaveUntil'), t('openCases'), t('active')],
        (list.items ?? []).map(staffRow),
        {
          id: 'staff',
        },
      ),
    ),
  );
}

export async function holidaysView() {
  const year = Number(new URLSearchParams(location.search).get('year')) || new Date().getFullYear();
  const list = await call('GET', `/api/v1/calendar/holidays?year=${year}`);
  const L = i18n.lang;
  const date = el('input', { id: 'h-date', name: 'date', type: 'date', required: true });
  const name = el('input', { id: 'h-name', name: 'name', type: 'text', required: true, maxlength: 200 });
  const form = el(
    'form',
    { class: 'card row', id: 'add-holiday', novalidate: true },
    el('label', { class: 'field', for: 'h-date' }, t('date'), date),
    el('label', { class: 'field', for: 'h-name' }, t('holidayName'), name),
    el('button', { type: 'submit', class: 'primary', text: t('add') }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await call('PUT', `/api/v1/calendar/holidays/${date.value}`, { name: name.value.trim() });
      await state.router();
      flash(t('saved'));
    } catch (err) {
      if (!showFieldErrors(form, err)) flash(err.message, true);
    }
  });
  const yearNav = el(
    'div',
    { class: 'row', role: 'group', 'aria-label': t('year') },
    [year - 1, year, year + 1].map((y) =>
      el('a', {
        class: 'btn',
        href: `/console/admin/holidays?year=${y}`,
        'aria-current': y === year ? 'page' : null,
        text: String(y),
      }),
    ),
  );
  const rows = (list.items ?? []).map((h) =>
    el(
      'tr',
      { 'data-date': h.date },
      el('td', { text: formatDate(h.date, L) }),
      el('td', { text: h.name }),
      el(
        'td',
        {},
        el('button', {
          type: 'button',
          text: t('remove'),
          'aria-label': `${t('remove')} ${h.name}`,
          onclick: async () => {
            try {
              await call('DELETE', `/api/v1/calendar/holidays/${h.date}`);
              await state.router();
              flash(t('removed'));
            } catch (err) {
              flash(err.message, true);
            }
          },
        }),
      ),
    ),
  );
  setView(
    t('holidays'),
    yearNav,
    form,
    el(
      'section',
      { class: 'card' },
      rows.length
        ? table([t('date'), t('holidayName'), ''], rows, { id: 'holidays' })
        : el('p', { class: 'muted', text: t('empty') }),
    ),
  );
}
