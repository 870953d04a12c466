// Routes describe themselves once (zod schemas + who may call them). The same schemas validate
// requests and generate /api/openapi.json, so the document cannot drift from the code. Each routes file
// exports its descriptions (`xxxRouteDocs`); the runtime's one list of them (src/routes.ts, next to the
// routers it mounts) is what buildOpenApi is given: the document does not depend on what was imported.
import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../platform/errors.ts';

export type Security = 'none' | 'service' | 'buyer' | 'staff' | 'provider';

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** express-style path, e.g. /api/v1/appeals/:id */
  path: string;
  summary: string;
  tags: string[];
  security: Security[];
  roles?: string[];
  params?: z.ZodType;
  query?: z.ZodType;
  /** request headers (documented only; the route or its guard reads them) */
  headers?: z.ZodType;
  body?: z.ZodType;
  /** multipart form fields (documented only; multer parses them) */
  multipart?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** a stable name for client generators; derived from method and path when absent (operationIdOf) */
  operationId?: string;
  /** error codes this route can answer beyond the ones derived from its shape (errorCodesOf) */
  errors?: ErrorCode[];
}

function camel(words: string[]): string {
  return words
    .filter(Boolean)
    .map((w, i) => {
      const clean = w.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) =>
        c ? c.toUpperCase() : '',
      );
      return i === 0
        ? clean.charAt(0).toLowerCase() + clean.slice(1)
        : clean.charAt(0).toUpperCase() + clean.slice(1);
    })
    .join('');
}

/**
 * The operationId: the route's own, or one derived from method and path, unique because method + path is:
 * GET /api/v1/cases -> getCases, POST /api/v1/cases/:id/decision -> postCasesByIdDecision,
 * GET /api/v1/refunds.csv -> getRefundsCsv, GET /a/:token -> getAByToken.
 */
export function operationIdOf(r: Pick<RouteDoc, 'method' | 'path' | 'operationId'>): string {
  if (r.operationId) return r.operationId;
  const parts = r.path
    .replace(/^\/api\/v\d+/, '')
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.startsWith(':') ? `by-${seg.slice(1)}` : seg));
  return camel([r.method, ...parts]);
}

/**
 * The error codes a route can answer: those its shape implies (validation when it takes input, the
 * authentication and role refusals of its security, not-found for a path id, rate limits on buyer and
 * public routes, the server's own failures) plus the ones it names (`errors`) and those of the error
 * statuses it documents. Every code comes from ERROR_STATUS, so its status is the server's.
 */
export function errorCodesOf(r: RouteDoc): ErrorCode[] {
  const codes = new Set<ErrorCode>(['INTERNAL', 'DEPENDENCY.UNAVAILABLE']);
  if (r.params || r.query || r.body || r.multipart) codes.add('REQUEST.INVALID');
  if (r.body) codes.add('REQUEST.MALFORMED_JSON');
  const sec = r.security.filter((s) => s !== 'none');
  if (sec.length) {
    codes.add('AUTH.REQUIRED');
    codes.add('AUTH.INVALID');
  }
  if (sec.includes('buyer')) {
    codes.add('AUTH.TOKEN_EXPIRED');
    codes.add('RATE_LIMITED');
  }
  if (sec.includes('staff')) codes.add('AUTH.SESSION_EXPIRED');
  if (r.roles?.length || sec.includes('buyer')) codes.add('AUTH.FORBIDDEN');
  if ((sec.includes('buyer') || sec.includes('staff')) && r.method !== 'get') codes.add('AUTH.CSRF');
  if (/:\w+/.test(r.path)) codes.add('NOT_FOUND');
  if (r.path.startsWith('/a/') || sec.length === 0) codes.add('RATE_LIMITED');
  for (const c of r.errors ?? []) codes.add(c);
  return [...codes];
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Too large',
  415: 'Unsupported media type',
  422: 'Unprocessable',
  429: 'Too many requests (Retry-After; details.retryAfterSeconds)',
  431: 'Headers too large',
  500: 'Server error',
  503: 'A dependency is unavailable',
};

/** A route's description, typed (an identity: it registers nothing; the routes file lists it). */
export function describeRoute<T extends RouteDoc>(doc: T): T {
  return doc;
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'APPEAL.NOT_FOUND' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** Named schemas (zod `.meta({ id })`) collected while building, served under components.schemas. */
type Components = Record<string, unknown>;

/** Rewrites zod's local `#/definitions/X` references to the document's `#/components/schemas/X`. */
function hoist(node: unknown, components: Components): unknown {
  if (Array.isArray(node)) return node.map((n) => hoist(n, components));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'definitions' || k === '$defs') {
      for (const [name, def] of Object.entries(v as Record<string, unknown>))
        components[name] = hoist(def, components);
    } else if (k === '$ref' && typeof v === 'string') {
      out[k] = v.replace(/^#\/(definitions|\$defs)\//, '#/components/schemas/');
    } else out[k] = hoist(v, components);
  }
  return out;
}

function toJsonIn(components: Components, schema: z.ZodType, io: 'input' | 'output') {
  return hoist(
    z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }),
    components,
  ) as Record<string, unknown>;
}

/** The document of `routes` (src/routes.ts: every route the app mounts), in their order. */
export function buildOpenApi(routes: readonly RouteDoc[], opts: { serverUrl: string; version: string }) {
  const components: Components = {};
  const toJson = (schema: z.ZodType, io: 'input' | 'output') => toJsonIn(components, schema, io);
  toJson(ErrorSchema, 'output'); // registers components.schemas.Error (its meta id)
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = r.path.replace(/:(\w+)/g, '{$1}');
    const params: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
      ['header', r.headers],
    ] as const) {
      if (!schema) continue;
      const js = toJson(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(js.properties ?? {})) {
        params.push({
          name,
          in: where,
          required: where === 'path' || (js.required ?? []).includes(name),
          schema: s,
        });
      }
    }
    const responses: Record<string, Record<string, unknown>> = {};
    const errorRef = { $ref: '#/components/schemas/Error' };
    for (const [status, res] of Object.entries(r.responses)) {
      const isError = Number(status) >= 400;
      responses[status] = {
        description: res.description,
        ...(res.schema
          ? { content: { [res.contentType ?? 'application/json']: { schema: toJson(res.schema, 'output') } } }
          : res.contentType
            ? { content: { [res.contentType]: { schema: { type: 'string' } } } }
            : isError
              ? { content: { 'application/json': { schema: errorRef } } }
              : {}),
      };
    }
    // every error status the route can answer, with the shared Error schema and the codes (x-error-codes)
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of errorCodesOf(r)) {
      const st = ERROR_STATUS[code];
      byStatus.set(st, [...(byStatus.get(st) ?? []), code]);
    }
    for (const [st, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
      const key = String(st);
      const existing = responses[key];
      const listed = `Error codes: ${codes.join(', ')}.`;
      responses[key] = existing
        ? {
            ...existing,
            description: `${existing.description as string} ${listed}`,
            'x-error-codes': codes,
          }
        : {
            description: `${STATUS_TEXT[st] ?? 'Error'}. ${listed}`,
            content: { 'application/json': { schema: errorRef } },
            'x-error-codes': codes,
          };
    }
    responses.default = {
      description: 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    const security = r.security.filter((s) => s !== 'none').map((s) => ({ [s]: [] }));
    paths[p] ??= {};
    paths[p][r.method] = {
      operationId: operationIdOf(r),
      summary: r.summary,
      tags: r.tags,
      ...(r.roles ? { description: `Roles: ${r.roles.join(', ')}` } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toJson(r.body, 'input') } },
            },
          }
        : {}),
      ...(r.multipart
        ? {
            requestBody: {
              required: true,
              content: { 'multipart/form-data': { schema: toJson(r.multipart, 'input') } },
            },
          }
        : {}),
      ...(security.length ? { security } : { security: [] }),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Appeal desk API',
      version: opts.version,
      license: { name: 'Proprietary (private package, see package.json)' },
      description:
        'Errors always have the shape {"error": {"code", "message", "details"}}. Lists are paginated with ?limit=&cursor= and return {items, nextCursor}. Amounts are {value (minor units), currency}.',
    },
    servers: [{ url: opts.serverUrl }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        service: { type: 'http', scheme: 'bearer', description: 'A risk-system service key (RISK_API_KEYS)' },
        provider: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A refund-provider callback key (REFUND_PROVIDER_KEYS); with REFUND_PROVIDER_SIGNING_SECRETS set (always in production) the request must also carry X-Provider-Timestamp and X-Provider-Signature',
        },
        buyer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The appeal token from the appeal link (or the ad_buyer cookie)',
        },
        staff: {
          type: 'http',
          scheme: 'bearer',
          description: 'The token from POST /api/v1/auth/login (or the session cookie + X-CSRF-Token)',
        },
      },
    },
  };
}
