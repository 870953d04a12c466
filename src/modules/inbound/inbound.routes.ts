// The e-mail channel's HTTP side: the buyer places an unsorted document; SECURITY and ADMIN staff see the
// quarantine and release or discard a mail. Thin routes: parse, one service call.
import { Router } from 'express';
import { z } from 'zod';
import { requireBuyerOf, requireStaff } from '../../http/auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { parseRequest } from '../../http/validate.ts';
import type { Deps } from '../../platform/deps.ts';
import { auditFromRequest } from '../audit/audit.request.ts';
import { ZDocument } from '../documents/documents.schemas.ts';
import {
  submitConfirmPage,
  submitLinkInvalidPage,
  submitNotSentPage,
  submitSentPage,
} from '../../web/buyer-pages.ts';
import { discardQuarantined, listQuarantine, releaseQuarantined } from './inbound.quarantine.ts';
import {
  ZMailParams,
  ZPlaceBody,
  ZPlaceParams,
  ZQuarantinePage,
  ZQuarantineQuery,
  ZQuarantineResult,
} from './inbound.schemas.ts';
import { type SubmitByLinkOutcome, submitByLink, verifySubmitLink } from './inbound.submit-link.ts';
import { placeUnsorted } from './inbound.unsorted.ts';

const ZSig = z.object({ sig: z.string().max(200) });

const submitGet = describeRoute({
  method: 'get',
  path: '/m/submit/:sig',
  summary:
    'The one-click "send for review" link of an e-mail answer: a page with one button (scanners do not submit)',
  tags: ['appeals'],
  security: ['none'],
  params: ZSig,
  responses: {
    200: { description: 'The confirmation page', contentType: 'text/html' },
    404: { description: 'Expired, altered or revoked link', contentType: 'text/html' },
  },
});

const submitPost = describeRoute({
  method: 'post',
  path: '/m/submit/:sig',
  summary: 'Submit the appeal the signed link names (the same use case as POST /api/v1/appeals/:id/submit)',
  tags: ['appeals'],
  security: ['none'],
  params: ZSig,
  responses: {
    200: { description: 'Submitted', contentType: 'text/html' },
    404: { description: 'Expired, altered or revoked link', contentType: 'text/html' },
    409: { description: 'Cannot be submitted now (status, missing documents)', contentType: 'text/html' },
  },
});

const place = describeRoute({
  method: 'post',
  path: '/api/v1/appeals/:id/unsorted/:docId/place',
  summary:
    'Put a document that came by e-mail (the appeal view lists them as `unsorted`) into a slot; it goes through every check for that slot again',
  tags: ['documents'],
  security: ['buyer'],
  roles: ['buyer of this appeal'],
  params: ZPlaceParams,
  body: ZPlaceBody,
  responses: {
    201: { description: 'Placed: the slot’s new document with every check result', schema: ZDocument },
    404: { description: 'No such unsorted document in this appeal' },
    409: { description: 'Uploads are not allowed in this status (or for this slot)' },
    422: { description: 'Checks failed for that slot, or the last 4 do not match the order’s card' },
  },
});

const quarantine = describeRoute({
  method: 'get',
  path: '/api/v1/inbound/quarantine',
  summary: 'Mails whose sender failed DMARC (attached to no case), newest first',
  tags: ['security'],
  security: ['staff'],
  roles: ['SECURITY', 'ADMIN'],
  query: ZQuarantineQuery,
  responses: {
    200: { description: 'Quarantined mails (sender checks, no content)', schema: ZQuarantinePage },
  },
});

const release = describeRoute({
  method: 'post',
  path: '/api/v1/inbound/quarantine/:id/release',
  summary: 'Release a quarantined mail: it is matched and filed, its documents marked RELEASED',
  tags: ['security'],
  security: ['staff'],
  roles: ['SECURITY', 'ADMIN'],
  params: ZMailParams,
  responses: {
    200: { description: 'Released (processing queued)', schema: ZQuarantineResult },
    404: { description: 'No such mail' },
    409: { description: 'The mail is not QUARANTINED' },
  },
});

const discard = describeRoute({
  method: 'post',
  path: '/api/v1/inbound/quarantine/:id/discard',
  summary: 'Discard a quarantined mail: its stored message is deleted',
  tags: ['security'],
  security: ['staff'],
  roles: ['SECURITY', 'ADMIN'],
  params: ZMailParams,
  responses: {
    200: { description: 'Discarded', schema: ZQuarantineResult },
    404: { description: 'No such mail' },
    409: { description: 'The mail is not QUARANTINED' },
  },
});

/** The status and page of a submit-link POST. */
function submitAnswer(out: SubmitByLinkOutcome): [number, string] {
  if (out.outcome === 'INVALID_LINK') return [404, submitLinkInvalidPage()];
  if (out.outcome === 'NOT_SENT') return [409, submitNotSentPage(out.message)];
  return [200, submitSentPage()];
}

/** The OpenAPI descriptions of this file's routes (src/routes.ts lists every routes file's). */
export const inboundRouteDocs = [submitGet, submitPost, place, quarantine, release, discard] as const;

export function inboundRoutes(deps: Deps): Router {
  const r = Router();
  r.post(place.path, requireBuyerOf('id'), async (req, res) => {
    const { params, body } = parseRequest(place, req);
    res.status(201).json(await placeUnsorted(deps, params.id, params.docId, body));
  });
  r.get(submitGet.path, async (req, res) => {
    const { params } = parseRequest(submitGet, req);
    const ok = await verifySubmitLink(deps, params.sig);
    res
      .set('Cache-Control', 'no-store')
      .status(ok ? 200 : 404)
      .type('html')
      .send(ok ? submitConfirmPage(params.sig) : submitLinkInvalidPage());
  });
  r.post(submitPost.path, async (req, res) => {
    const { params } = parseRequest(submitPost, req);
    const [status, html] = submitAnswer(await submitByLink(deps, params.sig));
    res.set('Cache-Control', 'no-store').status(status).type('html').send(html);
  });
  r.get(quarantine.path, requireStaff('SECURITY', 'ADMIN'), async (req, res) => {
    const { query } = parseRequest(quarantine, req);
    res.set('Cache-Control', 'no-store').json(await listQuarantine(deps, query));
  });
  r.post(release.path, requireStaff('SECURITY', 'ADMIN'), async (req, res) => {
    const { params } = parseRequest(release, req);
    res.json(await releaseQuarantined(deps, params.id, auditFromRequest(req)));
  });
  r.post(discard.path, requireStaff('SECURITY', 'ADMIN'), async (req, res) => {
    const { params } = parseRequest(discard, req);
    res.json(await discardQuarantined(deps, deps.storage, params.id, auditFromRequest(req)));
  });
  return r;
}
