// The e-mail channel is durable before 250: the worker process that accepted a mail (its listener
// answered 250) is SIGKILLed before processing it; a new worker process files it after the restart, once,
// with one answer. Real processes (`node --import tsx workers/main.ts`), real SMTP on loopback, the
// fixture DNS resolver (INBOUND_DNS_FIXTURE) so no lookup leaves the machine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage } from '../support/images.ts';
import { rawSmtp, sender } from '../support/inbound.ts';
import { openAppeal } from '../support/intake.ts';
import { freePort, type NodeProc, startWorkerProcess } from '../support/procs.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';

const MAILBOX = 'security@appeal.test';
let env: TestEnv;
let server: TestServer;
let smtp: TestSmtpServer;
let dnsDir: string;
const procs: NodeProc[] = [];

beforeAll(async () => {
  env = await createTestEnv({ SECURITY_MAILBOX: MAILBOX });
  server = await listen(createApp(env.deps));
  smtp = await startSmtpServer();
  dnsDir = mkdtempSync(path.join(os.tmpdir(), 'dns-'));
  writeFileSync(path.join(dnsDir, 'dns.json'), '{}');
}, 60_000);
afterAll(async () => {
  for (const p of procs) await p.kill();
  await smtp?.stop();
  await server?.close();
  await env?.close();
  rmSync(dnsDir, { recursive: true, force: true });
});

function workerEnv(port: number, queues: string): Record<string, string> {
  return {
    DATABASE_URL: env.dbUrl,
    REDIS_URL: env.config.REDIS_URL!,
    QUEUE_PREFIX: env.config.QUEUE_PREFIX,
    DATA_DIR: env.dataDir,
    PUBLIC_BASE_URL: env.config.PUBLIC_BASE_URL,
    SMTP_URL: smtp.url,
    SECURITY_MAILBOX: MAILBOX,
    INBOUND_SMTP_PORT: String(port),
    INBOUND_DNS_FIXTURE: path.join(dnsDir, 'dns.json'),
    WORKER_QUEUES: queues,
    WORKER_STALLED_INTERVAL_MS: '1000',
    WORKER_LOCK_DURATION_MS: '2000',
  };
}

describe('a worker killed after the 250', () => {
  it('the mail is processed after the restart, once, with one answer', async () => {
    const a = await openAppeal(client(server.url), {
      buyer: { id: 'kill', email: 'kill@example.com', name: 'Bea', locale: 'en-GB' },
    });
    // the first worker listens and relays, but does not consume the inbound queue: the mail waits
    const firstPort = await freePort();
    const first = await startWorkerProcess(workerEnv(firstPort, 'email'));
    procs.push(first);
    const messageId = '<kill-1@client.test>';
    const info = await sender(firstPort).sendMail({
      from: 'kill@example.com',
      to: MAILBOX,
      subject: 'Verification for Your Order on Alibaba',
      text: 'documents',
      messageId,
      attachments: [
        { filename: 'IMG_4100.JPG', content: await goodImage('ID_FRONT') },
        { filename: 'IMG_4101.JPG', content: await goodImage('ID_BACK') },
      ],
    });
    expect(info.response).toMatch(/^250 /);
    await first.kill();
    const row = await env.deps.prisma.inboundMail.findFirstOrThrow({ where: { messageId } });
    expect(row.status).toBe('RECEIVED');
    expect(row.rawBlobKey).not.toBeNull();

    const secondPort = await freePort();
    const second = await startWorkerProcess(workerEnv(secondPort, 'inbound,email'));
    procs.push(second);
    const start = Date.now();
    for (;;) {
      const r = await env.deps.prisma.inboundMail.findUniqueOrThrow({ where: { id: row.id } });
      if (
        r.status === 'PROCESSED' &&
        smtp.received.some((m) => m.parsed.headers.get('auto-submitted') === 'auto-replied')
      )
        break;
      if (Date.now() - start > 60_000) throw new Error(`mail still ${r.status} after 60 s`);
      await new Promise((res) => setTimeout(res, 200));
    }
    // the same mail delivered again to the new listener adds nothing
    const again = await rawSmtp(secondPort, [
      { cmd: 'EHLO client.test' },
      { cmd: 'MAIL FROM:<kill@example.com>' },
      { cmd: `RCPT TO:<${MAILBOX}>` },
      {
        cmd: 'DATA',
        data: `From: kill@example.com\r\nMessage-ID: ${messageId}\r\nSubject: again\r\n\r\nagain\r\n`,
      },
      { cmd: 'QUIT' },
    ]);
    expect(again[5]).toMatch(/^250 /);
    await new Promise((res) => setTimeout(res, 1_500));
    const docs = await env.deps.prisma.document.findMany({ where: { appealId: a.appealId } });
    expect(docs.map((d) => d.filename).sort()).toEqual(['IMG_4100.JPG', 'IMG_4101.JPG']);
    expect(await env.deps.prisma.inboundMail.count({ where: { messageId } })).toBe(1);
    const answers = smtp.received.filter((m) => m.parsed.headers.get('auto-submitted') === 'auto-replied');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.parsed.inReplyTo).toBe(messageId);
  }, 180_000);
});
