// Routes describe themselves once (zod schemas + who may call them). The same schemas validate
// requests and generate /api/openapi.json, so the document cannot drift from the code.
import { z } from 'zod';

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
  body?: z.ZodType;
  /** multipart form fields (documented only; multer parses them) */
  multipart?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

const registry: RouteDoc[] = [];

export function describeRoute<T extends RouteDoc>(doc: T): T {
  registry.push(doc);
  return doc;
}

export function documentedRoutes(): readonly RouteDoc[] {
  return registry;
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
let components: Record<string, unknown> = {};

/** Rewrites zod's local `#/definitions/X` references to the document's `#/components/schemas/X`. */
function hoist(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(hoist);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'definitions' || k === '$defs') {
      for (const [name, def] of Object.entries(v as Record<string, unknown>)) components[name] = hoist(def);
    } else if (k === '$ref' && typeof v === 'string') {
      out[k] = v.replace(/^#\/(definitions|\$defs)\//, '#/components/schemas/');
    } else out[k] = hoist(v);
  }
  return out;
}

function toJson(schema: z.ZodType, io: 'input' | 'output') {
  return hoist(z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' })) as Record<
    string,
    unknown
  >;
}

export function buildOpenApi(opts: { serverUrl: string; version: string }) {
  components = {};
  toJson(ErrorSchema, 'output'); // registers components.schemas.Error (its meta id)
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of registry) {
    const p = r.path.replace(/:(\w+)/g, '{$1}');
    const params: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
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
    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = {
        description: res.description,
        ...(res.schema
          ? { content: { [res.contentType ?? 'application/json']: { schema: toJson(res.schema, 'output') } } }
          : {}),
      };
    }
    responses.default = {
      description: 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    const security = r.security.filter((s) => s !== 'none').map((s) => ({ [s]: [] }));
    paths[p] ??= {};
    paths[p][r.method] = {
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
          description: 'A refund-provider callback key (REFUND_PROVIDER_KEYS)',
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
