// With the SMTP server down, appeals keep flowing (intake writes an outbox row, never talks to SMTP), the
// e-mail jobs fail and back off; when the server is back, every queued message is delivered exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { messageIdFor } from '../../src/modules/notifications/notifications.worker.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { startOutboxRelay } from '../../src/platform/outbox.ts';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';
import { waitUntil as waitUntilOf } from '../support/wait.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let smtp: TestSmtpServer;
let mailer: Mailer;
let workers: WorkerSet;
let relay: { stop(): Promise<void> };

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
  smtp = await startSmtpServer();
  mailer = createMailer({ ...env.config, SMTP_URL: smtp.url }, env.deps.logger);
  workers = await startWorkers(env.runtime, { mailer, relay: false, schedules: false, queues: ['email'] });
  // production relays every 250 ms with 10 attempts 5 s doubling; the same mechanism, faster
  relay = startOutboxRelay(env.deps, 50, {
    jobOptions: () => ({ attempts: 14, backoff: { type: 'exponential', delay: 50 } }),
  });
});
afterAll(async () => {
  await relay.stop();
  await workers.close();
  mailer.close();
  await smtp.stop();
  await server.close();
  await env.close();
});

const waitUntil = <T>(what: string, fn: () => Promise<T | null | undefined | false>) =>
  waitUntilOf(what, fn, 30_000, 50);

/** Registers `n` blocked orders one after the other; returns their appeal ids and latencies (ms). */
async function registerMany(n: number, tag: string) {
  const out: { appealId: string; ms: number; status: number }[] = [];
  for (let i = 0; i < n; i++) {
    const body = blockedOrder({
      buyer: { id: `b-${tag}-${i}`, email: `${tag}${i}@example.com`, name: 'Bea', locale: 'en' },
    });
    const t0 = performance.now();
    const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
    out.push({ appealId: r.body.appealId, ms: performance.now() - t0, status: r.status });
  }
  return out;
}

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function rowsFor(appealIds: string[]) {
  const rows = await env.deps.prisma.outboxMessage.findMany({ where: { topic: 'email.send' } });
  return rows.filter((r) => appealIds.includes((r.payload as { appealId: string }).appealId));
}

describe('SMTP outage', () => {
  it('intake keeps answering 201 while SMTP is down, and every queued message arrives once when it is back', async () => {
    const N = 6;
    // one warm-up registration (first-request costs) outside the comparison
    const warm = await registerMany(1, 'warm');
    // SMTP up: registrations, and their e-mails delivered
    const up = await registerMany(N, 'up');
    await smtp.waitFor(N + 1);

    // SMTP down
    await smtp.stop();
    const down = await registerMany(N, 'down');
    expect(down.map((d) => d.status)).toEqual(Array(N).fill(201));
    const downIds = down.map((d) => d.appealId);
    // the e-mail jobs are failing and backing off, not lost and not given up
    const failing = await waitUntil('every outage e-mail to have failed at least twice', async () => {
      const rows = await rowsFor(downIds);
      return rows.length === N && rows.every((r) => r.attempts >= 2) ? rows : null;
    });
    expect(failing.map((r) => r.status)).toEqual(Array(N).fill('PUBLISHED'));
    expect(failing.every((r) => /ECONNREFUSED/.test(r.lastError ?? ''))).toBe(true);
    expect(smtp.received).toHaveLength(N + 1);

    // SMTP back on the same port
    await smtp.start();
    await smtp.waitFor(2 * N + 1);
    const done = await waitUntil('the outage rows to be DONE', async () => {
      const rows = await rowsFor(downIds);
      return rows.every((r) => r.status === 'DONE') ? rows : null;
    });
    // give any stray retry the time to show up: none may
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received).toHaveLength(2 * N + 1);
    const counts = smtp.countByMessageId();
    const allRows = await rowsFor([...warm, ...up, ...down].map((x) => x.appealId));
    expect(allRows).toHaveLength(2 * N + 1);
    expect([...counts.keys()].sort()).toEqual(allRows.map((r) => messageIdFor(r.id)).sort());
    expect([...counts.values()]).toEqual(Array(2 * N + 1).fill(1));
    // each outage message went to its own buyer, and the row records what the server answered
    for (const row of done) {
      const to = (row.payload as { to: string }).to;
      const mail = smtp.received.find((m) => m.messageId === messageIdFor(row.id))!;
      expect(mail.envelopeTo).toEqual([to]);
      expect(row.result).toEqual({
        messageId: messageIdFor(row.id),
        response: expect.stringMatching(/^250 /),
      });
    }

    // latency is reported, not asserted against a threshold (2 shared cores make timings noisy)
    const upMs = median(up.map((u) => u.ms));
    const downMs = median(down.map((d) => d.ms));
    console.log(
      `intake latency, median of ${N}: SMTP up ${upMs.toFixed(1)} ms, SMTP down ${downMs.toFixed(1)} ms (ratio ${(downMs / upMs).toFixed(2)})`,
    );
  });
});
