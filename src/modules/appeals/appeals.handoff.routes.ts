// Routes of "continue on your phone" (appeals.handoff.ts): the desktop page asks for a code, the phone
// opens /h/<code> (a page with one button: a GET never uses the code, so link scanners and previews do
// not burn it) and the button's POST exchanges it for the buyer session cookie.
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { requireBuyerOf, setBuyerCookie } from '../../http/auth.ts';
import { requestLang } from '../../http/language.ts';
import { describeRoute } from '../../http/openapi.ts';
import { byIp, LIMITS, rateLimit } from '../../http/rate-limit.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import type { Lang } from '../../platform/messages.ts';
import { type HandoffRefusal, handoffPage, handoffRefusedPage } from '../../web/buyer-pages.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import {
  exchangeHandoff,
  type HandoffState,
  handoffState,
  issueHandoff,
  recentHandoffs,
} from './appeals.handoff.ts';

const ZIssued = z.object({
  code: z.string(),
  url: z.string(),
  expiresAt: z.string(),
  expiresInSeconds: z.number().int(),
  qrSvg: z.string(),
});

const issue = describeRoute({
  method: 'post',
  path: '/api/v1/appeals/:id/handoff',
  summary:
    'Continue on your phone: a one-time code (3 minutes, single use) and its URL PUBLIC_BASE_URL/h/<code> ' +
    'as an SVG QR code; the code never contains the appeal token',
  tags: ['appeals'],
  security: ['buyer'],
  params: z.object({ id: z.string().max(64) }),
  responses: {
    201: { description: 'The code, its URL and expiry, and the URL as a QR code (qrSvg)', schema: ZIssued },
    404: { description: "Not this buyer's appeal" },
    429: { description: 'More than 5 codes for this appeal in 10 minutes (RATE_LIMITED)' },
  },
});

const ZRecent = z.object({
  handoffs: z.array(z.object({ issuedAt: z.string(), expiresAt: z.string(), usedAt: z.string().nullable() })),
});

const recent = describeRoute({
  method: 'get',
  path: '/api/v1/appeals/:id/handoff',
  summary:
    "The appeal's hand-off codes of the last 10 minutes, newest first: when each was issued, expires and " +
    'was used (never the code), so the desktop page sees its code was used',
  tags: ['appeals'],
  security: ['buyer'],
  params: z.object({ id: z.string().max(64) }),
  responses: {
    200: { description: 'The recent codes', schema: ZRecent },
    404: { description: "Not this buyer's appeal" },
  },
});

const ZCodeParams = z.object({ code: z.string().max(64) });

const page = describeRoute({
  method: 'get',
  path: '/h/:code',
  summary:
    'The page a hand-off QR code opens on the phone: one button that exchanges the code (a GET never uses it)',
  tags: ['appeals'],
  security: ['none'],
  params: ZCodeParams,
  responses: {
    200: { description: 'A page with the button', contentType: 'text/html' },
    404: { description: 'Unknown code (HANDOFF.NOT_FOUND), an HTML page', contentType: 'text/html' },
    410: { description: 'Used or expired code, an HTML page', contentType: 'text/html' },
    429: { description: 'More than 30 pages a minute from this address (RATE_LIMITED)' },
  },
});

const exchange = describeRoute({
  method: 'post',
  path: '/h/:code',
  summary:
    "Exchanges a hand-off code once for the buyer's session: sets the ad_buyer cookie as the appeal link " +
    'does and redirects to /appeal',
  tags: ['appeals'],
  security: ['none'],
  params: ZCodeParams,
  responses: {
    303: { description: 'Cookie set; Location: /appeal' },
    403: { description: 'A cross-site form post (AUTH.CSRF)' },
    404: { description: 'Unknown code (HANDOFF.NOT_FOUND), an HTML page', contentType: 'text/html' },
    410: {
      description: 'Used (HANDOFF.USED) or expired (HANDOFF.EXPIRED) code, an HTML page',
      contentType: 'text/html',
    },
    429: { description: 'More than 10 exchanges a minute from this address (RATE_LIMITED)' },
  },
});

const REFUSED: Record<
  Exclude<HandoffState, 'VALID'>,
  { status: number; code: string; key: HandoffRefusal }
> = {
  USED: { status: 410, code: 'HANDOFF.USED', key: 'handoff.used' },
  EXPIRED: { status: 410, code: 'HANDOFF.EXPIRED', key: 'handoff.expired' },
  UNKNOWN: { status: 404, code: 'HANDOFF.NOT_FOUND', key: 'handoff.invalid' },
};

function sendRefused(res: Response, lang: Lang, state: Exclude<HandoffState, 'VALID'>): void {
  const r = REFUSED[state];
  res
    .status(r.status)
    .set('X-Error-Code', r.code)
    .type('html')
    .send(handoffRefusedPage(lang, r.key, r.code));
}

const STATE_OF: Record<string, Exclude<HandoffState, 'VALID'>> = {
  'HANDOFF.USED': 'USED',
  'HANDOFF.EXPIRED': 'EXPIRED',
  'HANDOFF.NOT_FOUND': 'UNKNOWN',
};

/**
 * The button's POST must come from our own page: a cross-site form could otherwise sign a victim's phone
 * into someone else's appeal (login CSRF) and have them upload their documents there.
 */
function assertSameOrigin(req: Request, publicBaseUrl: string): void {
  const site = req.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site')
    throw new AppError('AUTH.CSRF', 'Open the page from the QR code and press its button.');
  const origin = req.get('origin');
  if (!origin || origin === 'null') return;
  let host = '';
  try {
    host = new URL(origin).host;
  } catch {
    host = '';
  }
  if (host !== req.get('host') && origin !== new URL(publicBaseUrl).origin)
    throw new AppError('AUTH.CSRF', 'Open the page from the QR code and press its button.');
}

/** The OpenAPI descriptions of this file's routes (appealsRouteDocs, which mounts them, lists them). */
export const appealHandoffRouteDocs = [issue, recent, page, exchange] as const;

export function appealHandoffRoutes(deps: Deps): Router {
  const r = Router();
  r.post(
    issue.path,
    requireBuyerOf('id'),
    rateLimit(deps, {
      name: 'handoff-issue',
      ...LIMITS.handoffIssuePerAppeal,
      key: (req) => (req.principal.kind === 'buyer' ? req.principal.appealId : null),
    }),
    async (req, res) => {
      const { params } = parseRequest(issue, req);
      const h = await issueHandoff(deps, params.id, auditFromRequest(req));
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json({ ...h, expiresAt: h.expiresAt.toISOString() });
    },
  );

  r.get(recent.path, requireBuyerOf('id'), async (req, res) => {
    const { params } = parseRequest(recent, req);
    const list = await recentHandoffs(deps, params.id);
    res.set('Cache-Control', 'no-store').json({
      handoffs: list.map((h) => ({
        issuedAt: h.issuedAt.toISOString(),
        expiresAt: h.expiresAt.toISOString(),
        usedAt: h.usedAt?.toISOString() ?? null,
      })),
    });
  });

  r.get(
    page.path,
    rateLimit(deps, { name: 'handoff-page-ip', ...LIMITS.handoffPagePerIp, key: byIp }),
    async (req, res) => {
      const { params } = parseRequest(page, req);
      res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
      const lang = await requestLang(deps, req);
      res.set('Content-Language', lang === 'zh' ? 'zh-CN' : 'en');
      const state = await handoffState(deps, params.code);
      if (state !== 'VALID') return sendRefused(res, lang, state);
      res.type('html').send(handoffPage(lang, params.code));
    },
  );

  r.post(
    exchange.path,
    rateLimit(deps, { name: 'handoff-exchange-ip', ...LIMITS.handoffExchangePerIp, key: byIp }),
    async (req, res) => {
      const { params } = parseRequest(exchange, req);
      res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
      assertSameOrigin(req, deps.config.PUBLIC_BASE_URL);
      try {
        const s = await exchangeHandoff(deps, params.code, {
          ip: req.ip ?? null,
          userAgent: req.get('user-agent') ?? null,
        });
        setBuyerCookie(res, deps.config, s.token, s.expiresAt);
        res.redirect(303, '/appeal');
      } catch (e) {
        const state = isAppError(e) ? STATE_OF[e.code] : undefined;
        if (!state) throw e;
        const lang = await requestLang(deps, req);
        res.set('Content-Language', lang === 'zh' ? 'zh-CN' : 'en');
        sendRefused(res, lang, state);
      }
    },
  );
  return r;
}
