// The e-mail quarantine in the console (issue 16 point 8), in a real browser: spoofed mails sent over
// SMTP on loopback to the inbound listener fail DMARC (a fixture resolver is the only fake) and land in
// the quarantine; SECURITY sees them, discards one and releases the other (each after a confirmation);
// the released mail is filed into its appeal and the case page shows the document's source and the mail
// in the history; a REVIEWER has no link and gets the API's 403; Chinese shows the Chinese strings.
// Screenshots at 390x844 and 1280x800 under test-results/screenshots/quar-*.png (SHOTS_DIR overrides).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fixtureResolver, setMailAuthResolver } from '../../src/modules/inbound/inbound.auth.ts';
import type { FakeClock } from '../../src/platform/clock.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { goodImage } from '../support/images.ts';
import { sender } from '../support/inbound.ts';
import { lang, signIn, useConsoleEnv, visibleNav, waitFor } from './console-env.ts';
import { SHOTS } from './browser.ts';

vi.setConfig({ testTimeout: 180_000 });
const MAILBOX = 'security@appeal.test';

// bank.test publishes p=reject and an SPF record that does not list loopback: mail "from" it fails DMARC
setMailAuthResolver(
  fixtureResolver({
    TXT: {
      '_dmarc.bank.test': [['v=DMARC1; p=reject']],
      'bank.test': [['v=spf1 ip4:192.0.2.1 -all']],
    },
  }),
);
afterAll(() => setMailAuthResolver(null));

const c = useConsoleEnv({ config: { SECURITY_MAILBOX: MAILBOX }, inbound: true });

async function snap(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const size of [
    { width: 390, height: 844 },
    { width: 1280, height: 800 },
  ]) {
    await page.setViewportSize(size);
    // a narrower frame asks for a smaller rendition of each document picture: let it arrive
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(SHOTS, `quar-${name}-${size.width}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

/** What the signed-in browser gets from the API (its own session cookie). */
async function apiFromPage(page: Page, url: string) {
  return page.evaluate(async (u) => {
    const r = await fetch(u, { headers: { accept: 'application/json' } });
    return { status: r.status, body: await r.json() };
  }, url);
}

let seq = 0;
const mid = (tag: string) => `<${tag}-${Date.now()}-${++seq}@client.test>`;

async function quarantined(messageId: string) {
  return waitFor(
    `mail ${messageId} quarantined`,
    () => c.env.deps.prisma.inboundMail.findFirst({ where: { messageId, status: 'QUARANTINED' } }),
    60_000,
  );
}

describe('the mail quarantine in the console', () => {
  const victim = `victim-${Date.now()}@bank.test`;
  const releaseId = mid('release');
  const discardId = mid('discard');
  let appealId = '';
  let releaseRow = '';
  let discardRow = '';

  it('SECURITY sees each quarantined mail, newest first, with its sender check and attachments', async () => {
    // an open appeal of the buyer whose address the first mail forges
    const reg = await c.call('POST', '/api/v1/blocked-orders', {
      token: RISK_KEY,
      body: blockedOrder({ buyer: { id: victim, email: victim, name: 'Vic Tim', locale: 'en-GB' } }),
    });
    expect(reg.status).toBe(201);
    appealId = reg.body.appealId as string;
    const smtp = sender(c.inboundPort!);
    await smtp.sendMail({
      from: `Vic Tim <${victim}>`,
      to: MAILBOX,
      subject: 'Verification for Your Order on Alibaba',
      text: 'my passport',
      messageId: releaseId,
      attachments: [
        { filename: 'passport.jpg', content: await goodImage('SPARE2'), contentType: 'image/jpeg' },
      ],
    });
    releaseRow = (await quarantined(releaseId)).id;
    // a minute later (the server's clock), a second forged mail with two files
    (c.env.deps.clock as FakeClock).advance(60_000);
    await smtp.sendMail({
      from: 'Bank Security <security@bank.test>',
      to: MAILBOX,
      subject: 'Urgent: confirm your card details',
      text: 'see attached',
      messageId: discardId,
      attachments: [
        { filename: 'card-front.jpg', content: await goodImage('CARD_FRONT'), contentType: 'image/jpeg' },
        { filename: 'IMG_4100.JPG', content: await goodImage('OTHER'), contentType: 'image/jpeg' },
      ],
    });
    discardRow = (await quarantined(discardId)).id;
    smtp.close();

    const page = await signIn(c, c.who.security.email);
    expect(await visibleNav(page)).toEqual(['/console/incidents', '/console/quarantine']);
    await page.click('#nav a[href="/console/quarantine"]');
    await page.waitForSelector('#quarantine tbody tr');
    expect(await page.textContent('#view-title')).toBe('Mail quarantine');
    expect(await page.getAttribute('#nav a[href="/console/quarantine"]', 'aria-current')).toBe('page');
    // newest first
    expect(
      await page.$$eval('#quarantine tbody tr', (rs) => rs.map((r) => r.getAttribute('data-id'))),
    ).toEqual([discardRow, releaseRow]);
    const newest = (await page.textContent(`#quarantine tr[data-id="${discardRow}"]`))!;
    for (const s of [
      'security@bank.test',
      'Urgent: confirm your card details',
      'DMARC: fail',
      'SPF: fail',
      'DKIM: none',
      '2 file(s)',
      'card-front.jpg',
      'IMG_4100.JPG',
    ])
      expect(newest).toContain(s);
    const older = (await page.textContent(`#quarantine tr[data-id="${releaseRow}"]`))!;
    expect(older).toContain(victim);
    expect(older).toContain('1 file(s)');
    expect(older).toContain('passport.jpg');
    expect(c.errors).toEqual([]);
    await snap(page, 'list-en');

    // paging with the API's cursor: one mail a page, "More" opens the next
    const first = await apiFromPage(page, '/api/v1/inbound/quarantine?limit=1');
    expect(first.body.items.map((i: { id: string }) => i.id)).toEqual([discardRow]);
    const second = await apiFromPage(
      page,
      `/api/v1/inbound/quarantine?limit=1&cursor=${first.body.nextCursor as string}`,
    );
    expect([second.body.items.map((i: { id: string }) => i.id), second.body.nextCursor]).toEqual([
      [releaseRow],
      null,
    ]);
    expect((await apiFromPage(page, '/api/v1/inbound/quarantine?cursor=bm9wZQ')).status).toBe(400);
    await page.goto(`${c.server.url}/console/quarantine?limit=1`);
    await page.waitForSelector(`#quarantine tr[data-id="${discardRow}"]`);
    expect(await page.$$('#quarantine tbody tr')).toHaveLength(1);
    await page.click('#q-more');
    await page.waitForSelector(`#quarantine tr[data-id="${releaseRow}"]`);
    expect(await page.$$('#quarantine tbody tr')).toHaveLength(1);
    expect(await page.$('#q-more')).toBeNull();
    await page.goto(`${c.server.url}/console/quarantine`);
    await page.waitForSelector(`#quarantine tr[data-id="${releaseRow}"]`);

    // the same page in Chinese
    await lang(page, 'zh');
    await page.waitForSelector('#quarantine tbody tr');
    expect(await page.textContent('#view-title')).toBe('邮件隔离区');
    expect(await page.textContent('#nav a[href="/console/quarantine"]')).toBe('邮件隔离区');
    const heads = await page.$$eval('#quarantine th', (hs) => hs.map((h) => h.textContent));
    expect(heads).toEqual(['收到时间', '发件人', '主题', '发件人验证', '附件', '操作']);
    expect(await page.textContent(`#quarantine tr[data-id="${discardRow}"]`)).toContain('2 个文件');
    expect(await page.textContent(`#quarantine tr[data-id="${discardRow}"] [data-action=release]`)).toBe(
      '放行',
    );
    expect(await page.textContent(`#quarantine tr[data-id="${discardRow}"] [data-action=discard]`)).toBe(
      '丢弃',
    );
    await snap(page, 'list-zh');
    await page.click(`#quarantine tr[data-id="${discardRow}"] [data-action=discard]`);
    expect(await page.textContent(`#quarantine tr[data-id="${discardRow}"] .q-confirm p`)).toContain(
      '丢弃来自 security@bank.test 的邮件？',
    );
    await lang(page, 'en');
    await page.context().close();
  });

  it('discard and release each ask first, then say what they did; the API state follows', async () => {
    const page = await signIn(c, c.who.security.email);
    await page.goto(`${c.server.url}/console/quarantine`);
    await page.waitForSelector('#quarantine tbody tr');
    const row = (id: string) => `#quarantine tr[data-id="${id}"]`;

    // Discard, then Cancel: nothing happens
    await page.click(`${row(discardRow)} [data-action=discard]`);
    const confirm = page.locator(`${row(discardRow)} .q-confirm`);
    await confirm.waitFor();
    expect(await confirm.getAttribute('role')).toBe('alertdialog');
    expect(await confirm.textContent()).toContain('Discard the mail from security@bank.test?');
    await snap(page, 'confirm-discard');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(
      (await c.env.deps.prisma.inboundMail.findUniqueOrThrow({ where: { id: discardRow } })).status,
    ).toBe('QUARANTINED');

    // Discard, confirmed
    await page.click(`${row(discardRow)} [data-action=discard]`);
    await confirm.getByRole('button', { name: 'Yes, discard' }).click();
    await page.waitForFunction(
      (t) => document.querySelector('#flash')?.textContent === t,
      'Discarded the mail from security@bank.test.',
    );
    await page.waitForSelector(row(discardRow), { state: 'detached' });
    const gone = await c.env.deps.prisma.inboundMail.findUniqueOrThrow({ where: { id: discardRow } });
    expect([gone.status, gone.rawBlobKey, gone.appealId]).toEqual(['DISCARDED', null, null]);

    // Release, confirmed: the mail is matched to the victim's appeal and its file filed, marked RELEASED
    await page.click(`${row(releaseRow)} [data-action=release]`);
    const confirm2 = page.locator(`${row(releaseRow)} .q-confirm`);
    expect(await confirm2.textContent()).toContain(`Release the mail from ${victim}?`);
    await confirm2.getByRole('button', { name: 'Yes, release' }).click();
    await page.waitForFunction(
      (t) => document.querySelector('#flash')?.textContent === t,
      `Released the mail from ${victim}: it is being matched and filed.`,
    );
    // nothing left: the empty state
    await page.waitForSelector('#q-empty');
    expect(await page.textContent('#q-empty')).toBe('No mail in quarantine.');
    await snap(page, 'empty');

    const doc = await waitFor(
      'the released document',
      () => c.env.deps.prisma.document.findFirst({ where: { appealId, source: 'EMAIL' } }),
      90_000,
    );
    expect([doc.slot, doc.senderCheck, doc.status]).toEqual(['ID_FRONT', 'RELEASED', 'ACTIVE']);
    const processed = await waitFor('the released mail processed', async () => {
      const m = await c.env.deps.prisma.inboundMail.findUnique({ where: { id: releaseRow } });
      return m?.status === 'PROCESSED' ? m : null;
    });
    expect(processed.appealId).toBe(appealId);

    // the API, as the browser sees it
    const open = await apiFromPage(page, '/api/v1/inbound/quarantine');
    expect(open.status).toBe(200);
    expect(open.body.items).toEqual([]);
    const discarded = await apiFromPage(page, '/api/v1/inbound/quarantine?status=DISCARDED');
    expect(discarded.body.items.map((i: { id: string }) => i.id)).toEqual([discardRow]);
    expect(discarded.body.items[0].files.map((f: { filename: string }) => f.filename)).toEqual([
      'card-front.jpg',
      'IMG_4100.JPG',
    ]);
    const actions = await c.env.deps.prisma.auditLog.findMany({
      where: { targetId: { in: [discardRow, releaseRow] } },
      select: { action: true, actorId: true },
    });
    expect(actions).toEqual(
      expect.arrayContaining([
        { action: 'INBOUND_MAIL_DISCARDED', actorId: c.who.security.id },
        { action: 'INBOUND_MAIL_RELEASED', actorId: c.who.security.id },
      ]),
    );

    // the discarded list shows the mail, without buttons
    await page.click('button:has-text("Discarded")');
    await page.waitForSelector(row(discardRow));
    expect(await page.$(`${row(discardRow)} [data-action]`)).toBeNull();
    expect(await page.getAttribute('button:has-text("Discarded")', 'aria-pressed')).toBe('true');
    expect(c.errors).toEqual([]);
    await page.context().close();
  });

  it('the case page shows the released document’s source and the mail in the history', async () => {
    const page = await signIn(c, c.who.lead.email);
    await page.goto(`${c.server.url}/console/cases/${appealId}`);
    await page.waitForSelector('.doc-source');
    const src = (await page.textContent('.doc-source'))!;
    expect(src).toContain('Source: EMAIL · passport.jpg');
    expect(src).toContain('Sender check: RELEASED');
    const mail = (await page.textContent('#history .mail-summary'))!;
    expect(mail).toContain('sender check RELEASED');
    expect(mail).toContain('DMARC fail');
    expect(mail).toContain('passport.jpg: placed in ID_FRONT');
    await page.locator('#history').scrollIntoViewIfNeeded();
    await snap(page, 'case');
    await lang(page, 'zh');
    await page.waitForSelector('.doc-source');
    expect(await page.textContent('.doc-source')).toContain('来源：EMAIL · passport.jpg');
    expect(await page.textContent('#history .mail-summary')).toContain('passport.jpg: 已放入 ID_FRONT');
    await lang(page, 'en');
    expect(c.errors).toEqual([]);
    await page.context().close();
  });

  it('a REVIEWER has no link to the quarantine, is sent home from it, and the API answers 403', async () => {
    const page = await signIn(c, c.who.reviewer.email);
    expect(await visibleNav(page)).not.toContain('/console/quarantine');
    await page.goto(`${c.server.url}/console/quarantine`);
    await page.waitForURL('**/console');
    await page.waitForSelector('#view-title');
    expect(await page.textContent('#flash')).toContain('Your roles do not include this page');
    expect(await page.$('#quarantine')).toBeNull();
    const r = await apiFromPage(page, '/api/v1/inbound/quarantine');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toMatch(/^AUTH\./);
    await page.context().close();
  });
});
