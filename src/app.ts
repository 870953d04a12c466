// createApp(deps): the Express app without listen, so tests drive exactly what production serves.
import { randomUUID } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { authenticate } from './http/auth.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { continueUnlessMultipart } from './http/expect-continue.ts';
import { healthRoutes } from './http/health.ts';
import { localiseResponses } from './http/language.ts';
import { countRequests } from './http/metrics.ts';
import { postAuthLimits, preAuthLimits } from './http/rate-limit.ts';
import { buildOpenApi } from './http/openapi.ts';
import './http/types.ts';
import { SIGNED_BODY_PATH } from './modules/refunds/refunds.signature.ts';
import type { Deps } from './platform/deps.ts';
import { apiEarlyGates, apiRouteDocs, apiRouters } from './routes.ts';
import { installAppSubscribers } from './subscribers.ts';
import { webRoutes } from './web/web.routes.ts';

export type AppDeps = Deps;

export function createApp(deps: Deps): express.Express {
  installAppSubscribers(deps);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.TRUST_PROXY);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id =
          typeof incoming === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // the URLs of the appeal link page and of a phone hand-off carry a secret: never log it
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url
            .replace(/apl_[A-Za-z0-9_-]+/g, 'apl_[redacted]')
            .replace(/^\/h\/[^/?#]+/, '/h/[redacted]'),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    }),
  );
  app.use(countRequests);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(cookieParser());
  // Expect: 100-continue: small bodies are asked for here, a multipart upload only once admitted
  app.use(continueUnlessMultipart);
  app.use(
    express.json({
      limit: '64kb',
      strict: true,
      // signed provider callbacks are verified over the bytes as sent (refunds.signature.ts); kept for those only
      verify: (req, _res, buf) => {
        if (req.url && SIGNED_BODY_PATH.test(req.url)) (req as express.Request).rawBody = buf;
      },
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));

  app.use(healthRoutes(deps));
  app.get('/api/openapi.json', (_req, res) => {
    res.json(buildOpenApi(apiRouteDocs, { serverUrl: deps.config.PUBLIC_BASE_URL, version: '1.0.0' }));
  });
  // abuse limits (src/http/rate-limit.ts): failures are counted before authenticate refuses them
  // buyer-facing texts in the buyer's language (src/platform/messages.ts), on every JSON body
  app.use(localiseResponses(deps));
  for (const g of apiEarlyGates(deps)) app.use(g);
  app.use(preAuthLimits(deps));
  app.use(authenticate(deps));
  app.use(postAuthLimits(deps));
  // the pages come after authenticate (they carry the session's appeal id / CSRF token) and before the API
  app.use(webRoutes(deps));
  for (const r of apiRouters(deps)) app.use(r);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
