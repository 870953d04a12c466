// The review desk in a real browser (issue 13 points 4, 5, 8, 10): the document viewer (every PDF page,
// zoom to full resolution, pan, full screen, side by side), the second approval (reviewer, banner, the
// leads' list and count), flags in plain words with the other buyer's case, the SLA paused while
// waiting for the buyer, 银联, finance's event form (allowed events only, inline field errors, all 23
// ARN digits, cause, link) and the rejection's confirmation. Screenshots in en and zh at both sizes.
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { goodImage } from '../support/images.ts';
import { shoot } from './browser.ts';
import { lang, shots, signIn, submitted, useConsoleEnv, waitFor } from './console-env.ts';

const c = useConsoleEnv();

const transform = (page: Page, sel: string) =>
  page
    .locator(sel)
    .first()
    .evaluate((i) => (i as HTMLImageElement).style.transform);

describe('review desk', () => {
  it('viewer, second approval, flags, SLA paused, 银联', async () => {
    const idImage = await sharp(await goodImage('ID_FRONT'))
      .jpeg()
      .toBuffer();
    // a large order (above SECOND_APPROVAL_MINOR), UnionPay, a 3-page PDF statement
    const big = await submitted(
      c,
      {
        amount: { value: 250_000, currency: 'EUR' },
        card: { brand: 'UNIONPAY', last4: '6212', issuerCountry: 'CN' },
        buyer: { id: 'buyer-big', email: 'big@example.com', name: '王芳', locale: 'zh-CN' },
      },
      { pdf: true, idImage },
    );
    // another buyer sends the same ID picture
    const dup = await submitted(
      c,
      { buyer: { id: 'buyer-dup', email: 'dup@example.com', name: 'Dup Buyer', locale: 'en-GB' } },
      { idImage },
    );

    const rev = await signIn(c, c.who.reviewer.email);
    await rev.goto(`${c.server.url}/console/cases/${big.appealId}`);
    await rev.waitForSelector('#h-decision');
    expect(await rev.textContent('.facts')).toContain('UnionPay ·6212');
    // ---- every page of the PDF, with navigation
    const pdfDoc = rev.locator('.docs .doc[data-slot=BILLING_STATEMENT]');
    expect(await pdfDoc.locator('h4').textContent()).toBe('BILLING_STATEMENT · PDF · 3 page(s)');
    expect(await pdfDoc.locator('.page-no').textContent()).toBe('Page 1 of 3');
    await pdfDoc.getByRole('button', { name: 'Next page' }).click();
    expect(await pdfDoc.locator('.page-no').textContent()).toBe('Page 2 of 3');
    expect(await pdfDoc.locator('img').getAttribute('src')).toMatch(/\?page=2&w=\d+$/);
    await rev.waitForFunction(() =>
      [...document.querySelectorAll('.doc img')].every(
        (i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0,
      ),
    );
    // ---- zoom to the served image's full resolution, then pan by dragging
    const idDoc = rev.locator('.docs .doc[data-slot=ID_FRONT]');
    // first shown at the frame's size (?w=); full resolution asks for the full image, then zooms to it
    expect(await idDoc.locator('img').getAttribute('src')).toMatch(/\?w=\d+$/);
    await idDoc.getByRole('button', { name: 'Full resolution' }).click();
    await rev.waitForFunction(() =>
      /scale\((?!1\))/.test(
        (document.querySelector('.docs .doc[data-slot=ID_FRONT] img') as HTMLImageElement).style.transform,
      ),
    );
    expect(await idDoc.locator('img').getAttribute('src')).not.toContain('w=');
    const zoomed = await transform(rev, '.docs .doc[data-slot=ID_FRONT] img');
    const [natural, shown] = await idDoc
      .locator('img')
      .evaluate((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).clientWidth]);
    const scale = Number(/scale\(([\d.]+)\)/.exec(zoomed)![1]);
    expect(scale).toBeCloseTo(natural! / shown!, 1);
    expect(scale).toBeGreaterThan(1);
    const box = (await idDoc.locator('.viewport').boundingBox())!;
    await rev.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await rev.mouse.down();
    await rev.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 30, { steps: 4 });
    await rev.mouse.up();
    expect(await transform(rev, '.docs .doc[data-slot=ID_FRONT] img')).toMatch(/^translate\(60px, 30px\)/);
    // ---- full screen: the picture takes the window; Escape closes it
    await idDoc.getByRole('button', { name: 'Full screen' }).click();
    expect(await idDoc.evaluate((d) => d.classList.contains('full'))).toBe(true);
    expect((await idDoc.locator('.viewport').boundingBox())!.height).toBeGreaterThan(600);
    await rev.screenshot({ path: 'test-results/screenshots/30-viewer-full-screen-desktop.png' });
    await rev.keyboard.press('Escape');
    expect(await idDoc.evaluate((d) => d.classList.contains('full'))).toBe(false);
    // ---- side by side
    for (const l of ['zh', 'en'] as const) {
      // a language change redraws the page: choose the two documents again
      await lang(rev, l);
      await rev.waitForSelector('.docs .doc[data-slot=ID_FRONT] .compare-btn');
      for (const slot of ['ID_FRONT', 'CARD_FRONT'])
        await rev.locator(`.docs .doc[data-slot=${slot}] .compare-btn`).click();
      expect(await rev.locator('.side-by-side .doc').count()).toBe(2);
      await shoot(rev, `31-viewer-side-by-side-${l}`);
    }
    // in Chinese the card brand is 银联
    await lang(rev, 'zh');
    expect(await rev.textContent('.facts')).toContain('银联 ·6212');
    await lang(rev, 'en');

    // ---- second approval: the reviewer is told, the case carries a banner, the API the state
    await rev.check('input[value=APPROVE]');
    await rev.click('#h-decision ~ p button[type=submit]');
    await rev.waitForSelector('#second-approval');
    expect(await rev.textContent('#flash')).toContain('waiting for a second approval');
    expect(await rev.textContent('#second-approval')).toContain('waiting for a second approval');
    // the reviewer cannot decide again
    expect(await rev.$('#h-decision')).toBeNull();
    await shots(rev, '32-case-waiting-second-approval', '#second-approval');

    // ---- flags in plain words; the duplicate links to the other buyer's case
    await rev.goto(`${c.server.url}/console/cases/${dup.appealId}`);
    const flag = rev.locator('li.flag[data-flag=DUPLICATE_OTHER_BUYER]').first();
    await flag.waitFor();
    expect(await flag.textContent()).toContain('The same picture is in another buyer’s appeal');
    expect(await flag.locator('a').getAttribute('href')).toBe(`/console/cases/${big.appealId}`);
    await shots(rev, '33-case-flags', 'li.flag');
    // ---- ask for a document again: the SLA box says paused
    await rev.check('input[value=REQUEST_MORE_INFO]');
    await rev.locator('input[name=reason]').first().check();
    await rev.check('input[name=slot][value=CARD_BACK]');
    await rev.click('#h-decision ~ p button[type=submit]');
    await rev.waitForFunction(() =>
      document.querySelector('#sla-box .sla-line')?.textContent?.startsWith('Paused'),
    );
    expect(await rev.locator('#sla-box .sla-line').getAttribute('class')).toContain('sla-paused');
    await shots(rev, '34-case-sla-paused', '#sla-box');
    await rev.context().close();

    // ---- the lead: a list and a count, the banner names the first approver, the lead confirms
    const lead = await signIn(c, c.who.lead.email);
    await lead.goto(`${c.server.url}/console/leads`);
    await lead.waitForSelector(`#second-approvals tr[data-id="${big.appealId}"]`);
    expect(await lead.textContent('#second-approvals h3')).toBe('Waiting for a second approval (1)');
    expect(await lead.textContent(`#second-approvals tr[data-id="${big.appealId}"]`)).toContain(
      'Reviewer Person',
    );
    await shots(lead, '35-leads-second-approvals', '#second-approvals');
    await lead.click(`#second-approvals tr[data-id="${big.appealId}"] a`);
    await lead.waitForSelector('#second-approval');
    expect(await lead.textContent('#second-approval')).toContain('Reviewer Person');
    await lead.check('input[value=APPROVE]');
    await lead.click('#h-decision ~ p button[type=submit]');
    await waitFor(
      'approved',
      async () =>
        (await c.env.deps.prisma.appeal.findUnique({ where: { id: big.appealId } }))?.status === 'APPROVED',
    );
    // ---- the SLA chart counts each decided case once
    await lead.goto(`${c.server.url}/console/leads`);
    await lead.waitForSelector('svg.chart');
    const label = (await lead.locator('svg.chart').first().getAttribute('aria-label'))!;
    const counts = [...label.matchAll(/ (\d+)(?:,|$)/g)].map((m) => Number(m[1]));
    const decided = await c.env.deps.prisma.appeal.count({
      where: { status: { in: ['APPROVED', 'REJECTED'] } },
    });
    expect(counts.reduce((a, b) => a + b, 0)).toBe(decided);
    expect(await lead.textContent('#second-approvals h3')).toBe('Waiting for a second approval (0)');
    await lead.context().close();
    expect(c.errors).toEqual([]);
  });

  it('a rejection asks first; finance records only allowed events, sees field errors, the ARN, cause and link', async () => {
    const a = await submitted(c, {
      amount: { value: 45_000, currency: 'GBP' },
      buyer: { id: 'buyer-rej', email: 'rej@example.com', name: '李雷', locale: 'zh-CN' },
    });
    const rev = await signIn(c, c.who.reviewer.email);
    await rev.goto(`${c.server.url}/console/cases/${a.appealId}`);
    const ask = async () => {
      await rev.waitForSelector('#h-decision');
      await rev.check('input[value=REJECT]');
      await rev.locator('input[name=reason]').first().check();
      await rev.click('#h-decision ~ p button[type=submit]');
      await rev.waitForSelector('#reject-confirm:not([hidden])');
    };
    for (const l of ['zh', 'en'] as const) {
      await lang(rev, l);
      await ask();
      expect(await rev.textContent('#reject-confirm')).toContain(
        l === 'zh' ? '拒绝将取消订单' : 'cancels the order',
      );
      expect(await rev.textContent('#reject-confirm')).toContain('£450.00');
      await shoot(rev, `36-case-reject-confirm-${l}`);
    }
    // No keeps the case open
    await rev.click('#reject-no');
    expect((await c.env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: a.appealId } })).status).toBe(
      'IN_REVIEW',
    );
    await rev.click('#h-decision ~ p button[type=submit]');
    await rev.click('#reject-yes');
    const refund = await waitFor('refund', () =>
      c.env.deps.prisma.refund.findFirst({ where: { appealId: a.appealId } }),
    );
    await rev.context().close();

    const fin = await signIn(c, c.who.finance.email);
    const row = `tr[data-id="${refund.id}"]`;
    await fin.waitForSelector(row);
    const options = () =>
      fin.$$eval(`${row} select option`, (os) => os.map((o) => (o as HTMLOptionElement).value));
    // from SCHEDULED only SUBMITTED is possible
    expect(await options()).toEqual(['SUBMITTED']);
    expect(await fin.textContent(`${row} td.cause`)).toBe('Rejected');
    await fin.fill(`${row} input[name=providerRef]`, 'PSP-77');
    await fin.click(`${row} button[type=submit]`);
    await fin.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes('PSP-77'), row);
    expect(await options()).toEqual(['SETTLED', 'FAILED']);
    // a 22-digit ARN: the server's field error shows next to the field, in each language's page
    for (const l of ['zh', 'en'] as const) {
      await lang(fin, l);
      await fin.selectOption(`${row} select`, 'SETTLED');
      await fin.fill(`${row} input[name=arn]`, '7461234567890123456789');
      await fin.click(`${row} button[type=submit]`);
      await fin.waitForSelector(`${row} .field-error`);
      expect(await fin.textContent(`${row} .field-error`)).toContain('23-digit');
      expect(await fin.getAttribute(`${row} input[name=arn]`, 'aria-invalid')).toBe('true');
      await shoot(fin, `37-refunds-arn-error-${l}`);
    }
    await fin.selectOption(`${row} select`, 'SETTLED');
    const arn = '74612345678901234567890';
    await fin.fill(`${row} input[name=arn]`, arn);
    // all 23 digits are visible in the field
    const fits = await fin
      .locator(`${row} input[name=arn]`)
      .evaluate((i) => (i as HTMLInputElement).scrollWidth <= (i as HTMLInputElement).clientWidth);
    expect(fits).toBe(true);
    await fin.click(`${row} button[type=submit]`);
    await fin.waitForSelector(`${row} code.arn`);
    expect(await fin.textContent(`${row} code.arn`)).toBe(arn);
    expect(await fin.textContent(row)).toContain('Settled: nothing more to record.');
    await shots(fin, '38-refunds-settled', `${row} code.arn`);
    // the order links to the refund's page (finance cannot open cases)
    await fin.click(`${row} a.case-link`);
    await fin.waitForURL(`**/console/refunds/${refund.id}`);
    await fin.waitForSelector('.card ol li');
    expect(await fin.textContent('#view')).toContain(a.appealId);
    await shots(fin, '39-refund-detail', '.card ol li');
    expect(c.errors).toEqual([]);
  });
});
