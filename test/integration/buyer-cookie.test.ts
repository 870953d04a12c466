// The buyer cookie is Secure whenever PUBLIC_BASE_URL is https, even though the API itself is reached over
// plain http (behind a TLS-terminating proxy req.secure is false).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  env = await createTestEnv({ PUBLIC_BASE_URL: 'https://appeals.example.com' });
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterAll(async () => {
  await server.close();
  await env.close();
});

describe('buyer cookie', () => {
  it('is Secure when the public URL is https, over a plain-http hop', async () => {
    const reg = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
    const link = await call('GET', `/a/${tokenFromUrl(reg.body.appealUrl)}`);
    expect(link.status).toBe(302);
    const cookie = link.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^ad_buyer=apl_/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
  });
});
