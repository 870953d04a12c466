// The OpenAPI document is built from one explicit list (src/routes.ts, apiRouteDocs), not from whatever
// routes files happened to be imported: this checks the list against what the app really serves. Every
// route the API routers mount is in the list and every listed route is mounted (method and path), and
// every describeRoute(...) in src/ is listed, so a route described but left out of the list fails here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRouteDocs, apiRouters } from '../../src/routes.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.close();
});

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** `METHOD path` of every route in a router and the routers it mounts (all are mounted at '/'). */
function mounted(stack: Layer[]): string[] {
  return stack.flatMap((l) => {
    if (l.route) {
      const paths = Array.isArray(l.route.path) ? l.route.path : [l.route.path];
      const methods = Object.keys(l.route.methods).filter((m) => l.route!.methods[m] && m !== '_all');
      return paths.flatMap((p) => methods.map((m) => `${m.toUpperCase()} ${p}`));
    }
    return l.handle?.stack ? mounted(l.handle.stack) : [];
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

describe('the route list (src/routes.ts)', () => {
  const listed = apiRouteDocs.map((r) => `${r.method.toUpperCase()} ${r.path}`);

  it('names each route once', () => {
    expect(listed.length).toBeGreaterThan(60);
    expect(listed.filter((k, i) => listed.indexOf(k) !== i)).toEqual([]);
  });

  it('is exactly the routes the API routers mount', () => {
    const routes = mounted(apiRouters(env.deps).map((r) => ({ handle: r as Layer['handle'] })));
    expect(routes.length).toBeGreaterThan(60);
    expect([...new Set(routes)].sort()).toEqual([...listed].sort());
  });

  it('holds every describeRoute(...) of the sources', () => {
    const calls = sourceFiles('src')
      .filter(
        (f) => !f.startsWith(path.join('src', 'generated')) && f !== path.join('src', 'http', 'openapi.ts'),
      )
      .flatMap((f) => {
        const n = readFileSync(f, 'utf8').match(/\bdescribeRoute\(/g)?.length ?? 0;
        return Array.from({ length: n }, () => f);
      });
    expect(calls.length).toBe(apiRouteDocs.length);
  });
});
