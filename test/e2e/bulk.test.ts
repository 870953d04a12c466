// The leads' bulk bar in a real browser (issue 19): select two cases on the queue, assign them, see how
// many succeeded; a case decided behind the page's back fails with its reason; select-all on the pool;
// the admin's four-eyes warning with one lead. Screenshots at 1280x800 and 390x844 in English and
// Chinese under test-results/screenshots (or $SHOTS_DIR).
import { describe, expect, it } from 'vitest';
import { lang, signIn as signInAs, submitted as submit, useConsoleEnv } from './console-env.ts';
import { shootSizes } from './browser.ts';

const c = useConsoleEnv();
const signIn = (email: string) => signInAs(c, email);

const row = (id: string) => `tr[data-id="${id}"]`;

describe('bulk bar', () => {
  it('a lead selects two cases, assigns them to another lead and sees the result', async () => {
    const a = await submit(c);
    const b = await submit(c);
    const x = await submit(c);
    const page = await signIn(c.who.lead.email);
    const bar = '[data-bulk="queue"]';
    await page.waitForSelector(`${bar} .bulk-assign`);
    // nothing selected: the actions are off
    expect(await page.isDisabled(`${bar} .bulk-assign`)).toBe(true);
    await page.check(`${row(a.appealId)} input.pick`);
    await page.check(`${row(b.appealId)} input.pick`);
    expect(await page.textContent(`${bar} .bulk-count`)).toBe('2 selected');
    await page.selectOption(`${bar} .bulk-assignee`, c.who.lead2.id);
    await shootSizes(page, 'rev-queue-selected');
    await page.click(`${bar} .bulk-assign`);
    await page.waitForSelector('#bulk-queue .bulk-outcome');
    expect(await page.textContent('#bulk-queue .bulk-outcome')).toBe('2 succeeded, 0 failed.');
    for (const id of [a.appealId, b.appealId]) {
      const got = await c.env.deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
      expect(got.assigneeId).toBe(c.who.lead2.id);
      expect(await page.textContent(`${row(id)} td[data-label="Assignee"]`)).toBe('Lead2 Person');
    }
    const untouched = await c.env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: x.appealId } });
    expect(untouched.assigneeId).toBe(c.who.reviewer.id);
    await shootSizes(page, 'rev-queue-assigned');

    // a case decided by someone else after the page was drawn: it fails with its reason, the other passes
    await page.check(`${row(x.appealId)} input.pick`);
    await page.check(`${row(a.appealId)} input.pick`);
    await c.env.deps.prisma.appeal.update({ where: { id: x.appealId }, data: { status: 'APPROVED' } });
    await page.click(`${bar} .bulk-pool`);
    await page.waitForSelector('#bulk-queue .bulk-outcome ul.bulk-failed');
    expect(await page.textContent('#bulk-queue .bulk-outcome p')).toBe('1 succeeded, 1 failed.');
    expect(await page.textContent('#bulk-queue .bulk-failed li')).toBe(
      `${x.orderId}: A case in status APPROVED cannot be assigned.`,
    );
    await shootSizes(page, 'rev-queue-failed-en');
    await lang(page, 'zh');
    await page.waitForSelector(`${bar} .bulk-assign`);
    expect(await page.textContent(`${bar} .bulk-assign`)).toBe('分配');
    expect(await page.textContent(`${bar} .pick-all-label`)).toContain('全选');
    await lang(page, 'en');
    await page.context().close();
  });

  it('select-all on the leads pool escalates every case in it (zh outcome)', async () => {
    const page = await signIn(c.who.lead.email);
    await page.goto(`${c.server.url}/console/leads`);
    await page.waitForSelector('#bulk-pool .pick-all');
    const ids = await page.$$eval('#bulk-pool input.pick', (bs) =>
      bs.map((b) => (b as HTMLInputElement).value),
    );
    expect(ids.length).toBeGreaterThan(0);
    await lang(page, 'zh');
    await page.waitForSelector('#bulk-pool .pick-all');
    await page.check('#bulk-pool .pick-all');
    expect(await page.textContent('#bulk-pool .bulk-count')).toBe(`已选 ${ids.length} 件`);
    await page.click('#bulk-pool .bulk-escalate');
    await page.waitForSelector('#bulk-pool .bulk-outcome');
    expect(await page.textContent('#bulk-pool .bulk-outcome')).toBe(`成功 ${ids.length} 件，失败 0 件。`);
    const flagged = await c.env.deps.prisma.appeal.count({ where: { id: { in: ids }, escalated: true } });
    expect(flagged).toBe(ids.length);
    await shootSizes(page, 'rev-leads-pool-zh');
    await lang(page, 'en');
    await page.context().close();
  });

  it('the admin sees the four-eyes warning with one lead, not with two', async () => {
    let page = await signIn(c.who.admin.email);
    await page.waitForSelector('#create-staff');
    expect(await page.$('#four-eyes-warning')).toBeNull();
    await page.context().close();
    await c.env.deps.prisma.staffUser.update({ where: { id: c.who.lead2.id }, data: { active: false } });
    page = await signIn(c.who.admin.email);
    await page.waitForSelector('#four-eyes-warning');
    expect(await page.textContent('#four-eyes-warning')).toContain(
      'only 1 active lead(s) not on leave can give a second approval',
    );
    await shootSizes(page, 'rev-admin-warning-en');
    await lang(page, 'zh');
    await page.waitForSelector('#four-eyes-warning');
    expect(await page.textContent('#four-eyes-warning')).toContain('只有 1 位');
    await shootSizes(page, 'rev-admin-warning-zh');
    await lang(page, 'en');
    await page.context().close();
    await c.env.deps.prisma.staffUser.update({ where: { id: c.who.lead2.id }, data: { active: true } });
  });

  it('logs no browser errors', () => {
    expect(c.errors).toEqual([]);
  });
});
