// My Appeal with files that came by e-mail: they wait as "Files from your e-mail"; one tap puts each in
// its slot (the card front asks for the last 4 first). Real browser, real SMTP into the inbound listener.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { fixtureResolver, setMailAuthResolver } from '../../src/modules/inbound/inbound.auth.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage } from '../support/images.ts';
import { sender } from '../support/inbound.ts';
import { openAppeal } from '../support/intake.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';
import { launch, PHONE, shoot } from './browser.ts';

const MAILBOX = 'security@appeal.test';
let env: TestEnv;
let server: TestServer;
let smtp: TestSmtpServer;
let mailer: Mailer;
let workers: WorkerSet;
let browser: Browser;

beforeAll(async () => {
  setMailAuthResolver(fixtureResolver({}));
  // the browser's clock is real: cookies must not be issued at the fake clock's default date
  env = await createTestEnv({ SECURITY_MAILBOX: MAILBOX }, { clock: new FakeClock(new Date()) });
  server = await listen(createApp(env.deps));
  smtp = await startSmtpServer();
  mailer = createMailer({ ...env.config, SMTP_URL: smtp.url }, env.deps.logger);
  workers = await startWorkers(env.runtime, {
    mailer,
    schedules: false,
    queues: ['inbound', 'email'],
    inboundPort: 0,
  });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await workers?.close();
  mailer?.close();
  await smtp?.stop();
  await server?.close();
  await env?.close();
  setMailAuthResolver(null);
});

describe('unsorted e-mail files on My Appeal', () => {
  it('the buyer puts each file in its slot with one tap', async () => {
    const a = await openAppeal(client(server.url), {
      buyer: { id: 'ui', email: 'ui@example.com', name: 'Bea', locale: 'en-GB' },
    });
    await sender(workers.inbound!.port).sendMail({
      from: 'ui@example.com',
      to: MAILBOX,
      subject: 'Verification for Your Order on Alibaba',
      text: 'documents',
      messageId: '<ui-1@client.test>',
      attachments: [
        { filename: 'IMG_4100.JPG', content: await goodImage('ID_FRONT') },
        { filename: 'IMG_4101.JPG', content: await goodImage('CARD_FRONT') },
      ],
    });
    const end = Date.now() + 60_000;
    while (
      !(await env.deps.prisma.inboundMail.findFirst({
        where: { messageId: '<ui-1@client.test>', status: 'PROCESSED' },
      }))
    ) {
      if (Date.now() > end) throw new Error('mail not processed');
      await new Promise((r) => setTimeout(r, 150));
    }
    const ctx = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/a/${a.token}`);
    await page.waitForSelector('#unsorted .unsorted-item');
    expect(await page.locator('#unsorted .unsorted-item').count()).toBe(2);
    expect(await page.textContent('#unsorted')).toContain('IMG_4100.JPG');
    await shoot(page, '20-appeal-unsorted');
    const first = page.locator('#unsorted .unsorted-item', { hasText: 'IMG_4100.JPG' });
    await first.locator('button[data-slot=ID_FRONT]').click();
    await page.waitForFunction(() => document.querySelectorAll('#unsorted .unsorted-item').length === 1);
    const card = page.locator('#unsorted .unsorted-item', { hasText: 'IMG_4101.JPG' });
    await card.locator('button[data-slot=CARD_FRONT]').click();
    // the card front asks for the last 4 before anything is sent
    await card.locator('input').waitFor({ state: 'visible' });
    await card.locator('input').fill('4242');
    await card.locator('button[data-slot=CARD_FRONT]').click();
    await page.waitForFunction(() => document.querySelector('#unsorted')?.hasAttribute('hidden'));
    const docs = await env.deps.prisma.document.findMany({
      where: { appealId: a.appealId, status: 'ACTIVE' },
    });
    expect(docs.map((d) => d.slot).sort()).toEqual(['CARD_FRONT', 'ID_FRONT']);
    await ctx.close();
  });
});
