// The one API test environment: a fresh database (createTestEnv), the app listening on a free loopback
// port, and a client for it. Files keep their own `env`, `server`, `call` bindings:
//   let env: TestEnv; let server: TestServer; let call: Call;
//   beforeAll(async () => ({ env, server, call } = await startApiEnv()));
//   afterAll(() => stopApiEnv(env, server));
import { createApp } from '../../src/app.ts';
import { createTestEnv, type TestEnv } from './env.ts';
import { client, listen, type TestServer } from './http.ts';

export type Call = ReturnType<typeof client>;

export async function startApiEnv(
  ...args: Parameters<typeof createTestEnv>
): Promise<{ env: TestEnv; server: TestServer; call: Call }> {
  const env = await createTestEnv(...args);
  const server = await listen(createApp(env.deps));
  return { env, server, call: client(server.url) };
}

export async function stopApiEnv(env: TestEnv | undefined, server: TestServer | undefined): Promise<void> {
  await server?.close();
  await env?.close();
}
