// The listener's transports over real loopback sockets: STARTTLS with a self-signed certificate (made
// here with `selfsigned`) when INBOUND_TLS_KEY/CERT are set, and LMTP mode (INBOUND_LMTP, for use behind
// Postfix/Exim): LHLO, a per-recipient answer after DATA, and the one-address rule still at RCPT.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type InboundListener, startInboundListener } from '../../src/modules/inbound/inbound.listener.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { rawSmtp, until } from '../support/inbound.ts';

vi.setConfig({ testTimeout: 60_000 });
const MAILBOX = 'security@appeal.test';
let env: TestEnv;
let dir: string;
let cert: string;
let tls: InboundListener;
let lmtp: InboundListener;
let plain: InboundListener;

beforeAll(async () => {
  env = await createTestEnv({ SECURITY_MAILBOX: MAILBOX });
  dir = mkdtempSync(path.join(os.tmpdir(), 'inbound-tls-'));
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 });
  cert = pems.cert;
  writeFileSync(path.join(dir, 'key.pem'), pems.private);
  writeFileSync(path.join(dir, 'cert.pem'), pems.cert);
  const withConfig = (over: Record<string, unknown>) => ({ ...env.deps, config: { ...env.config, ...over } });
  tls = await startInboundListener(
    withConfig({ INBOUND_TLS_KEY: path.join(dir, 'key.pem'), INBOUND_TLS_CERT: path.join(dir, 'cert.pem') }),
    { port: 0 },
  );
  lmtp = await startInboundListener(withConfig({ INBOUND_LMTP: true }), { port: 0 });
  plain = await startInboundListener(env.deps, { port: 0 });
}, 60_000);
afterAll(async () => {
  await tls?.close();
  await lmtp?.close();
  await plain?.close();
  await env?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const stored = (messageId: string) =>
  until(`mail ${messageId} stored`, () => env.deps.prisma.inboundMail.findFirst({ where: { messageId } }));

const message = (messageId: string) => ({
  from: 'buyer@example.com',
  to: MAILBOX,
  subject: 'Verification for Your Order on Alibaba',
  text: 'documents',
  messageId,
});

describe('STARTTLS (INBOUND_TLS_KEY and INBOUND_TLS_CERT set)', () => {
  it('is offered, and a client that requires TLS delivers over it with the certificate verified', async () => {
    const ehlo = await rawSmtp(tls.port, [{ cmd: 'EHLO client.test' }, { cmd: 'QUIT' }]);
    expect(ehlo[1]).toMatch(/STARTTLS/);
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: tls.port,
      secure: false,
      requireTLS: true,
      tls: { ca: [cert], servername: 'localhost' },
    });
    const info = await t.sendMail(message('<tls-1@client.test>'));
    expect(info.response).toMatch(/^250 /);
    expect(info.accepted).toEqual([MAILBOX]);
    const row = await stored('<tls-1@client.test>');
    expect(row.rawBlobKey).toBeTruthy();
    t.close();
  });
  it('a client that does not trust the certificate is refused before any mail is sent', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: tls.port,
      secure: false,
      requireTLS: true,
    });
    await expect(t.sendMail(message('<tls-2@client.test>'))).rejects.toThrow(/certificate/i);
    expect(await env.deps.prisma.inboundMail.count({ where: { messageId: '<tls-2@client.test>' } })).toBe(0);
    t.close();
  });
  it('without a key and certificate it is not offered (a client requiring TLS gets no session)', async () => {
    const ehlo = await rawSmtp(plain.port, [{ cmd: 'EHLO client.test' }, { cmd: 'QUIT' }]);
    expect(ehlo[1]).not.toMatch(/STARTTLS/);
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: plain.port,
      secure: false,
      requireTLS: true,
    });
    await expect(t.sendMail(message('<tls-3@client.test>'))).rejects.toThrow();
    t.close();
  });
});

describe('LMTP mode (INBOUND_LMTP=true, behind the MTA)', () => {
  it('speaks LHLO, answers per recipient after DATA, and stores the mail', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: lmtp.port, lmtp: true } as never);
    const info = await t.sendMail(message('<lmtp-1@client.test>'));
    expect(info.accepted).toEqual([MAILBOX]);
    const row = await stored('<lmtp-1@client.test>');
    expect(row.envelopeFrom).toBe('buyer@example.com');
    t.close();
  });
  it('refuses EHLO (an SMTP client is not an MTA speaking LMTP) and any other recipient with 550', async () => {
    const a = await rawSmtp(lmtp.port, [
      { cmd: 'EHLO client.test' },
      { cmd: 'LHLO mta.test' },
      { cmd: 'MAIL FROM:<buyer@example.com>' },
      { cmd: 'RCPT TO:<someone@elsewhere.test>' },
      { cmd: 'RCPT TO:<security+abc@appeal.test>' },
      { cmd: 'QUIT' },
    ]);
    expect(a[1]).toMatch(/^5\d\d /);
    expect(a[2]).toMatch(/^250[ -]/);
    expect(a[4]).toMatch(/^550 /);
    expect(a[5]).toMatch(/^250 /);
  });
});
