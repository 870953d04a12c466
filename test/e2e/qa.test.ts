// The blind quality review in a real browser (issue 19.4): a reviewer's rejection is drawn (rate 1), the
// reviewer does not see the sample, another lead opens it from the nav: order facts and the documents
// (watermarked images through the sample's own URL) without the first decision; rejects with a reason;
// the agreement shows in the leads' tables; Chinese. Screenshots at 1280x800 and 390x844 under
// test-results/screenshots (or $SHOTS_DIR).
import { describe, expect, it } from 'vitest';
import { lang, signIn, submitted, useConsoleEnv, staffToken } from './console-env.ts';
import { shootSizes } from './browser.ts';

const c = useConsoleEnv({ config: { QA_SAMPLE_RATE: '1', QA_MONTHLY_CAP: '10', QA_SEED: 'e2e' } });

const token = (email: string) => staffToken(c, email);

describe('quality review', () => {
  it('a second lead reviews a sampled rejection blind and the agreement is recorded', async () => {
    const lead = await token(c.who.lead.email);
    const reviewer = await token(c.who.reviewer.email);
    const a = await submitted(c);
    const as = await c.call('POST', `/api/v1/cases/${a.appealId}/assign`, {
      token: lead,
      body: { reviewerId: c.who.reviewer.id },
    });
    expect(as.status, as.text).toBe(200);
    const d = await c.call('POST', `/api/v1/cases/${a.appealId}/decision`, {
      token: reviewer,
      body: { decision: 'REJECT', reasonCodes: ['NAME_MISMATCH'], internalNote: 'first-note-hidden' },
    });
    expect(d.status, d.text).toBe(200);

    // the first reviewer: the page is there, their own sample is not
    const mine = await signIn(c, c.who.reviewer.email);
    await mine.click('#nav a[href="/console/qa"]');
    await mine.waitForSelector('#qa-open');
    expect(await mine.$(`#qa-open a`)).toBeNull();
    await mine.context().close();

    const page = await signIn(c, c.who.lead2.email);
    await page.click('#nav a[href="/console/qa"]');
    await page.waitForSelector('#qa-open a');
    expect(await page.textContent('#view-title')).toBe('Quality review');
    expect(await page.textContent('#qa-open')).toContain(a.orderId);
    await page.click('#qa-open a');
    await page.waitForSelector('#qa-form');
    // every document image loads, from the sample's URL
    await page.waitForFunction(() => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>('.docs img')];
      return imgs.length >= 4 && imgs.every((i) => i.complete && i.naturalWidth > 0);
    });
    const srcs = await page.$$eval('.docs img', (is) => is.map((i) => i.getAttribute('src')));
    for (const s of srcs)
      expect(s).toMatch(/^\/api\/v1\/qa\/reviews\/[0-9a-f-]{36}\/documents\/[0-9a-f-]{36}\/image/);
    // outside the form (which lists every reason code to choose from) nothing tells the first decision
    const shown = await page.evaluate(() => {
      const v = document.querySelector('#view')!.cloneNode(true) as HTMLElement;
      v.querySelector('#qa-form')?.remove();
      return v.textContent ?? '';
    });
    for (const secret of ['REJECT', 'NAME_MISMATCH', 'first-note-hidden', 'CANCELLED'])
      expect(shown).not.toContain(secret);
    expect(shown).toContain(a.orderId);
    await shootSizes(page, 'qa-blind-en');

    await page.check('input[name=qa-outcome][value=REJECTED]');
    await page.check('input[name=qa-reason][value=NAME_MISMATCH]');
    await page.click('#qa-form button[type=submit]');
    await page.waitForSelector('#qa-summary table#qa-reviewers');
    expect(await page.textContent('#flash')).toBe('Recorded: your decision matches the first one.');
    expect(await page.textContent('#qa-reviewers tbody')).toContain('100%');
    expect(await page.textContent('#qa-reasons tbody')).toContain('NAME_MISMATCH');
    await shootSizes(page, 'qa-summary-en');

    await lang(page, 'zh');
    await page.waitForSelector('#qa-summary');
    expect(await page.textContent('#view-title')).toBe('质量复核');
    await shootSizes(page, 'qa-summary-zh');
    await lang(page, 'en');
    await page.context().close();
  });

  it('logs no browser errors', () => {
    expect(c.errors).toEqual([]);
  });
});
