// The API's routes: the routers createApp mounts (in order) and the OpenAPI descriptions of every route
// they serve, one list each, side by side. GET /api/openapi.json and scripts/openapi.ts build the document
// from apiRouteDocs; test/integration/openapi-routes.test.ts checks it against the routes express mounted.
import type { RequestHandler, Router } from 'express';
import { appealsRouteDocs, appealsRoutes } from './modules/appeals/appeals.routes.ts';
import { auditRouteDocs, auditRoutes } from './modules/audit/audit.routes.ts';
import { securityRouteDocs, securityRoutes } from './modules/security/security.routes.ts';
import {
  appealLinkReissueRouteDocs,
  appealLinkReissueRoutes,
} from './modules/appeals/appeals.reissue.routes.ts';
import { documentsRouteDocs, documentsRoutes, intakeBusyGate } from './modules/documents/documents.routes.ts';
import { evidenceRouteDocs, evidenceRoutes } from './modules/evidence/evidence.routes.ts';
import { inboundRouteDocs, inboundRoutes } from './modules/inbound/inbound.routes.ts';
import { notificationsRouteDocs, notificationsRoutes } from './modules/notifications/notifications.routes.ts';
import { ordersRouteDocs, ordersRoutes } from './modules/orders/orders.routes.ts';
import { refundsRouteDocs, refundsRoutes } from './modules/refunds/refunds.routes.ts';
import { reviewDocumentsRouteDocs, reviewDocumentsRoutes } from './modules/review/review.documents.routes.ts';
import { reviewFiguresRouteDocs, reviewFiguresRoutes } from './modules/review/review.figures.routes.ts';
import { reviewQaRouteDocs, reviewQaRoutes } from './modules/review/review.qa.routes.ts';
import { reviewRouteDocs, reviewRoutes } from './modules/review/review.routes.ts';
import { reviewViewsRouteDocs, reviewViewsRoutes } from './modules/review/review.views.routes.ts';
import { slaRouteDocs, slaRoutes } from './modules/sla/sla.routes.ts';
import { staffRouteDocs, staffRoutes } from './modules/staff/staff.routes.ts';
import { webhooksRouteDocs, webhooksRoutes } from './modules/webhooks/webhooks.routes.ts';
import type { Deps } from './platform/deps.ts';

/**
 * Refusals that need no authentication, mounted before the rate limits and authenticate: a full intake
 * queue answers an upload at once (documents.routes.ts intakeBusyGate).
 */
export function apiEarlyGates(deps: Deps): RequestHandler[] {
  return [intakeBusyGate(deps)];
}

/** Routers of the API, in mount order. A new routes file adds its router here and its docs below. */
export function apiRouters(deps: Deps): Router[] {
  return [
    ordersRoutes(deps),
    appealsRoutes(deps),
    documentsRoutes(deps),
    auditRoutes(deps),
    securityRoutes(deps),
    appealLinkReissueRoutes(deps),
    refundsRoutes(deps),
    staffRoutes(deps),
    reviewRoutes(deps),
    reviewDocumentsRoutes(deps),
    evidenceRoutes(deps),
    reviewFiguresRoutes(deps),
    reviewQaRoutes(deps),
    reviewViewsRoutes(deps),
    slaRoutes(deps),
    notificationsRoutes(deps),
    webhooksRoutes(deps),
    inboundRoutes(deps),
  ];
}

/** Every route description, in the routers' mount order (appealsRouteDocs includes the hand-off routes). */
export const apiRouteDocs = [
  ...ordersRouteDocs,
  ...appealsRouteDocs,
  ...documentsRouteDocs,
  ...auditRouteDocs,
  ...securityRouteDocs,
  ...appealLinkReissueRouteDocs,
  ...refundsRouteDocs,
  ...staffRouteDocs,
  ...reviewRouteDocs,
  ...reviewDocumentsRouteDocs,
  ...evidenceRouteDocs,
  ...reviewFiguresRouteDocs,
  ...reviewQaRouteDocs,
  ...reviewViewsRouteDocs,
  ...slaRouteDocs,
  ...notificationsRouteDocs,
  ...webhooksRouteDocs,
  ...inboundRouteDocs,
] as const;
