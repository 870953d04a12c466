import { randomBytes } from 'node:crypto';
// The e-mail channel over real SMTP on loopback: nodemailer and a raw SMTP client send to the inbound
// listener; the workers process the mail through the upload use case; answers go through the outbox to
// a real SMTP test server. DNS for mail authentication is the only fake (a fixture resolver).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import { fixtureResolver, setMailAuthResolver } from '../../src/modules/inbound/inbound.auth.ts';
import { mailRef } from '../../src/platform/mail-ref.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { blurredImage, goodImage, statementPdf } from '../support/images.ts';
import { checkMessage } from '../../src/platform/messages.ts';
import { type Call, openAppeal, type OpenedAppeal } from '../support/intake.ts';
import { dkimKey, rawSmtp, answersTo as answersToOf, sender, until } from '../support/inbound.ts';
import { makeStaff } from '../support/review.ts';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';

const METRICS_TOKEN = randomBytes(32).toString('base64url');

// real SMTP round trips, image checks and (here) OCR on a shared 2-core machine: generous per-test limits
vi.setConfig({ testTimeout: 120_000 });
const MAILBOX = 'security@appeal.test';
let env: TestEnv;
let server: TestServer;
let call: Call;
let smtp: TestSmtpServer;
let mailer: Mailer;
let workers: WorkerSet;
let port: number;
const key = dkimKey();

beforeAll(async () => {
  setMailAuthResolver(
    fixtureResolver({
      TXT: {
        'mail._domainkey.signed.test': [[key.record]],
        '_dmarc.signed.test': [['v=DMARC1; p=reject']],
        '_dmarc.bank.test': [['v=DMARC1; p=reject']],
        'bank.test': [['v=spf1 ip4:192.0.2.1 -all']],
      },
    }),
  );
  env = await createTestEnv({
    SECURITY_MAILBOX: MAILBOX,
    INBOUND_MAX_BYTES: String(6 * 1024 * 1024),
    METRICS_TOKEN,
  });
  server = await listen(createApp(env.deps));
  call = client(server.url);
  smtp = await startSmtpServer();
  mailer = createMailer({ ...env.config, SMTP_URL: smtp.url }, env.deps.logger);
  workers = await startWorkers(env.runtime, {
    mailer,
    schedules: false,
    queues: ['inbound', 'email'],
    inboundPort: 0,
  });
  port = workers.inbound!.port;
}, 60_000);
afterAll(async () => {
  await workers?.close();
  mailer?.close();
  await smtp?.stop();
  await server?.close();
  await env?.close();
  setMailAuthResolver(null);
});

const answersTo = (address: string): ReceivedMail[] => answersToOf(smtp, address);

async function mailRow(messageId: string) {
  return until(`mail ${messageId} processed`, () =>
    env.deps.prisma.inboundMail.findFirst({
      where: { messageId, status: { notIn: ['RECEIVED', 'RELEASED'] } },
    }),
  );
}

async function buyer(email: string, over: Record<string, unknown> = {}): Promise<OpenedAppeal> {
  return openAppeal(call, {
    buyer: { id: email, email, name: 'Bea Buyer', locale: 'en-GB' },
    ...over,
  });
}

let seq = 0;
const mid = (tag: string) => `<${tag}-${Date.now()}-${++seq}@client.test>`;

describe('the done-when mail: five camera photos from the buyer', () => {
  let a: OpenedAppeal;
  const messageId = mid('five');
  const names = ['IMG_4100.JPG', 'IMG_4101.JPG', 'IMG_4102.JPG', 'IMG_4103.JPG', 'IMG_4104.JPG'];

  beforeAll(async () => {
    a = await buyer('five@signed.test');
    const variants = ['ID_FRONT', 'ID_BACK', 'CARD_FRONT', 'CARD_BACK', 'OTHER'] as const;
    const files = await Promise.all(variants.map((v) => goodImage(v)));
    await sender(port, {
      domainName: 'signed.test',
      keySelector: 'mail',
      privateKey: key.privateKey,
    }).sendMail({
      from: 'Bea Buyer <five@signed.test>',
      to: MAILBOX,
      subject: 'Verification for Your Order on Alibaba',
      text: 'Please find my documents attached.',
      messageId,
      attachments: files.map((content, i) => ({ filename: names[i], content, contentType: 'image/jpeg' })),
    });
  }, 60_000);

  it('puts five checked documents in the appeal (unsorted: camera names say nothing), sender PASS', async () => {
    const row = await mailRow(messageId);
    expect(row.status).toBe('PROCESSED');
    expect(row.appealId).toBe(a.appealId);
    expect(row.matchedBy).toBe('SENDER');
    expect(row.senderCheck).toBe('PASS');
    const view = await call('GET', `/api/v1/appeals/${a.appealId}`, { token: a.token });
    expect(view.status).toBe(200);
    const unsorted = view.body.unsorted as {
      filename: string;
      checks: { passed: boolean }[];
      source: { channel: string; senderCheck: string };
    }[];
    expect(unsorted.map((u) => u.filename).sort()).toEqual(names);
    for (const u of unsorted) {
      expect(u.checks.length).toBeGreaterThan(0);
      expect(u.checks.every((c) => c.passed)).toBe(true);
      expect(u.source).toEqual({ channel: 'EMAIL', senderCheck: 'PASS' });
    }
    // stored encrypted like any document
    const docs = await env.deps.prisma.document.findMany({ where: { appealId: a.appealId } });
    expect(docs.every((d) => d.blobKey && d.wrappedKey && d.status === 'UNSORTED')).toBe(true);
  });

  it('gets one threaded answer naming every attachment, with the link and RFC 3834 headers', async () => {
    await until('answer', async () => answersTo('five@signed.test').length >= 1);
    await new Promise((r) => setTimeout(r, 500));
    const answers = answersTo('five@signed.test');
    expect(answers).toHaveLength(1);
    const m = answers[0]!;
    expect(m.parsed.subject).toMatch(/^Re: Verification for Your Order on Alibaba \[AD-[0-9a-f]{20}\]$/);
    expect(m.parsed.inReplyTo).toBe(messageId);
    expect(String(m.parsed.references)).toContain(messageId);
    expect(m.parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(m.parsed.headers.get('x-auto-response-suppress')).toBe('All');
    const replyTo = (m.parsed.replyTo as { value: { address: string }[] }).value[0]!.address;
    expect(replyTo).toBe(`security+${mailRef(a.appealId, env.config.APPEAL_TOKEN_SECRET)}@appeal.test`);
    for (const n of names) expect(m.parsed.text).toContain(n);
    expect(m.parsed.text).toMatch(/http:\/\/appeal\.test\/a\/apl_[A-Za-z0-9_-]+/);
    // the token itself is never in the database's copy of the answer
    const rows = await env.deps.prisma.outboxMessage.findMany({ where: { topic: 'email.send' } });
    expect(JSON.stringify(rows.map((r) => r.payload))).not.toContain('apl_');
  });

  it('the buyer places an unsorted photo with one tap; it goes through the checks of that slot', async () => {
    const view = await call('GET', `/api/v1/appeals/${a.appealId}`, { token: a.token });
    const first = (view.body.unsorted as { id: string; filename: string }[]).find(
      (u) => u.filename === 'IMG_4100.JPG',
    )!;
    const placed = await call('POST', `/api/v1/appeals/${a.appealId}/unsorted/${first.id}/place`, {
      token: a.token,
      body: { slot: 'ID_FRONT' },
    });
    expect(placed.status).toBe(201);
    expect(placed.body.slot).toBe('ID_FRONT');
    const after = await call('GET', `/api/v1/appeals/${a.appealId}`, { token: a.token });
    expect(after.body.unsorted).toHaveLength(4);
    const slot = after.body.slots.find((s: { slot: string }) => s.slot === 'ID_FRONT');
    expect(slot.state).toBe('ACCEPTED');
    // reviewers see where each document came from (the case view is the appeal view)
    expect(slot.document.source).toEqual({ channel: 'EMAIL', senderCheck: 'PASS', filename: 'IMG_4100.JPG' });
    // a lead: reviewers see only their own cases and the pool (this appeal is not submitted yet)
    const lead = await makeStaff(env.deps, ['LEAD']);
    const staffView = await call('GET', `/api/v1/appeals/${a.appealId}`, { token: lead.token });
    expect(
      staffView.body.slots.find((s: { slot: string }) => s.slot === 'ID_FRONT').document.source.channel,
    ).toBe('EMAIL');
    const doc = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: placed.body.id } });
    expect([doc.source, doc.senderCheck, doc.filename]).toEqual(['EMAIL', 'PASS', 'IMG_4100.JPG']);
    // the card front needs the last 4: wrong digits are refused like on the page
    const card = (after.body.unsorted as { id: string; filename: string }[]).find(
      (u) => u.filename === 'IMG_4102.JPG',
    )!;
    const wrong = await call('POST', `/api/v1/appeals/${a.appealId}/unsorted/${card.id}/place`, {
      token: a.token,
      body: { slot: 'CARD_FRONT', cardLast4: '0000' },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('DOCUMENT.LAST4_MISMATCH');
    const right = await call('POST', `/api/v1/appeals/${a.appealId}/unsorted/${card.id}/place`, {
      token: a.token,
      body: { slot: 'CARD_FRONT', cardLast4: '4242' },
    });
    expect(right.status).toBe(201);
    // another buyer cannot place it
    const other = await buyer('other-buyer@example.com');
    const stranger = await call('POST', `/api/v1/appeals/${a.appealId}/unsorted/${first.id}/place`, {
      token: other.token,
      body: { slot: 'ID_FRONT' },
    });
    expect(stranger.status).toBe(404);
  });

  it('the same mail again (same Message-ID) adds nothing and is not answered again', async () => {
    const again = await rawSmtp(port, [
      { cmd: 'EHLO client.test' },
      { cmd: 'MAIL FROM:<five@signed.test>' },
      { cmd: `RCPT TO:<${MAILBOX}>` },
      {
        cmd: 'DATA',
        data: `From: five@signed.test\r\nTo: ${MAILBOX}\r\nSubject: Verification for Your Order on Alibaba\r\nMessage-ID: ${messageId}\r\n\r\nagain\r\n`,
      },
      { cmd: 'QUIT' },
    ]);
    expect(again[4]).toMatch(/^354 /);
    expect(again[5]).toMatch(/^250 .*Already received/);
    expect(await env.deps.prisma.inboundMail.count({ where: { messageId } })).toBe(1);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(answersTo('five@signed.test')).toHaveLength(1);
  });
});

describe('the listener', () => {
  it('is never a relay: any other recipient gets 550', async () => {
    const a = await rawSmtp(port, [
      { cmd: 'EHLO client.test' },
      { cmd: 'MAIL FROM:<x@client.test>' },
      { cmd: 'RCPT TO:<someone@elsewhere.test>' },
      { cmd: 'RCPT TO:<security@other.test>' },
      { cmd: 'QUIT' },
    ]);
    expect(a[3]).toMatch(/^550 /);
    expect(a[4]).toMatch(/^550 /);
  });

  it('refuses a message over INBOUND_MAX_BYTES with 552 and keeps nothing of it', async () => {
    const before = await env.deps.prisma.inboundMail.count();
    const big = `From: big@example.com\r\nTo: ${MAILBOX}\r\nSubject: big\r\nMessage-ID: ${mid('big')}\r\n\r\n${'A'.repeat(76).concat('\r\n').repeat(90_000)}`;
    const a = await rawSmtp(port, [
      { cmd: 'EHLO client.test' },
      { cmd: 'MAIL FROM:<big@example.com>' },
      { cmd: `RCPT TO:<${MAILBOX}>` },
      { cmd: 'DATA', data: big },
      { cmd: 'QUIT' },
    ]);
    expect(a[5]).toMatch(/^552 /);
    expect(await env.deps.prisma.inboundMail.count()).toBe(before);
  });
});

describe('which appeal, and who gets an answer', () => {
  it('an unknown sender: nothing stored, one short answer a day on how to appeal', async () => {
    const s = sender(port);
    const first = mid('stranger');
    await s.sendMail({
      from: 'stranger@nowhere.test',
      to: MAILBOX,
      subject: 'hello',
      text: 'hi',
      messageId: first,
      attachments: [{ filename: 'IMG_1.JPG', content: await goodImage('SPARE') }],
    });
    const row = await mailRow(first);
    expect(row.status).toBe('UNMATCHED');
    expect(row.rawBlobKey).toBeNull();
    expect(await env.deps.prisma.document.count({ where: { inboundMailId: row.id } })).toBe(0);
    const second = mid('stranger');
    await s.sendMail({
      from: 'stranger@nowhere.test',
      to: MAILBOX,
      subject: 'hello again',
      text: 'hi',
      messageId: second,
    });
    await mailRow(second);
    await until('answer', async () => answersTo('stranger@nowhere.test').length >= 1);
    await new Promise((r) => setTimeout(r, 800));
    const answers = answersTo('stranger@nowhere.test');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.parsed.text).toContain('could not find a blocked order');
    expect(answers[0]!.parsed.inReplyTo).toBe(first);
  });

  it('several open appeals and no reference: one answer listing them (order id, amount, date)', async () => {
    const x = await buyer('two@example.com', { amount: { value: 5000, currency: 'EUR' } });
    const y = await buyer('two@example.com', { amount: { value: 7000, currency: 'EUR' } });
    const id = mid('two');
    await sender(port).sendMail({
      from: 'two@example.com',
      to: MAILBOX,
      subject: 'docs',
      text: 'see attached',
      messageId: id,
    });
    const row = await mailRow(id);
    expect(row.matchedBy).toBe('AMBIGUOUS');
    await until('answer', async () => answersTo('two@example.com').length >= 1);
    const text = answersTo('two@example.com')[0]!.parsed.text!;
    expect(text).toContain(x.orderId);
    expect(text).toContain(y.orderId);
    expect(text).toContain('€50.00');
    expect(text).toContain('€70.00');
  });

  it('the [AD-<ref>] reference wins over the sender, and a forwarded bank PDF lands in the statement', async () => {
    const a = await buyer('ref@example.com');
    const ref = mailRef(a.appealId, env.config.APPEAL_TOKEN_SECRET);
    const bankMail = Buffer.from(
      [
        'From: statements@bank.test',
        'To: ref@example.com',
        'Subject: Your statement',
        'Message-ID: <st-1@bank.test>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain',
        '',
        'Your statement is attached.',
        '--b1',
        'Content-Type: application/pdf; name="March.pdf"',
        'Content-Disposition: attachment; filename="March.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        statementPdf(1)
          .toString('base64')
          .replace(/(.{76})/g, '$1\r\n'),
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const id = mid('fwd');
    // sent from another address of the buyer: the reference decides
    await sender(port).sendMail({
      from: 'bea.other@example.com',
      to: MAILBOX,
      subject: `Fwd: Your statement [AD-${ref}]`,
      text: 'forwarding my statement',
      messageId: id,
      attachments: [{ filename: 'statement.eml', content: bankMail, contentType: 'message/rfc822' }],
    });
    const row = await mailRow(id);
    expect([row.status, row.appealId, row.matchedBy]).toEqual(['PROCESSED', a.appealId, 'REFERENCE']);
    const doc = await env.deps.prisma.document.findFirstOrThrow({ where: { inboundMailId: row.id } });
    expect([doc.slot, doc.status, doc.filename]).toEqual(['BILLING_STATEMENT', 'ACTIVE', 'March.pdf']);
    expect(doc.flags).toContain('FORWARDED');
    expect(doc.flags).toContain('SENDER_UNVERIFIED');
    // the answer goes to the order's buyer address, not to the sending address
    await until('answer', async () => answersTo('ref@example.com').length >= 1);
    expect(answersTo('bea.other@example.com')).toHaveLength(0);
    expect(answersTo('ref@example.com')[0]!.parsed.text).toContain('March.pdf: accepted, filed as');
  });

  it('an out-of-office (Auto-Submitted: auto-replied) is filed but never answered', async () => {
    const a = await buyer('away@example.com');
    const id = mid('ooo');
    await sender(port).sendMail({
      from: 'away@example.com',
      to: MAILBOX,
      subject: 'Out of office',
      text: 'I am away',
      messageId: id,
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    const row = await mailRow(id);
    expect([row.status, row.appealId, row.answered]).toEqual(['PROCESSED', a.appealId, false]);
    await new Promise((r) => setTimeout(r, 800));
    expect(answersTo('away@example.com')).toHaveLength(0);
  });

  it('a TNEF winmail.dat is answered with how to resend; a small inline signature logo is skipped', async () => {
    await buyer('outlook@example.com');
    const logo = await (await import('sharp'))
      .default({ create: { width: 120, height: 40, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const id = mid('tnef');
    await sender(port).sendMail({
      from: 'outlook@example.com',
      to: MAILBOX,
      subject: 'documents',
      html: '<p>see attached</p><p><img src="cid:logo@corp"></p>',
      messageId: id,
      attachments: [
        {
          filename: 'winmail.dat',
          content: Buffer.from('\x78\x9f\x3e\x22tnef'),
          contentType: 'application/ms-tnef',
        },
        { filename: 'logo.png', content: logo, cid: 'logo@corp' },
      ],
    });
    const row = await mailRow(id);
    expect(row.attachments).toEqual([]);
    await until('answer', async () => answersTo('outlook@example.com').length >= 1);
    const text = answersTo('outlook@example.com')[0]!.parsed.text!;
    expect(text).toContain('winmail.dat');
    expect(text).not.toContain('logo.png');
  });

  it('a spoofed sender failing DMARC goes to the quarantine, attached to no case, released by SECURITY', async () => {
    const a = await buyer('victim@bank.test');
    const id = mid('spoof');
    await sender(port).sendMail({
      from: 'victim@bank.test',
      to: MAILBOX,
      subject: 'Verification for Your Order on Alibaba',
      text: 'docs',
      messageId: id,
      attachments: [{ filename: 'passport.jpg', content: await goodImage('SPARE2') }],
    });
    const row = await mailRow(id);
    expect([row.status, row.appealId, row.senderCheck]).toEqual(['QUARANTINED', null, 'FAIL']);
    expect(await env.deps.prisma.document.count({ where: { appealId: a.appealId } })).toBe(0);
    expect(answersTo('victim@bank.test')).toHaveLength(0);
    const reviewer = await makeStaff(env.deps, ['REVIEWER']);
    expect((await call('GET', '/api/v1/inbound/quarantine', { token: reviewer.token })).status).toBe(403);
    const sec = await makeStaff(env.deps, ['SECURITY']);
    const list = await call('GET', '/api/v1/inbound/quarantine', { token: sec.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(row.id);
    const rel = await call('POST', `/api/v1/inbound/quarantine/${row.id}/release`, { token: sec.token });
    expect(rel.status).toBe(200);
    const again = await call('POST', `/api/v1/inbound/quarantine/${row.id}/release`, { token: sec.token });
    expect(again.status).toBe(409);
    const doc = await until('released document', () =>
      env.deps.prisma.document.findFirst({ where: { appealId: a.appealId } }),
    );
    expect([doc.slot, doc.senderCheck, doc.status]).toEqual(['ID_FRONT', 'RELEASED', 'ACTIVE']);
    const audit = await until('audit of the processed mail', async () => {
      const rows = await env.deps.prisma.auditLog.findMany({ where: { targetId: row.id } });
      return rows.length >= 3 ? rows : null;
    });
    expect(audit.map((r) => r.action)).toEqual(
      expect.arrayContaining(['INBOUND_MAIL_QUARANTINED', 'INBOUND_MAIL_RELEASED', 'INBOUND_MAIL_PROCESSED']),
    );
  });

  it('the case history shows each mail and /metrics counts them', async () => {
    const history = await env.deps.prisma.caseHistory.findMany({ where: { action: 'EMAIL_RECEIVED' } });
    expect(history.length).toBeGreaterThanOrEqual(3);
    const m = await call('GET', '/metrics', { token: METRICS_TOKEN });
    const count = (k: string) =>
      Number(new RegExp(`inbound_mails_total\\{outcome="${k}"\\} (\\d+)`).exec(m.text)?.[1]);
    expect(count('received')).toBe(await env.deps.prisma.inboundMail.count());
    expect(count('quarantined')).toBeGreaterThanOrEqual(1);
    expect(count('matched')).toBeGreaterThanOrEqual(4);
    expect(count('answered')).toBeGreaterThanOrEqual(4);
  });
});

describe("an answer in the buyer's language", () => {
  it('zh: each refused file says what to fix in the same Chinese words as the page', async () => {
    const a = await buyer('zh@signed.test', {
      buyer: { id: 'zh@signed.test', email: 'zh@signed.test', name: '李雷', locale: 'zh-CN' },
    });
    const messageId = mid('zh');
    await sender(port, {
      domainName: 'signed.test',
      keySelector: 'mail',
      privateKey: key.privateKey,
    }).sendMail({
      from: 'Li Lei <zh@signed.test>',
      to: MAILBOX,
      subject: 'Verification for Your Order on Alibaba',
      text: 'documents',
      messageId,
      attachments: [
        { filename: 'id_front.jpg', content: await blurredImage('ID_FRONT'), contentType: 'image/jpeg' },
        { filename: 'id_back.jpg', content: await goodImage('ID_BACK'), contentType: 'image/jpeg' },
      ],
    });
    const row = await mailRow(messageId);
    expect(row.appealId).toBe(a.appealId);
    const [refused, placed] = row.attachments as {
      outcome: string;
      checks?: { rule: string; passed: boolean; message: string }[];
    }[];
    expect(placed!.outcome).toBe('PLACED');
    expect(refused!.outcome).toBe('REFUSED');
    expect(refused!.checks?.map((c) => c.rule)).toContain('sharpness');
    await until('answer', async () => answersTo('zh@signed.test').length >= 1);
    const text = answersTo('zh@signed.test')[0]!.parsed.text!;
    const line = text.split('\n').find((l) => l.includes('id_front.jpg'))!;
    expect(line.startsWith('- id_front.jpg：未接受。')).toBe(true);
    // the page's Chinese verdict of each failed rule, not the checker's English
    for (const c of refused!.checks!) {
      expect(line).toContain(checkMessage('zh', c));
      expect(line).not.toContain(c.message);
    }
    expect(line).toContain('模糊');
    expect(text).toContain('id_back.jpg：已接受，归入');
  });
});

describe('the done-when mail over a plain SMTP client (raw socket, exact commands)', () => {
  it('five camera photos -> five checked documents in that appeal and one threaded answer naming each, with the link', async () => {
    const a = await buyer('raw5@plain.test');
    const names = ['IMG_4100.JPG', 'IMG_4101.JPG', 'IMG_4102.JPG', 'IMG_4103.JPG', 'IMG_4104.JPG'];
    const variants = ['ID_FRONT', 'ID_BACK', 'CARD_FRONT', 'CARD_BACK', 'OTHER'] as const;
    const files = await Promise.all(variants.map((v) => goodImage(v)));
    const messageId = mid('raw5');
    const raw = await new MailComposer({
      from: 'Bea Buyer <raw5@plain.test>',
      to: MAILBOX,
      subject: 'Verification for Your Order on Alibaba',
      text: 'Please find my documents attached.',
      messageId,
      attachments: files.map((content, i) => ({ filename: names[i], content, contentType: 'image/jpeg' })),
    })
      .compile()
      .build();
    const answers = await rawSmtp(port, [
      { cmd: 'EHLO client.test' },
      { cmd: 'MAIL FROM:<raw5@plain.test>' },
      { cmd: `RCPT TO:<${MAILBOX}>` },
      { cmd: 'DATA', data: raw },
      { cmd: 'QUIT' },
    ]);
    expect(answers[4]).toMatch(/^354/);
    expect(answers[5]).toMatch(/^250 /);
    const row = await mailRow(messageId);
    expect([row.status, row.appealId]).toEqual(['PROCESSED', a.appealId]);
    const docs = await env.deps.prisma.document.findMany({ where: { appealId: a.appealId } });
    expect(docs.map((d) => d.filename).sort()).toEqual(names);
    // no DKIM and no DMARC policy for plain.test: accepted, each file flagged for the reviewer
    expect(row.senderCheck).toBe('UNVERIFIED');
    for (const d of docs) {
      expect(d.flags).toContain('SENDER_UNVERIFIED');
      expect((d.checks as { passed: boolean }[]).length).toBeGreaterThan(0);
      expect(d.blobKey).toBeTruthy();
    }
    await until('answer', async () => answersTo('raw5@plain.test').length >= 1);
    await new Promise((r) => setTimeout(r, 500));
    const got = answersTo('raw5@plain.test');
    expect(got).toHaveLength(1);
    expect(got[0]!.parsed.inReplyTo).toBe(messageId);
    expect(got[0]!.parsed.subject).toMatch(/^Re: Verification for Your Order on Alibaba/);
    for (const n of names) expect(got[0]!.parsed.text).toContain(n);
    expect(got[0]!.parsed.text).toMatch(/http:\/\/appeal\.test\/a\/apl_[A-Za-z0-9_-]+/);
  });

  it('every e-mail the product sent in this file carries Auto-Submitted and X-Auto-Response-Suppress: All', () => {
    expect(smtp.received.length).toBeGreaterThan(5);
    for (const m of smtp.received) {
      expect(['auto-generated', 'auto-replied']).toContain(m.parsed.headers.get('auto-submitted'));
      expect(m.parsed.headers.get('x-auto-response-suppress')).toBe('All');
    }
    // notifications (not answers) are among them: the header is not only on the channel's answers
    expect(smtp.received.some((m) => m.parsed.headers.get('auto-submitted') === 'auto-generated')).toBe(true);
  });
});
