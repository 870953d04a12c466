// Saved views on the queue in a real browser (issue 19 point 2): a reviewer filters by currency, saves the
// filters as their default view, reloads: the queue opens on it and shows its count; "All open" still
// shows everything; a lead's shared view shows for the reviewer with the reviewer's count; the reviewer
// deletes their own view. Screenshots at 1280x800 and 390x844 in English and Chinese under
// test-results/screenshots (or $SHOTS_DIR).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { lang, signIn as signInAs, submitted as submit, useConsoleEnv } from './console-env.ts';
import { shootSizes } from './browser.ts';

const c = useConsoleEnv();
const signIn = (email: string) => signInAs(c, email);

const rowIds = (page: Page) =>
  page.$$eval('#view tbody tr', (rs) => rs.map((r) => (r as HTMLElement).dataset.id).sort());

describe('saved views', () => {
  it('save the filters as the default view, reload: the queue opens on it with its count', async () => {
    const eur = await submit(c);
    const usd = await submit(c, { amount: { value: 4_500, currency: 'USD' } });
    await c.env.deps.prisma.appeal.update({ where: { id: usd.appealId }, data: { escalated: true } });

    const page = await signIn(c.who.reviewer.email);
    await page.waitForSelector('#view tbody tr');
    expect(await rowIds(page)).toEqual([eur.appealId, usd.appealId].sort());
    expect(await page.textContent('.views-none')).toBe('No saved views yet.');

    // more filters: currency USD
    await page.click('.more-filters summary');
    await page.fill('.filter-form input[name="currency"]', 'usd');
    await page.click('.filter-form .filter-apply');
    await page.waitForURL(/currency=USD/);
    await page.waitForFunction(() => document.querySelectorAll('#view tbody tr').length === 1);
    expect(await rowIds(page)).toEqual([usd.appealId]);

    // save it as the default view
    await page.click('.save-view-box summary');
    await page.fill('.save-view .view-name', 'USD cases');
    // a reviewer cannot share: no checkbox
    expect(await page.$('.save-view .view-shared')).toBeNull();
    await page.check('.save-view .view-is-default');
    await shootSizes(page, 'views-save-form-en');
    await page.click('.save-view button[type=submit]');
    await page.waitForURL(/\?view=/);
    await page.waitForSelector('.views-bar .view-open[aria-pressed="true"]');
    const saved = await c.env.deps.prisma.savedView.findFirstOrThrow({
      where: { ownerId: c.who.reviewer.id },
    });
    expect(saved).toMatchObject({ name: 'USD cases', isDefault: true, shared: false });
    expect(saved.filters).toEqual({ currency: 'USD' });

    // reload the bare queue: it opens on the default view, with its count
    await page.goto(`${c.server.url}/console`);
    await page.waitForSelector('.views-bar .view-open[aria-pressed="true"]');
    const pressed = '.views-bar .view-open[aria-pressed="true"]';
    expect(await page.textContent(`${pressed} .view-count`)).toBe(' 1');
    expect(await page.textContent(pressed)).toContain('USD cases');
    expect(await rowIds(page)).toEqual([usd.appealId]);
    expect(await page.getAttribute('#view button[aria-pressed="true"]', 'class')).toBe('view-open');
    await shootSizes(page, 'views-queue-default-en');

    await lang(page, 'zh');
    await page.waitForSelector(pressed);
    expect(await page.textContent('.save-view-box summary')).toBe('将当前筛选保存为视图');
    expect(await page.textContent(`${pressed}`)).toContain('默认');
    await page.click('.more-filters summary').catch(() => {});
    await shootSizes(page, 'views-queue-default-zh');
    await lang(page, 'en');

    // "All open" still shows every case
    await page.click('#view button:has-text("All open")');
    await page.waitForURL(/f=all/);
    await page.waitForFunction(() => document.querySelectorAll('#view tbody tr').length === 2);
    expect(await page.getAttribute('.views-bar .view-open', 'aria-pressed')).toBe('false');
    await page.context().close();
  });

  it("a lead's shared view shows for the reviewer with the reviewer's count; the owner deletes a view", async () => {
    // the lead shares "Escalated"; the lead sees every escalated case, the reviewer only theirs and the pool
    const lead = await signIn(c.who.lead.email);
    await lead.goto(`${c.server.url}/console?escalated=true`);
    await lead.waitForSelector('.save-view-box summary');
    await lead.click('.save-view-box summary');
    await lead.fill('.save-view .view-name', 'Escalated');
    await lead.check('.save-view .view-shared');
    await lead.click('.save-view button[type=submit]');
    await lead.waitForURL(/\?view=/);
    await lead.waitForSelector('.views-bar .view-open[aria-pressed="true"]');
    // a case only the lead can see (assigned to the other lead), escalated
    const other = await submit(c);
    await c.env.deps.prisma.appeal.update({
      where: { id: other.appealId },
      data: { escalated: true, assigneeId: c.who.lead2.id, lastReviewerId: null },
    });
    // ... that the reviewer never held (routing gave it to them first)
    await c.env.deps.prisma.caseAssignment.deleteMany({ where: { appealId: other.appealId } });
    await lead.reload();
    await lead.waitForSelector('.views-bar .view-open[aria-pressed="true"]');
    expect(await lead.textContent('.views-bar .view-open[aria-pressed="true"] .view-count')).toBe(' 2');
    await shootSizes(lead, 'views-lead-shared-en');
    await lead.context().close();

    const page = await signIn(c.who.reviewer.email);
    await page.waitForSelector('.views-bar');
    const chips = await page.$$eval('.views-bar .view-open', (bs) => bs.map((b) => b.textContent));
    expect(chips).toEqual(['USD cases 1 · default', 'Escalated 1 · Lead Person']);
    // not theirs: no delete button on the shared view
    expect(await page.$$eval('.views-bar .view-delete', (bs) => bs.length)).toBe(1);
    page.once('dialog', (d) => d.accept());
    await page.click('.views-bar .view-delete');
    await page.waitForFunction(() => document.querySelectorAll('.views-bar .view-open').length === 1);
    expect(await c.env.deps.prisma.savedView.count({ where: { ownerId: c.who.reviewer.id } })).toBe(0);
    await shootSizes(page, 'views-reviewer-shared-en');
    expect(c.errors).toEqual([]);
    await page.context().close();
  });
});
