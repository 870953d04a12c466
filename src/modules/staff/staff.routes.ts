import { Router } from 'express';
import { z } from 'zod';
import { STAFF_COOKIE } from '../../http/auth.ts';
import { requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import {
  ZCreateStaffRequest,
  ZListQuery,
  ZLoginRequest,
  ZLoginResponse,
  ZStaffParams,
  ZStaffUserView,
  ZTotpConfirmRequest,
  ZTotpEnrolment,
  ZUpdateStaffRequest,
} from './staff.schemas.ts';
import { resetStaffPassword } from './staff.reset.ts';
import { confirmTotp, startTotp } from './staff.totp.ts';
import { createStaff, getStaff, listStaff, login, logout, updateStaff } from './staff.service.ts';

const loginDoc = describeRoute({
  method: 'post',
  path: '/api/v1/auth/login',
  summary: 'Staff sign-in: sets the httpOnly session cookie and returns the token and CSRF token',
  tags: ['staff'],
  security: ['none'],
  body: ZLoginRequest,
  responses: {
    200: { description: 'Signed in', schema: ZLoginResponse },
    401: {
      description:
        'AUTH.INVALID: wrong e-mail or password, or the account is locked after 5 failures (the same answer); ' +
        'AUTH.TOTP_REQUIRED: the password was right and the account has a second factor - send the ' +
        'same body again with totpCode; AUTH.TOTP_INVALID: wrong, expired or already used code',
    },
    429: { description: 'Too many failed sign-ins from this address (Retry-After)' },
  },
});

const totpStart = describeRoute({
  method: 'post',
  path: '/api/v1/me/totp',
  summary: 'Start enrolling a TOTP second factor: a fresh seed (shown once) to put in an authenticator app',
  tags: ['staff'],
  security: ['staff'],
  responses: {
    200: { description: 'The seed and its otpauth:// URL', schema: ZTotpEnrolment },
    409: { description: 'TOTP.NOT_PENDING: already enrolled' },
  },
});

const totpConfirm = describeRoute({
  method: 'post',
  path: '/api/v1/me/totp/confirm',
  summary: 'Confirm the enrolment with a first code; every later sign-in asks for a code',
  tags: ['staff'],
  security: ['staff'],
  body: ZTotpConfirmRequest,
  responses: {
    204: { description: "Enabled; the account's other sessions ended" },
    401: { description: 'AUTH.TOTP_INVALID' },
    409: { description: 'TOTP.NOT_PENDING: no enrolment started' },
  },
});

const logoutDoc = describeRoute({
  method: 'post',
  path: '/api/v1/auth/logout',
  summary: 'Ends the session and clears the cookie',
  tags: ['staff'],
  security: ['staff'],
  responses: { 204: { description: 'Signed out' } },
});

const me = describeRoute({
  method: 'get',
  path: '/api/v1/me',
  summary: 'The signed-in staff user',
  tags: ['staff'],
  security: ['staff'],
  responses: { 200: { description: 'The user', schema: ZStaffUserView } },
});

const list = describeRoute({
  method: 'get',
  path: '/api/v1/staff',
  summary: 'Staff accounts (leads use it to pick reviewers)',
  tags: ['staff'],
  security: ['staff'],
  roles: ['ADMIN', 'LEAD'],
  query: ZListQuery,
  responses: {
    200: {
      description: 'A page of accounts',
      schema: z.object({ items: z.array(ZStaffUserView), nextCursor: z.string().nullable() }),
    },
  },
});

const create = describeRoute({
  method: 'post',
  path: '/api/v1/staff',
  summary: 'Create a staff account',
  tags: ['staff'],
  security: ['staff'],
  roles: ['ADMIN'],
  body: ZCreateStaffRequest,
  responses: {
    201: { description: 'Created', schema: ZStaffUserView },
    409: { description: 'E-mail taken' },
  },
});

const update = describeRoute({
  method: 'patch',
  path: '/api/v1/staff/:id',
  summary:
    'Change roles, active, leave, cap, languages; leave/deactivation returns untouched cases to the pool',
  tags: ['staff'],
  security: ['staff'],
  roles: ['ADMIN'],
  params: ZStaffParams,
  body: ZUpdateStaffRequest,
  responses: { 200: { description: 'Updated', schema: ZStaffUserView } },
});

const resetPassword = describeRoute({
  method: 'post',
  path: '/api/v1/staff/:id/reset-password',
  summary:
    'Set a new random temporary password (shown once in the answer): ends the sessions and clears a lockout',
  tags: ['staff'],
  security: ['staff'],
  roles: ['ADMIN'],
  params: ZStaffParams,
  responses: {
    200: {
      description: 'The temporary password, to hand over in person',
      schema: z.object({ user: ZStaffUserView, temporaryPassword: z.string() }),
    },
    404: { description: 'STAFF.NOT_FOUND' },
  },
});

function cookieOptions(deps: Deps) {
  return {
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: deps.config.PUBLIC_BASE_URL.startsWith('https:'),
    path: '/',
  };
}

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const staffRouteDocs = [
  loginDoc,
  totpStart,
  totpConfirm,
  logoutDoc,
  me,
  list,
  create,
  update,
  resetPassword,
] as const;

export function staffRoutes(deps: Deps): Router {
  const r = Router();
  r.post(loginDoc.path, async (req, res) => {
    const { body } = parseRequest(loginDoc, req);
    const p = req.principal;
    const out = await login(deps, body, {
      ip: req.ip,
      userAgent: req.get('user-agent'),
      ...(p.kind === 'staff' ? { previousSessionId: p.sessionId } : {}),
    });
    res
      .cookie(STAFF_COOKIE, out.token, { ...cookieOptions(deps), expires: out.expiresAt })
      .set('Cache-Control', 'no-store')
      .json({ token: out.token, csrfToken: out.csrfToken, user: out.user });
  });
  r.post(totpStart.path, requireStaff(), async (req, res) => {
    const p = req.principal;
    const out = await startTotp(deps, p.kind === 'staff' ? p.userId : '', auditFromRequest(req));
    res.set('Cache-Control', 'no-store').json(out);
  });
  r.post(totpConfirm.path, requireStaff(), async (req, res) => {
    const { body } = parseRequest(totpConfirm, req);
    const p = req.principal;
    if (p.kind === 'staff')
      await confirmTotp(deps, p.userId, p.sessionId, body.totpCode, auditFromRequest(req));
    res.status(204).end();
  });
  r.post(logoutDoc.path, requireStaff(), async (req, res) => {
    if (req.principal.kind === 'staff') await logout(deps, req.principal.sessionId, auditFromRequest(req));
    res.clearCookie(STAFF_COOKIE, cookieOptions(deps)).status(204).end();
  });
  r.get(me.path, requireStaff(), async (req, res) => {
    const p = req.principal;
    res.set('Cache-Control', 'no-store').json(await getStaff(deps, p.kind === 'staff' ? p.userId : ''));
  });
  r.get(list.path, requireStaff('ADMIN', 'LEAD'), async (req, res) => {
    const { query } = parseRequest(list, req);
    res.set('Cache-Control', 'no-store').json(await listStaff(deps, query));
  });
  r.post(create.path, requireStaff('ADMIN'), async (req, res) => {
    const { body } = parseRequest(create, req);
    res.status(201).json(await createStaff(deps, body, auditFromRequest(req)));
  });
  r.patch(update.path, requireStaff('ADMIN'), async (req, res) => {
    const { params, body } = parseRequest(update, req);
    const actor = req.principal.kind === 'staff' ? req.principal.userId : '';
    res.json(await updateStaff(deps, params.id, body, actor, auditFromRequest(req)));
  });
  r.post(resetPassword.path, requireStaff('ADMIN'), async (req, res) => {
    const { params } = parseRequest(resetPassword, req);
    const actor = req.principal.kind === 'staff' ? req.principal.userId : '';
    res
      .set('Cache-Control', 'no-store')
      .json(await resetStaffPassword(deps, params.id, actor, auditFromRequest(req)));
  });
  return r;
}
