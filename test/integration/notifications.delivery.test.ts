// E-mail delivery through the outbox to a real SMTP server on loopback: transports, retries with backoff
// on temporary answers, no retry on a permanent 550, dead-letter after the last attempt, and the
// documented at-least-once edge (crash after the server accepted, before the row was marked DONE).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../src/modules/notifications/notifications.worker.ts';
import type { Db } from '../../src/platform/db.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { relayOutbox, writeOutbox } from '../../src/platform/outbox.ts';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';
import { waitUntil as waitUntilOf } from '../support/wait.ts';

let env: TestEnv;
let smtp: TestSmtpServer;
let mailer: Mailer;

beforeAll(async () => {
  env = await createTestEnv();
  smtp = await startSmtpServer();
  mailer = createMailer({ ...env.config, SMTP_URL: smtp.url }, env.deps.logger);
});
afterAll(async () => {
  mailer.close();
  await smtp.stop();
  await env.close();
});
beforeEach(() => {
  smtp.rejectRecipient = () => null;
});

function approved(to: string) {
  return {
    to,
    locale: 'en-GB',
    message: {
      template: 'APPROVED',
      buyerName: 'Bea Buyer',
      orderId: 'ORD-1',
      appealUrl: 'http://appeal.test/a/apl_x',
    },
  };
}

async function queue(to: string): Promise<string> {
  return env.deps.prisma.$transaction((tx) => writeOutbox(tx, 'email.send', approved(to)));
}

/** Relays with a short backoff so retries take milliseconds (production: 10 attempts, 5 s doubling). */
function relay(attempts: number) {
  return relayOutbox(env.deps, 100, {
    jobOptions: () => ({ attempts, backoff: { type: 'exponential', delay: 50 } }),
  });
}

const waitUntil = <T>(what: string, fn: () => Promise<T | null | undefined | false>) =>
  waitUntilOf(what, fn, 20_000, 50);

function rowSettled(id: string) {
  return waitUntil(`outbox row ${id} to settle`, async () => {
    const row = await env.deps.prisma.outboxMessage.findUniqueOrThrow({ where: { id } });
    return ['DONE', 'FAILED', 'DEAD'].includes(row.status) ? row : null;
  });
}

async function withWorkers<T>(fn: (w: WorkerSet) => Promise<T>, runtime = env.runtime): Promise<T> {
  const w = await startWorkers(runtime, { mailer, relay: false, schedules: false, queues: ['email'] });
  try {
    return await fn(w);
  } finally {
    await w.close();
  }
}

describe('transports', () => {
  it('SMTP_URL: the message reaches the SMTP server with the envelope, sender and a stable Message-ID', async () => {
    const before = smtp.received.length;
    const sent = await mailer.send({
      to: 'ana@example.com',
      subject: 'Hello',
      text: 'plain',
      html: '<p>html</p>',
      messageId: '<fixed-1@appeal-desk>',
    });
    const [got] = (await smtp.waitFor(before + 1)).slice(before);
    expect(sent.messageId).toBe('<fixed-1@appeal-desk>');
    expect(sent.response).toMatch(/^250 /);
    expect(got!.envelopeTo).toEqual(['ana@example.com']);
    expect(got!.envelopeFrom).toBe('appeals@localhost');
    expect(got!.messageId).toBe('<fixed-1@appeal-desk>');
    expect(got!.parsed.text?.trim()).toBe('plain');
    expect(got!.parsed.html).toContain('<p>html</p>');
  });

  it('without SMTP_URL each message is an .eml file under DATA_DIR/mail, and its path is logged', async () => {
    const fileMailer = createMailer({ ...env.config, SMTP_URL: undefined }, env.deps.logger);
    const logsBefore = env.logLines.length;
    const sent = await fileMailer.send({
      to: 'li@example.cn',
      subject: '你好',
      text: '纯文本',
      html: '<p>网页</p>',
      messageId: '<file-1@appeal-desk>',
    });
    const dir = path.join(env.dataDir, 'mail');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(sent.file).toBe(path.join(dir, files[0]!));
    const parsed = await simpleParser(readFileSync(sent.file!));
    expect(parsed.subject).toBe('你好');
    expect(parsed.text?.trim()).toBe('纯文本');
    expect(parsed.messageId).toBe('<file-1@appeal-desk>');
    expect((parsed.to as { text: string }).text).toBe('li@example.cn');
    const logged = env.logLines.slice(logsBefore).map((l) => JSON.parse(l) as { file?: string; msg: string });
    expect(logged.find((l) => l.file)?.file).toBe(sent.file);
    fileMailer.close();
  });
});

describe('delivery through the outbox', () => {
  it('sends once, records the Message-ID and the server answer on the row, and marks it DONE', async () => {
    const id = await queue('done@example.com');
    const before = smtp.received.length;
    await withWorkers(async () => {
      expect(await relay(3)).toBe(1);
      const row = await rowSettled(id);
      expect(row.status).toBe('DONE');
      expect(row.attempts).toBe(1);
      expect(row.result).toEqual({ messageId: messageIdFor(id), response: expect.stringMatching(/^250 /) });
    });
    const mine = smtp.received.slice(before);
    expect(mine.map((m) => [m.envelopeTo, m.messageId])).toEqual([
      [['done@example.com'], `<${id}@appeal-desk>`],
    ]);
    expect(mine[0]!.parsed.headers.get('content-language')).toBe('en');
    expect(mine[0]!.parsed.headers.get('x-appeal-desk-outbox-id')).toBe(id);
  });

  it('a recipient rejected with 550 is marked FAILED with the server answer and is not retried', async () => {
    smtp.rejectRecipient = (a) =>
      a === 'nobody@example.com' ? { code: 550, message: `5.1.1 <${a}>: Recipient address rejected` } : null;
    const id = await queue('nobody@example.com');
    const rcptBefore = smtp.rcptAttempts.filter((a) => a === 'nobody@example.com').length;
    await withWorkers(async () => {
      await relay(5);
      const row = await rowSettled(id);
      expect(row.status).toBe('FAILED');
      expect(row.attempts).toBe(1);
      // the server's own answer, with the mailbox name reduced to its domain
      expect(row.lastError).toBe('550 5.1.1 <***@example.com>: Recipient address rejected');
      // give BullMQ the time several backoffs would take: no second attempt comes
      await new Promise((r) => setTimeout(r, 600));
      const job = await env.deps.queues.email.getJob(id);
      expect(await job!.getState()).toBe('failed');
      expect(job!.attemptsMade).toBe(1);
    });
    expect(smtp.rcptAttempts.filter((a) => a === 'nobody@example.com').length - rcptBefore).toBe(1);
    // the server quoted the mailbox back; neither the row nor any log line keeps it
    expect(env.logLines.some((l) => l.includes('550 5.1.1'))).toBe(true);
    expect(env.logLines.join('\n')).not.toContain('nobody@example.com');
    expect((await env.deps.prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).attempts).toBe(1);
  });

  it('a temporary 451 is retried with backoff until the server accepts, then sent exactly once', async () => {
    let refusals = 0;
    smtp.rejectRecipient = (a) =>
      a === 'later@example.com' && refusals++ < 2 ? { code: 451, message: '4.7.1 Try again later' } : null;
    const id = await queue('later@example.com');
    await withWorkers(async () => {
      await relay(5);
      const row = await rowSettled(id);
      expect(row.status).toBe('DONE');
      expect(row.attempts).toBe(3);
      // the row keeps the last temporary error it saw
      expect(row.lastError).toBe('451 4.7.1 Try again later');
    });
    expect(smtp.rcptAttempts.filter((a) => a === 'later@example.com')).toHaveLength(3);
    expect(smtp.countByMessageId().get(messageIdFor(id))).toBe(1);
  });

  it('after the last attempt the row is DEAD (dead-letter) and nothing more is tried', async () => {
    smtp.rejectRecipient = (a) =>
      a === 'busy@example.com' ? { code: 452, message: '4.2.2 Mailbox full' } : null;
    const id = await queue('busy@example.com');
    await withWorkers(async () => {
      await relay(3);
      const row = await rowSettled(id);
      expect(row.status).toBe('DEAD');
      expect(row.attempts).toBe(3);
      expect(row.lastError).toBe('452 4.2.2 Mailbox full');
      await new Promise((r) => setTimeout(r, 400));
    });
    expect(smtp.rcptAttempts.filter((a) => a === 'busy@example.com')).toHaveLength(3);
    expect(smtp.countByMessageId().get(messageIdFor(id))).toBeUndefined();
  });

  it('crash after the server accepted, before DONE was written: sent again with the SAME Message-ID (at-least-once)', async () => {
    const id = await queue('twice@example.com');
    // the row update that marks DONE fails once, as if the worker died right after the SMTP 250
    let crashes = 0;
    const outbox = env.deps.prisma.outboxMessage;
    const crashingOutbox = new Proxy(outbox, {
      get(target, key) {
        const v = Reflect.get(target, key);
        if (key !== 'updateMany') return typeof v === 'function' ? v.bind(target) : v;
        return async (args: { data?: { status?: string } }) => {
          if (args.data?.status === 'DONE' && crashes++ === 0) throw new Error('crash injected after send');
          return outbox.updateMany(args as never);
        };
      },
    });
    const prisma = new Proxy(env.deps.prisma, {
      get(target, key) {
        if (key === 'outboxMessage') return crashingOutbox;
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as Db;
    const runtime = { ...env.runtime, deps: { ...env.deps, prisma } };
    await withWorkers(async () => {
      await relay(5);
      const row = await rowSettled(id);
      expect(row.status).toBe('DONE');
      expect(row.attempts).toBe(2);
    }, runtime);
    expect(crashes).toBe(2);
    const copies = smtp.received.filter((m) => m.envelopeTo.includes('twice@example.com'));
    expect(copies).toHaveLength(2);
    expect(copies.map((m) => m.messageId)).toEqual([messageIdFor(id), messageIdFor(id)]);
    // same message, byte for byte apart from the transport's Date header
    const body = (m: (typeof copies)[number]) => [m.parsed.subject, m.parsed.text, m.parsed.html];
    expect(body(copies[1]!)).toEqual(body(copies[0]!));
  });

  it('a row already DONE is not sent again when its job is delivered twice', async () => {
    const id = await queue('once@example.com');
    await withWorkers(async () => {
      await relay(3);
      await rowSettled(id);
      await env.deps.queues.email.add('email.send', { outboxId: id }, { jobId: `${id}-again` });
      await waitUntil('the duplicate job', async () => {
        const j = await env.deps.queues.email.getJob(`${id}-again`);
        return j && (await j.getState()) === 'completed';
      });
    });
    expect(smtp.received.filter((m) => m.envelopeTo.includes('once@example.com'))).toHaveLength(1);
  });
});
