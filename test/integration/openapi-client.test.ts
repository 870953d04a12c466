// The OpenAPI document read by real tools (issue 13 point 12): every operation has an operationId and
// its error responses with the shared Error schema; the types generated from it by openapi-typescript
// (test/support/openapi-types.ts) are current; and a client built from those types with openapi-fetch
// drives the API, every answer checked against the schema the document gives for it, so the document
// cannot drift from the server. `npm run lint` runs redocly's recommended-strict rules on it as well.
import { Ajv } from 'ajv';
import createClient, { type Middleware } from 'openapi-fetch';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiTypes } from '../../scripts/openapi.ts';
import { createApp } from '../../src/app.ts';
import { buildOpenApi, errorCodesOf, operationIdOf } from '../../src/http/openapi.ts';
import { ERROR_STATUS } from '../../src/platform/errors.ts';
import { apiRouteDocs } from '../../src/routes.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { listen, type TestServer } from '../support/http.ts';
import type { paths } from '../support/openapi-types.ts';

let env: TestEnv;
let server: TestServer;
type Doc = ReturnType<typeof buildOpenApi>;
let doc: Doc;

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  doc = buildOpenApi(apiRouteDocs, { serverUrl: server.url, version: '1.0.0' });
});
afterAll(async () => {
  await server.close();
  await env.close();
});

type Op = {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};
const ops = () =>
  Object.entries(doc.paths as Record<string, Record<string, Op>>).flatMap(([p, byMethod]) =>
    Object.entries(byMethod).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op })),
  );

describe('the document', () => {
  it('every operation: a unique operationId, and every error status it can answer with the Error schema', () => {
    const all = ops();
    expect(all.length).toBeGreaterThan(40);
    const ids = all.map((o) => o.op.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { key, op } of all) {
      const errors = Object.keys(op.responses).filter((s) => /^[45]\d\d$/.test(s));
      expect(
        errors.some((s) => s.startsWith('4')),
        key,
      ).toBe(true);
      for (const s of errors) {
        const r = op.responses[s]!;
        if (r.content?.['text/html']) continue; // the link page answers HTML
        expect(r.content?.['application/json']?.schema, `${key} ${s}`).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
    }
  });

  it('the route list derives them for any route, so a new route cannot miss them', () => {
    for (const r of apiRouteDocs) {
      expect(operationIdOf(r)).toMatch(/^[a-z][A-Za-z0-9]+$/);
      const codes = errorCodesOf(r);
      expect(codes).toContain('INTERNAL');
      for (const c of codes) expect(ERROR_STATUS[c], c).toBeGreaterThanOrEqual(400);
    }
    expect(operationIdOf({ method: 'post', path: '/api/v1/cases/:id/decision' })).toBe(
      'postCasesByIdDecision',
    );
    expect(operationIdOf({ method: 'get', path: '/api/v1/refunds.csv' })).toBe('getRefundsCsv');
    const doc2 = buildOpenApi(apiRouteDocs, { serverUrl: '/', version: '1' });
    const decide = (doc2.paths as Record<string, Record<string, Record<string, unknown>>>)[
      '/api/v1/cases/{id}/decision'
    ]!.post!.responses as Record<string, { 'x-error-codes'?: string[] }>;
    expect(decide['403']?.['x-error-codes']).toEqual(expect.arrayContaining(['AUTH.FORBIDDEN', 'AUTH.CSRF']));
    expect(decide['400']?.['x-error-codes']).toEqual(expect.arrayContaining(['REQUEST.INVALID']));
  });

  it('test/support/openapi-types.ts is what openapi-typescript makes of the current document', async () => {
    const current = readFileSync('test/support/openapi-types.ts', 'utf8');
    // on failure: npm run openapi:types
    expect(current === (await openApiTypes())).toBe(true);
  });
});

describe('a client generated from the document', () => {
  it('drives the API; every answer matches the schema the document gives for it', async () => {
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema(JSON.parse(JSON.stringify({ components: doc.components })), 'doc');
    const checked: string[] = [];
    const mismatches: string[] = [];
    const validate: Middleware = {
      async onResponse({ request, response, schemaPath }) {
        const op = (doc.paths as Record<string, Record<string, Op>>)[schemaPath]?.[
          request.method.toLowerCase()
        ];
        const res = op?.responses[String(response.status)] ?? op?.responses.default;
        const key = `${request.method} ${schemaPath} ${response.status}`;
        if (!res) {
          mismatches.push(`${key}: status not documented`);
          return;
        }
        const schema = res.content?.['application/json']?.schema;
        if (!schema) return;
        const body = await response.clone().json();
        const ok = ajv.validate(
          JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"doc#/components')),
          body,
        );
        if (!ok) mismatches.push(`${key}: ${ajv.errorsText()}`);
        checked.push(key);
      },
    };
    const api = createClient<paths>({ baseUrl: server.url });
    api.use(validate);
    const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

    const reg = await api.POST('/api/v1/blocked-orders', {
      body: blockedOrder() as never,
      ...bearer(RISK_KEY),
    });
    expect(reg.response.status).toBe(201);
    // appealId/appealUrl are optional in the contract (an order that cannot be appealed has neither)
    const appealId = reg.data?.appealId ?? '';
    const token = tokenFromUrl(reg.data?.appealUrl ?? '');
    expect(appealId).toMatch(/^[0-9a-f-]{36}$/);

    const view = await api.GET('/api/v1/appeals/{id}', {
      params: { path: { id: appealId } },
      ...bearer(token),
    });
    expect(view.response.status).toBe(200);
    const idType = await api.PUT('/api/v1/appeals/{id}/id-type', {
      params: { path: { id: appealId } },
      body: { idType: 'PASSPORT' },
      ...bearer(token),
    });
    expect(idType.response.status).toBe(200);
    const submit = await api.POST('/api/v1/appeals/{id}/submit', {
      params: { path: { id: appealId } },
      ...bearer(token),
    });
    expect(submit.response.status).toBe(409);
    expect(submit.error?.error.code).toBe('APPEAL.MISSING_SLOTS');
    const other = await api.GET('/api/v1/appeals/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
      ...bearer(token),
    });
    expect(other.response.status).toBe(404);

    const login = await api.POST('/api/v1/auth/login', {
      body: { email: env.config.ADMIN_EMAIL, password: env.config.ADMIN_PASSWORD },
    });
    expect(login.response.status).toBe(200);
    const admin = bearer(login.data!.token);
    const made = await api.POST('/api/v1/staff', {
      body: {
        email: 'lead-openapi@appeal.test',
        name: 'Lee Lead',
        password: 'a-long-enough-password',
        roles: ['LEAD'],
      },
      ...admin,
    });
    expect(made.response.status).toBe(201);
    const me = await api.GET('/api/v1/me', admin);
    expect(me.response.status).toBe(200);
    const staff = await api.GET('/api/v1/staff', { params: { query: { role: 'LEAD' } }, ...admin });
    expect(staff.data?.items.map((s) => s.email)).toContain('lead-openapi@appeal.test');
    const forbidden = await api.GET('/api/v1/cases', admin);
    expect(forbidden.response.status).toBe(403);

    const leadLogin = await api.POST('/api/v1/auth/login', {
      body: { email: 'lead-openapi@appeal.test', password: 'a-long-enough-password' },
    });
    const lead = bearer(leadLogin.data!.token);
    const cases = await api.GET('/api/v1/cases', {
      params: { query: { status: 'SUBMITTED,IN_REVIEW' } },
      ...lead,
    });
    expect(cases.response.status).toBe(200);
    const bad = await api.GET('/api/v1/cases', { params: { query: { status: 'NOPE' } }, ...lead });
    expect(bad.response.status).toBe(400);
    const reasons = await api.GET('/api/v1/reason-codes', lead);
    expect(reasons.data?.items.length).toBeGreaterThan(0);
    const sla = await api.GET('/api/v1/team/sla', lead);
    expect(sla.response.status).toBe(200);
    const codes = await api.GET('/api/v1/payment-errors');
    expect(codes.response.status).toBe(200);

    expect(mismatches).toEqual([]);
    expect(checked.length).toBeGreaterThanOrEqual(12);
  });
});
