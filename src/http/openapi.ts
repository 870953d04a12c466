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

function toJson(schema: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });
}

export function buildOpenApi(opts: { serverUrl: string; version: string }) {
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
      schemas: { Error: toJson(ErrorSchema, 'output') },
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
