// The leads' reviewer figures in a real browser (issue 19 point 5): from the leads page to the view, the
// table and the two SVG charts, the CSV link (downloaded with the page's session), a new range through
// the form, Chinese. Screenshots at 1280x800 and 390x844 under test-results/screenshots (or
// $SHOTS_DIR).
import { describe, expect, it } from 'vitest';
import { lang, signIn, submitted, useConsoleEnv, staffToken } from './console-env.ts';
import { shootSizes } from './browser.ts';

const c = useConsoleEnv();

const token = (email: string) => staffToken(c, email);

describe('reviewer figures', () => {
  it('a lead opens the figures from the leads page: table, charts, CSV, range, Chinese', async () => {
    const lead = await token(c.who.lead.email);
    const reviewer = await token(c.who.reviewer.email);
    const decisions = [
      { decision: 'APPROVE' },
      { decision: 'REJECT', reasonCodes: ['NAME_MISMATCH'] },
      { decision: 'APPROVE' },
    ];
    for (const body of decisions) {
      const a = await submitted(c);
      const as = await c.call('POST', `/api/v1/cases/${a.appealId}/assign`, {
        token: lead,
        body: { reviewerId: c.who.reviewer.id },
      });
      expect(as.status, as.text).toBe(200);
      // 2 hours from the assignment to the decision (the browser's countdowns do not matter here)
      c.env.clock.advance(2 * 3_600_000);
      const d = await c.call('POST', `/api/v1/cases/${a.appealId}/decision`, { token: reviewer, body });
      expect(d.status, d.text).toBe(200);
    }
    // one open case for the reviewer
    const open = await submitted(c);
    await c.call('POST', `/api/v1/cases/${open.appealId}/assign`, {
      token: lead,
      body: { reviewerId: c.who.reviewer.id },
    });

    const page = await signIn(c, c.who.lead.email);
    await page.goto(`${c.server.url}/console/leads`);
    await page.click('a[href="/console/reviewers"]');
    await page.waitForSelector('#reviewer-figures table');
    expect(await page.textContent('#view-title')).toBe('Reviewer figures');
    const row = `#reviewer-figures tr[data-id="${c.who.reviewer.id}"]`;
    expect(await page.textContent(`${row} td[data-label="Decisions"]`)).toBe('3');
    expect(await page.textContent(`${row} td[data-label="Overturns"]`)).toBe('0');
    // 2 working hours each on a weekday (the wall clock of the run decides; on a weekend it is 0)
    expect(await page.textContent(`${row} td[data-label="Median handling (working h)"]`)).toMatch(/^[02]$/);
    expect(await page.textContent(`${row} td[data-label="Open 0-1\u00a0d"]`)).toBe('1');
    expect(await page.textContent(`${row} td[data-label="Within 3 working days"]`)).toBe('100 %');
    // the per-day chart has a column for today's 3 decisions; the median chart a bar per reviewer
    expect(await page.$$eval('svg.chart.wide rect', (rs) => rs.length)).toBeGreaterThan(0);
    expect(await page.getAttribute('svg.chart.wide', 'aria-label')).toMatch(/^Decisions per day: .* 3/);
    const csvHref = (await page.getAttribute('#csv', 'href'))!;
    expect(csvHref).toMatch(/^\/api\/v1\/team\/reviewers\.csv\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
    const csv = await page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    }, csvHref);
    expect(csv.status).toBe(200);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect(csv.text).toContain(`${c.who.reviewer.id},`);
    await shootSizes(page, 'figs-reviewers-en');

    // a new range through the form: the URL and the CSV link follow
    await page.fill('#r-from', '2026-01-01');
    await page.fill('#r-to', '2026-01-31');
    await page.click('#view form button[type=submit]');
    await page.waitForURL(/from=2026-01-01&to=2026-01-31/);
    // the view is drawn again for the new range
    await page.waitForSelector('#csv[href$="to=2026-01-31"]');
    expect(await page.inputValue('#r-from')).toBe('2026-01-01');
    expect(await page.getAttribute('#csv', 'href')).toBe(
      '/api/v1/team/reviewers.csv?from=2026-01-01&to=2026-01-31',
    );
    await page.goBack();
    await page.waitForSelector('#csv:not([href$="to=2026-01-31"])');
    await page.waitForLoadState('networkidle');

    await lang(page, 'zh');
    await page.waitForSelector('#reviewer-figures table');
    expect(await page.textContent('#view-title')).toBe('审核员统计');
    expect(await page.textContent('#csv')).toBe('下载 CSV');
    await shootSizes(page, 'figs-reviewers-zh');
    await lang(page, 'en');
    await page.context().close();
  });

  it('a reviewer cannot open it', async () => {
    const page = await signIn(c, c.who.reviewer.email);
    await page.goto(`${c.server.url}/console/reviewers`);
    await page.waitForSelector('#flash.error');
    expect(await page.$('#reviewer-figures')).toBeNull();
    await page.context().close();
  });

  it('logs no browser errors', () => {
    expect(c.errors).toEqual([]);
  });
});
