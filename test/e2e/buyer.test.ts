// My Appeal in a real browser (issue 13 point 9): statement pages listed and removable, a failed
// re-upload says whether the earlier accepted document still counts, PDF problems are not "this photo",
// sizes under 0.1 MB in KB, the CVV hint once, the respond-by date in a more-information round, and after
// settlement the refund text says it was sent, with the ARN. Screenshots in en and zh at both sizes.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { blockedOrder, RISK_KEY, tokenFromUrl } from '../support/factories.ts';
import { goodImage, statementPdf } from '../support/images.ts';
import { PHONE, shoot } from './browser.ts';
import { PASSWORD, submitted, useConsoleEnv, waitFor } from './console-env.ts';

const c = useConsoleEnv();

async function open(token: string, locale = 'en-GB'): Promise<Page> {
  const ctx = await c.browser.newContext({ viewport: PHONE, locale });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => c.errors.push(String(e)));
  await page.goto(`${c.server.url}/a/${token}`);
  await page.waitForSelector('#page:not([hidden])');
  return page;
}

async function upload(page: Page, slot: string, name: string, buffer: Buffer, mimeType = 'image/jpeg') {
  await page.locator(`#slot-${slot} input.file`).setInputFiles({ name, mimeType, buffer });
}

async function buyerLang(page: Page, l: 'en' | 'zh') {
  await page.selectOption('#lang', l);
  await page.waitForFunction((x) => document.documentElement.lang.startsWith(x), l);
}

async function staffToken(email: string) {
  const r = await c.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
  return r.body.token as string;
}

describe('My Appeal', () => {
  it('statement pages, failed re-uploads, PDF wording, KB sizes, one CVV hint', async () => {
    const body = blockedOrder({
      buyer: { id: 'b-9', email: 'b9@example.com', name: 'Nine', locale: 'en-GB' },
    });
    const reg = await c.call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
    const page = await open(tokenFromUrl(reg.body.appealUrl));
    await page.check('input[value=PASSPORT]');
    await page.waitForSelector('#slot-BILLING_STATEMENT:not([hidden])');
    // the CVV hint once on the card's back
    expect(((await page.textContent('#slot-CARD_BACK')) ?? '').match(/CVV/g)).toHaveLength(1);
    // a PDF statement (about 1 KB: shown in KB) and a photo of another page
    const pdf = statementPdf(3);
    await upload(page, 'BILLING_STATEMENT', 'statement.pdf', pdf, 'application/pdf');
    expect(await page.textContent('#slot-BILLING_STATEMENT .pname')).toMatch(/^statement\.pdf · \d+ KB$/);
    await page.waitForSelector('#slot-BILLING_STATEMENT .page-list li');
    expect(await page.textContent('#slot-BILLING_STATEMENT .page-list')).toContain(
      'Page 1 · PDF, 3 page(s) ·',
    );
    const photo = await sharp(await goodImage('BILLING_STATEMENT'))
      .jpeg()
      .toBuffer();
    await upload(page, 'BILLING_STATEMENT', 'page2.jpg', photo);
    await page.waitForFunction(
      () => document.querySelectorAll('#slot-BILLING_STATEMENT .page-list li').length === 2,
    );
    expect(await page.textContent('#slot-BILLING_STATEMENT .page-list li:nth-child(2)')).toContain(
      'Page 2 · photo',
    );
    // a broken PDF: the verdict speaks of a PDF, and says the pages already received still count
    await upload(
      page,
      'BILLING_STATEMENT',
      'broken.pdf',
      readFileSync('test/fixtures/pdf/broken.pdf'),
      'application/pdf',
    );
    await page.waitForSelector('#slot-BILLING_STATEMENT .verdict.bad');
    const verdict = (await page.textContent('#slot-BILLING_STATEMENT .verdict'))!;
    expect(verdict).toContain('We could not accept this PDF:');
    expect(verdict).not.toContain('this photo');
    expect(verdict).toMatch(/Your earlier PDF, accepted on .+, still counts/);
    for (const l of ['zh', 'en'] as const) {
      await buyerLang(page, l);
      await shoot(page, `40-appeal-statement-pages-${l}`);
    }
    // remove page 2
    await page.getByRole('button', { name: 'Remove page 2' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('#slot-BILLING_STATEMENT .page-list li').length === 1,
    );
    // an accepted ID photo, then a failed replacement: the first still counts
    await upload(
      page,
      'ID_FRONT',
      'id.jpg',
      await sharp(await goodImage('ID_FRONT'))
        .jpeg()
        .toBuffer(),
    );
    await page.waitForFunction(
      () => document.querySelector('#slot-ID_FRONT .badge')?.textContent === 'Accepted',
    );
    const small = await sharp(await goodImage('ID_FRONT'))
      .resize(600, 450, { fit: 'fill' })
      .jpeg()
      .toBuffer();
    await upload(page, 'ID_FRONT', 'small.jpg', small);
    await page.waitForSelector('#slot-ID_FRONT .verdict.bad');
    const idVerdict = (await page.textContent('#slot-ID_FRONT .verdict'))!;
    expect(idVerdict).toContain('We could not accept this photo:');
    expect(idVerdict).toMatch(/Your earlier photo, accepted on .+, still counts: nothing changed\./);
    expect(await page.textContent('#slot-ID_FRONT .badge')).toBe('Accepted');
    for (const l of ['zh', 'en'] as const) {
      await buyerLang(page, l);
      await shoot(page, `41-appeal-failed-reupload-${l}`);
    }
    await page.context().close();
  });

  it('a more-information round shows the respond-by date; a failed redo says the old one no longer counts', async () => {
    const a = await submitted(c, {
      buyer: { id: 'b-10', email: 'b10@example.com', name: 'Ten', locale: 'en-GB' },
    });
    const token = await staffToken(c.who.reviewer.email);
    const d = await c.call('POST', `/api/v1/cases/${a.appealId}/decision`, {
      token,
      body: { decision: 'REQUEST_MORE_INFO', reasonCodes: ['IMAGE_BLURRY'], slots: ['CARD_BACK'] },
    });
    expect(d.status, d.text).toBe(200);
    const page = await open(a.token);
    await page.waitForSelector('#slot-CARD_BACK:not([hidden])');
    const view = await c.env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } });
    expect(view.status).toBe('MORE_INFO_REQUESTED');
    expect(await page.textContent('#answer-by')).toMatch(
      /^Please send what we asked for by \w{3}, \d{1,2} \w+ 20\d\d; after that the appeal expires/,
    );
    const small = await sharp(await goodImage('CARD_BACK'))
      .resize(600, 450, { fit: 'fill' })
      .jpeg()
      .toBuffer();
    await upload(page, 'CARD_BACK', 'small.jpg', small);
    await page.waitForSelector('#slot-CARD_BACK .verdict.bad');
    expect(await page.textContent('#slot-CARD_BACK .verdict')).toContain(
      'The one you sent before no longer counts: please send a new one.',
    );
    for (const l of ['zh', 'en'] as const) {
      await buyerLang(page, l);
      await shoot(page, `42-appeal-respond-by-${l}`);
    }
    await buyerLang(page, 'zh');
    expect(await page.textContent('#answer-by')).toContain('前发送所需材料');
    await page.context().close();
  });

  it('after settlement the refund text says it was sent, with the ARN', async () => {
    const a = await submitted(c, {
      buyer: { id: 'b-11', email: 'b11@example.com', name: '张伟', locale: 'zh-CN' },
    });
    const token = await staffToken(c.who.reviewer.email);
    const reason = await c.env.deps.prisma.reasonCode.findFirstOrThrow({ where: { kind: 'FINAL' } });
    expect(
      (
        await c.call('POST', `/api/v1/cases/${a.appealId}/decision`, {
          token,
          body: { decision: 'REJECT', reasonCodes: [reason.code] },
        })
      ).status,
    ).toBe(200);
    const refund = await waitFor('refund', () =>
      c.env.deps.prisma.refund.findFirst({ where: { appealId: a.appealId } }),
    );
    const fin = await staffToken(c.who.finance.email);
    const arn = '74612345678901234567890';
    for (const body of [
      { type: 'SUBMITTED', providerRef: 'PSP-1' },
      { type: 'SETTLED', arn },
    ]) {
      const r = await c.call('POST', `/api/v1/refunds/${refund.id}/events`, { token: fin, body });
      expect(r.status, r.text).toBe(200);
    }
    const page = await open(a.token, 'zh-CN');
    await page.waitForSelector('#timeline li');
    expect(await page.textContent('#timeline')).toContain(`已于`);
    expect(await page.textContent('#timeline')).toContain(arn);
    await shoot(page, '43-appeal-refund-sent-zh');
    await buyerLang(page, 'en');
    const timeline = (await page.textContent('#timeline'))!;
    expect(timeline).toMatch(
      /€129\.99 was sent back to your card on .+\. If you do not see it, give your bank this reference \(ARN\): 74612345678901234567890/,
    );
    expect(timeline).not.toContain('should reach your account between');
    await shoot(page, '43-appeal-refund-sent-en');
    expect(c.errors).toEqual([]);
  });
});
