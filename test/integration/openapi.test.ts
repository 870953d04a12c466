// /api/openapi.json is generated from the routes' own zod schemas: every API route the app serves must
// be in it, and nothing that is not served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { enumerateRoutes } from '../support/routes.ts';

let env: TestEnv;
let server: TestServer;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  env = await createTestEnv();
  app = createApp(env.deps);
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  await env.close();
});

describe('GET /api/openapi.json', () => {
  it('documents exactly the /api routes the app serves, each with responses and an error schema', async () => {
    const r = await client(server.url)('GET', '/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.0.3');
    const documented = Object.entries(r.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const all = enumerateRoutes(app);
    const served = all.filter((k) => k.split(' ')[1]!.startsWith('/api/v1'));
    expect(served.length).toBeGreaterThan(30);
    expect(served.filter((k) => !documented.includes(k)).sort()).toEqual([]);
    expect(documented.filter((k) => !all.includes(k)).sort()).toEqual([]);
    for (const ops of Object.values(r.body.paths as Record<string, Record<string, { responses: object }>>))
      for (const op of Object.values(ops)) expect(Object.keys(op.responses)).toContain('default');
    expect(r.body.components.schemas.Error.properties.error).toBeDefined();
    // every reference resolves inside the document
    const refs = [...r.text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(r.body.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
    }
  });

  it('describes the blocked-order request body from the same zod schema that validates it', async () => {
    const r = await client(server.url)('GET', '/api/openapi.json');
    const op = r.body.paths['/api/v1/blocked-orders'].post;
    const ref: string = op.requestBody.content['application/json'].schema.$ref;
    expect(ref).toBe('#/components/schemas/CreateBlockedOrderRequest');
    const schema = r.body.components.schemas.CreateBlockedOrderRequest;
    expect(schema.required).toEqual(
      expect.arrayContaining([
        'orderId',
        'buyer',
        'amount',
        'card',
        'errorCode',
        'paymentCaptured',
        'blockedAt',
      ]),
    );
    expect(schema.properties.card.properties.last4.pattern).toBe('^\\d{4}$');
    expect(op.security).toEqual([{ service: [] }]);
  });
});
