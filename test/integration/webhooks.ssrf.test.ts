// SSRF through webhook URLs: https only, every resolved address public, checked at registration and
// again at delivery with the checked address pinned for the connection; coarse failure reasons; the
// secret sealed at rest; a cap on subscriptions. Only loopback is ever contacted: "internal" and
// "public" hosts are names a fake DNS resolver maps to addresses of its choosing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { setHostResolver } from '../../src/modules/webhooks/webhooks.address.ts';
import { queueWebhookEvent } from '../../src/platform/webhook-outbox.ts';
import { webhookDeliverer } from '../../src/modules/webhooks/webhooks.worker.ts';
import { runJob } from '../../src/platform/jobs.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { RISK_KEY } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let rx: Server;
let rxPort: number;
let hits = 0;
const dns = new Map<string, string[]>();

beforeAll(async () => {
  setHostResolver(async (host) => {
    const a = dns.get(host);
    if (!a) throw new Error('ENOTFOUND');
    return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  });
  rx = createServer((_req, res) => {
    hits++;
    res.end('ok');
  });
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', () => r()));
  rxPort = (rx.address() as AddressInfo).port;
  // only "pinned.test:<port>" is exempt (dev/test allow-list); nothing else may reach loopback
  env = await createTestEnv({ WEBHOOK_ALLOW_HOSTS: `pinned.test:${rxPort}`, MAX_WEBHOOKS: '3' });
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterAll(async () => {
  setHostResolver(null);
  rx.closeAllConnections();
  await new Promise<void>((r) => rx.close(() => r()));
  await server.close();
  await env.close();
});

const register = (url: string) => call('POST', '/api/v1/webhooks', { token: RISK_KEY, body: { url } });

async function deliverOnce() {
  const { outboxIds } = await env.deps.prisma.$transaction((tx) =>
    queueWebhookEvent(tx, { type: 'appeal.decided', data: { appealId: 'ssrf' } }),
  );
  const map = { 'webhook.deliver': async () => webhookDeliverer({ timeoutMs: 2000 }) } as never;
  const job = {
    name: 'webhook.deliver',
    data: { outboxId: outboxIds[0] },
    attemptsMade: 0,
    opts: { attempts: 1 },
  };
  const err = await runJob(map, job as never, env.deps).then(
    () => null,
    (e: Error) => e.message,
  );
  const row = await env.deps.prisma.outboxMessage.findUniqueOrThrow({ where: { id: outboxIds[0]! } });
  return { err, row };
}

describe('webhook URLs', () => {
  it('refuses http, internal addresses in every spelling and names that resolve inside', async () => {
    dns.set('internal.corp.example', ['10.0.0.5']);
    dns.set('mixed.example', ['93.184.215.14', '127.0.0.1']);
    dns.set('v6-ula.example', ['fd12:3456::1']);
    for (const url of [
      'http://risk.example/hook',
      `http://127.0.0.1:${rxPort}/hook`,
      'https://127.0.0.1/hook',
      'https://127.1/hook',
      'https://2130706433/hook',
      'https://0x7f000001/hook',
      'https://017700000001/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://10.1.2.3/',
      'https://172.16.0.1/',
      'https://192.168.1.1/',
      'https://100.64.0.1/',
      'https://0.0.0.0/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[fd00::1]/',
      'https://[fe80::1]/',
      'https://internal.corp.example/hook',
      'https://mixed.example/hook',
      'https://v6-ula.example/hook',
      'https://does-not-resolve.example/hook',
    ]) {
      const r = await register(url);
      expect([url, r.status, r.body.error?.code]).toEqual([url, 400, 'WEBHOOK.URL_REFUSED']);
    }
    expect(await env.deps.prisma.webhookSubscription.count()).toBe(0);
    dns.set('risk.example', ['93.184.215.14', '2606:2800:220:1::1']);
    expect((await register('https://risk.example/hook')).status).toBe(201);
  });

  it('re-checks at delivery: a name that now resolves inside (rebinding) is not contacted', async () => {
    await env.deps.prisma.webhookSubscription.updateMany({ data: { active: false } });
    dns.set('rebind.example', ['93.184.215.14']);
    expect((await register(`https://rebind.example:${rxPort}/hook`)).status).toBe(201);
    dns.set('rebind.example', ['127.0.0.1']);
    const before = hits;
    const { err, row } = await deliverOnce();
    expect(err).toMatch(/refused \(the host is on a private, loopback or link-local network\)/);
    expect(row.status).toBe('DEAD');
    expect(hits).toBe(before);
  });

  it('connects to the address it checked (pinned), whatever a second lookup would say', async () => {
    await env.deps.prisma.webhookSubscription.updateMany({ data: { active: false } });
    // the checked answer is 127.0.0.1 (allow-listed here); the system resolver does not know the name at
    // all, so a connection that looked it up again could not be made
    dns.set('pinned.test', ['127.0.0.1']);
    expect((await register(`http://pinned.test:${rxPort}/hook`)).status).toBe(201);
    const before = hits;
    const { err, row } = await deliverOnce();
    expect(err).toBeNull();
    expect(row.status).toBe('DONE');
    expect(hits).toBe(before + 1);
  });

  it('the signing secret is sealed at rest; at most MAX_WEBHOOKS are active', async () => {
    await env.deps.prisma.webhookSubscription.updateMany({ data: { active: false } });
    dns.set('cap.example', ['93.184.215.14']);
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await register(`https://cap.example/h${i}`));
    expect(created.map((c) => c.status)).toEqual([201, 201, 201]);
    const row = await env.deps.prisma.webhookSubscription.findUniqueOrThrow({
      where: { id: created[0]!.body.id },
    });
    expect(row.secret).toMatch(/^s1:/);
    expect(row.secret).not.toContain(created[0]!.body.secret.slice(6));
    const over = await register('https://cap.example/h3');
    expect([over.status, over.body.error.code]).toEqual([409, 'WEBHOOK.LIMIT_REACHED']);
  });
});
