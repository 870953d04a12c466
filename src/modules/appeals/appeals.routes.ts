import { Router } from 'express';
import { z } from 'zod';
import { BUYER_COOKIE, buyerCsrfToken, requireBuyerOf, setBuyerCookie } from '../../http/auth.ts';
import { requestLang } from '../../http/language.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { linkExpiredPage, linkInvalidPage } from '../../web/buyer-pages.ts';
import { appealHandoffRouteDocs, appealHandoffRoutes } from './appeals.handoff.routes.ts';
import { REISSUE_ACTION } from './appeals.reissue.routes.ts';
import { ID_TYPES } from './appeals.rules.ts';
import { assertStaffMaySeeAppeal } from './appeals.scope.ts';
import { withdrawAppeal } from './appeals.lifecycle.ts';
import { getAppealView, resolveAppealLink, setIdType, submitAppeal } from './appeals.service.ts';

export const ZAppealParams = z.object({ id: z.string().max(64) });

const view = describeRoute({
  method: 'get',
  path: '/api/v1/appeals/:id',
  summary: 'The appeal: status, slots with check results, answer-by date, decision, refund',
  tags: ['appeals'],
  security: ['buyer', 'staff'],
  roles: ['buyer of this appeal', 'REVIEWER', 'LEAD', 'FINANCE', 'ADMIN'],
  params: ZAppealParams,
  responses: {
    200: { description: 'The appeal view' },
    404: {
      description:
        "Not this buyer's appeal, or outside the staff user's scope: a REVIEWER sees their cases and the " +
        'open pool (as GET /cases/:id), FINANCE appeals with a refund; LEAD and ADMIN every appeal',
    },
  },
});

const link = describeRoute({
  method: 'get',
  path: '/a/:token',
  summary:
    'The appeal link: sets the buyer session cookie (ad_buyer) and redirects to the buyer page /appeal',
  tags: ['appeals'],
  security: ['none'],
  params: z.object({ token: z.string().max(256) }),
  responses: {
    302: { description: 'Cookie set; Location: /appeal' },
    401: { description: 'Invalid or expired link (an HTML page explaining it)', contentType: 'text/html' },
  },
});

const ZSession = z.object({ appealId: z.uuid(), csrfToken: z.string() });

const session = describeRoute({
  method: 'get',
  path: '/api/v1/appeals/:id/session',
  summary: 'For the buyer page: the appeal id and the X-CSRF-Token to send with cookie-authenticated changes',
  tags: ['appeals'],
  security: ['buyer'],
  params: ZAppealParams,
  responses: { 200: { description: 'Session', schema: ZSession } },
});

const buyerSession = describeRoute({
  method: 'get',
  path: '/api/v1/buyer/session',
  summary:
    'Like /appeals/:id/session, for a page that only has the ad_buyer cookie and not yet the appeal id',
  tags: ['appeals'],
  security: ['buyer'],
  responses: { 200: { description: 'Session', schema: ZSession } },
});

const idType = describeRoute({
  method: 'put',
  path: '/api/v1/appeals/:id/id-type',
  summary: 'Choose the ID document type (PASSPORT needs no ID_BACK); only while AWAITING_DOCUMENTS',
  tags: ['appeals'],
  security: ['buyer'],
  params: ZAppealParams,
  body: z
    .object({ idType: z.enum(ID_TYPES as unknown as ['PASSPORT', 'ID_CARD', 'DRIVING_LICENCE']) })
    .strict(),
  responses: { 200: { description: 'The appeal view' }, 409: { description: 'Not AWAITING_DOCUMENTS' } },
});

const submit = describeRoute({
  method: 'post',
  path: '/api/v1/appeals/:id/submit',
  summary: 'Submit (or resubmit after a more-information request); answers the appeal view with answerBy',
  tags: ['appeals'],
  security: ['buyer'],
  params: ZAppealParams,
  responses: {
    200: { description: 'SUBMITTED: the appeal view with answerBy' },
    409: {
      description:
        'APPEAL.MISSING_SLOTS (details.missing), APPEAL.ID_TYPE_REQUIRED or APPEAL.INVALID_TRANSITION',
    },
  },
});

/** The token of the current buyer request: the Bearer header or the ad_buyer cookie. */
function buyerToken(req: Parameters<Parameters<Router['get']>[1]>[0]): string {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1] ?? (req.cookies as Record<string, string | undefined>)[BUYER_COOKIE] ?? '';
}

const withdraw = describeRoute({
  method: 'post',
  path: '/api/v1/appeals/:id/withdraw',
  summary: 'The buyer withdraws the appeal (before a decision); a captured payment is refunded',
  tags: ['appeals'],
  security: ['buyer'],
  roles: ['buyer of this appeal'],
  params: z.object({ id: z.string().max(64) }),
  body: z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }),
  responses: {
    200: { description: 'The appeal view, now WITHDRAWN, with its refund if any' },
    409: { description: 'APPEAL.INVALID_TRANSITION: already decided, expired or withdrawn' },
  },
});

/** The OpenAPI descriptions of appealsRoutes' routes (src/routes.ts lists every router's). */
export const appealsRouteDocs = [
  view,
  link,
  session,
  buyerSession,
  idType,
  submit,
  withdraw,
  // mounted by appealsRoutes
  ...appealHandoffRouteDocs,
] as const;

export function appealsRoutes(deps: Deps): Router {
  const r = Router();
  r.get(view.path, requireBuyerOf('id', ['REVIEWER', 'LEAD', 'FINANCE', 'ADMIN']), async (req, res) => {
    const { params } = parseRequest(view, req);
    const p = req.principal;
    if (p.kind === 'staff') await assertStaffMaySeeAppeal(deps, { id: p.userId, roles: p.roles }, params.id);
    res.set('Cache-Control', 'no-store').json(await getAppealView(deps, params.id));
  });

  r.get(link.path, async (req, res) => {
    const token = String(req.params.token ?? '');
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    try {
      const { expiresAt } = await resolveAppealLink(deps, token);
      setBuyerCookie(res, deps.config, token, expiresAt);
      res.redirect(302, '/appeal');
    } catch (e) {
      if (!isAppError(e) || (e.code !== 'AUTH.INVALID' && e.code !== 'AUTH.TOKEN_EXPIRED')) throw e;
      const expired = e.code === 'AUTH.TOKEN_EXPIRED';
      const lang = await requestLang(deps, req);
      res
        .set('Content-Language', lang === 'zh' ? 'zh-CN' : 'en')
        .status(401)
        .set('X-Error-Code', e.code)
        .type('html')
        .send(expired ? linkExpiredPage(lang, REISSUE_ACTION, token) : linkInvalidPage(lang, REISSUE_ACTION));
    }
  });

  r.get(session.path, requireBuyerOf('id'), (req, res) => {
    const { params } = parseRequest(session, req);
    res
      .set('Cache-Control', 'no-store')
      .json({ appealId: params.id, csrfToken: buyerCsrfToken(buyerToken(req)) });
  });

  r.get(buyerSession.path, (req, res) => {
    const p = req.principal;
    if (p.kind !== 'buyer')
      throw new AppError('AUTH.REQUIRED', 'Open the link from your e-mail to continue.');
    res
      .set('Cache-Control', 'no-store')
      .json({ appealId: p.appealId, csrfToken: buyerCsrfToken(buyerToken(req)) });
  });

  r.put(idType.path, requireBuyerOf('id'), async (req, res) => {
    const { params, body } = parseRequest(idType, req);
    res.set('Cache-Control', 'no-store').json(await setIdType(deps, params.id, body.idType));
  });

  r.post(submit.path, requireBuyerOf('id'), async (req, res) => {
    const { params } = parseRequest(submit, req);
    res.set('Cache-Control', 'no-store').json(await submitAppeal(deps, params.id));
  });
  r.use(appealHandoffRoutes(deps));
  r.post(withdraw.path, requireBuyerOf('id'), async (req, res) => {
    const { params, body } = parseRequest(withdraw, req);
    await withdrawAppeal(deps, params.id, body ?? {});
    res.set('Cache-Control', 'no-store').json(await getAppealView(deps, params.id));
  });
  return r;
}
