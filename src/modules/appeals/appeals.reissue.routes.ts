// The appeal-link re-issue endpoint (POST /api/v1/appeal-links/reissue) and the two forms that post to it
// (the expired-link page's button, the order-and-e-mail form, rendered by src/web/buyer-pages.ts). The use
// case is appeals.reissue.ts.
import { performance } from 'node:perf_hooks';
import { type Request, Router } from 'express';
import { requestLang } from '../../http/language.ts';
import { describeRoute } from '../../http/openapi.ts';
import { byIp, rateLimit } from '../../http/rate-limit.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { reissueSentPage } from '../../web/buyer-pages.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import {
  REISSUE_ANSWER,
  REISSUE_LIMIT,
  REISSUE_MIN_MS,
  reissueAppealLink,
  ZReissueRequest,
} from './appeals.reissue.ts';

const reissue = describeRoute({
  method: 'post',
  path: '/api/v1/appeal-links/reissue',
  summary:
    'Ask for a new appeal link by e-mail: {token} of the old link, or {orderId, email}; always 202 (JSON, or ' +
    'an HTML page for a form post)',
  tags: ['appeals'],
  security: ['none'],
  body: ZReissueRequest,
  responses: {
    202: { description: 'Accepted (the same answer whether or not anything matched)' },
    400: { description: 'Malformed body' },
    429: { description: 'Too many requests from this address' },
  },
});

/** Where the re-issue forms of the link pages (src/web/buyer-pages.ts) post. */
export const REISSUE_ACTION = reissue.path;

function wantsHtml(req: Request): boolean {
  return req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const appealLinkReissueRouteDocs = [reissue] as const;

export function appealLinkReissueRoutes(deps: Deps, opts: { minMs?: number } = {}): Router {
  const minMs = opts.minMs ?? REISSUE_MIN_MS;
  const r = Router();
  r.post(
    reissue.path,
    rateLimit(deps, { name: 'appeal-link-reissue', ...REISSUE_LIMIT, key: byIp }),
    async (req, res) => {
      const started = performance.now();
      const { body } = parseRequest(reissue, req);
      const outcome = await reissueAppealLink(deps, body, auditFromRequest(req));
      await sleep(minMs - (performance.now() - started));
      // the outcome goes to the log (no token, no e-mail address), never into the answer
      req.log?.info({ outcome }, 'appeal link reissue');
      res.status(202).set('Cache-Control', 'no-store');
      if (wantsHtml(req)) res.type('html').send(reissueSentPage(await requestLang(deps, req)));
      else res.json(REISSUE_ANSWER);
    },
  );
  return r;
}
