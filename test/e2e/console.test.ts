// The console for every role in a real browser (issue 13 point 3): each role's landing page and
// navigation, the admin's pages (staff, holidays, outbox, audit) and the incidents page. Screenshots at
// 390x844 and 1366x900, in English and Chinese, under test-results/screenshots/.
import { describe, expect, it } from 'vitest';
import {
  shots,
  signIn as signInAs,
  submitted as submit,
  useConsoleEnv,
  visibleNav,
  waitFor,
} from './console-env.ts';

const c = useConsoleEnv();
const signIn = (email: string, password?: string) => signInAs(c, email, password);
const submitted = (over: Record<string, unknown> = {}) => submit(c, over);

describe('console', () => {
  it('each role lands on a page it may open, and sees links only to such pages', async () => {
    const expectations: [string, string, string[]][] = [
      [
        'admin',
        '/console/admin/staff',
        [
          '/console/refunds',
          '/console/incidents',
          '/console/quarantine',
          '/console/admin/staff',
          '/console/admin/holidays',
          '/console/admin/outbox',
          '/console/admin/audit',
        ],
      ],
      ['security', '/console/incidents', ['/console/incidents', '/console/quarantine']],
      ['finance', '/console/refunds', ['/console/refunds']],
      // the quality review (issue 19.4) is a page for reviewers and leads
      ['reviewer', '/console', ['/console', '/console/qa']],
      ['lead', '/console', ['/console', '/console/leads', '/console/qa']],
    ];
    for (const [k, home, links] of expectations) {
      const page = await signIn(c.who[k as keyof typeof c.who]!.email);
      expect(new URL(page.url()).pathname, k).toBe(home);
      // the sign-in form is gone, no error is shown
      expect(await page.$('#email')).toBeNull();
      expect(await page.textContent('#flash')).toBe('');
      expect(await visibleNav(page)).toEqual(links);
      // a page the role may not open sends it home with a message, never a half-drawn page
      await page.goto(`${c.server.url}/console/admin/audit`);
      await page.waitForSelector('#view-title');
      if (k !== 'admin') {
        await page.waitForURL(`**${home}`);
        expect(await page.textContent('#flash')).toContain('Your roles do not include this page');
      }
      await page.context().close();
    }
  });

  it('the admin manages staff (create, roles, leave, reset password, deactivate) and holidays', async () => {
    const page = await signIn(c.who.admin.email);
    await page.fill('#new-email', 'newbie@console.test');
    await page.fill('#new-name', 'New Bie');
    await page.fill('#new-password', 'short');
    await page.click('#create-staff button[type=submit]');
    // the server's field error shows next to the field
    await page.waitForSelector('#new-password-err');
    expect(await page.textContent('#new-password-err')).toContain('12 characters');
    await page.fill('#new-password', 'a-long-enough-password');
    await page.click('#create-staff button[type=submit]');
    const row = page.locator('#staff tr', { hasText: 'newbie@console.test' });
    await row.waitFor();
    const id = await row.getAttribute('data-id');
    // add LEAD to the roles
    await row.locator('input[value=LEAD]').check();
    await row.getByRole('button', { name: 'Save' }).click();
    await waitFor('roles', async () =>
      (await c.env.deps.prisma.staffUser.findUnique({ where: { id: id! } }))?.roles.includes('LEAD'),
    );
    // leave until a date
    await page.locator(`#staff tr[data-id="${id}"] input[type=date]`).fill('2030-01-31');
    await page.locator(`#staff tr[data-id="${id}"]`).getByRole('button', { name: 'Set leave' }).click();
    await waitFor(
      'leave',
      async () => (await c.env.deps.prisma.staffUser.findUnique({ where: { id: id! } }))?.onLeaveUntil,
    );
    // reset password: shown once, and it signs in
    page.once('dialog', (d) => d.accept());
    await page.locator(`#staff tr[data-id="${id}"]`).getByRole('button', { name: 'Reset password' }).click();
    await page.waitForFunction(() =>
      document.querySelector('#flash')?.textContent?.includes('Temporary password'),
    );
    const temp = /: ([A-Za-z0-9-]{19})$/.exec((await page.textContent('#flash'))!)![1]!;
    const newbie = await signIn('newbie@console.test', temp);
    expect(new URL(newbie.url()).pathname).toBe('/console');
    await newbie.context().close();
    await shots(page, '20-admin-staff', '#staff');
    // deactivate
    await page.locator(`#staff tr[data-id="${id}"]`).getByRole('button', { name: 'Deactivate' }).click();
    await waitFor(
      'inactive',
      async () => (await c.env.deps.prisma.staffUser.findUnique({ where: { id: id! } }))?.active === false,
    );
    await page.waitForSelector(`#staff tr.inactive[data-id="${id}"]`);

    // holidays
    await page.click('#nav a[href="/console/admin/holidays"]');
    await page.waitForSelector('#add-holiday');
    const year = new Date().getFullYear();
    await page.fill('#h-date', `${year}-11-20`);
    await page.fill('#h-name', 'Company day');
    await page.click('#add-holiday button[type=submit]');
    await page.waitForSelector(`tr[data-date="${year}-11-20"]`);
    expect(
      await c.env.deps.prisma.holiday.findUnique({ where: { date: new Date(`${year}-11-20`) } }),
    ).not.toBeNull();
    await shots(page, '21-admin-holidays', '#holidays');
    await page.locator(`tr[data-date="${year}-11-20"] button`).click();
    await page.waitForSelector(`tr[data-date="${year}-11-20"]`, { state: 'detached' });
    await page.context().close();
  });

  it('incidents, the outbox (retry a dead message) and the audit search', async () => {
    const a = await submitted({
      buyer: { id: 'b-inc', email: 'inc@example.com', name: 'Inc Buyer', locale: 'en-GB' },
    });
    await c.env.deps.prisma.securityIncident.create({
      data: {
        appealId: a.appealId,
        slot: 'CARD_FRONT',
        kind: 'FULL_CARD_NUMBER',
        detector: 'ocr',
        detail: {},
      },
    });
    const dead = await c.env.deps.prisma.outboxMessage.create({
      data: {
        topic: 'email.send',
        payload: { template: 'SUBMITTED' },
        status: 'DEAD',
        attempts: 8,
        lastError: '550 mailbox unavailable',
      },
    });
    const sec = await signIn(c.who.security.email);
    await sec.waitForSelector('#incidents tr[data-id]');
    expect(await sec.textContent('#incidents')).toContain('FULL_CARD_NUMBER');
    await shots(sec, '22-incidents', '#incidents');
    await sec.context().close();

    const page = await signIn(c.who.admin.email);
    await page.click('#nav a[href="/console/admin/outbox"]');
    await page.waitForSelector(`#outbox tr[data-id="${dead.id}"]`);
    expect(await page.textContent(`#outbox tr[data-id="${dead.id}"]`)).toContain('550 mailbox unavailable');
    await shots(page, '23-admin-outbox', '#outbox');
    await page.locator(`#outbox tr[data-id="${dead.id}"] button`).click();
    await waitFor(
      'retried',
      async () =>
        (await c.env.deps.prisma.outboxMessage.findUnique({ where: { id: dead.id } }))?.status !== 'DEAD',
    );

    await page.click('#nav a[href="/console/admin/audit"]');
    await page.fill('#a-action', 'STAFF_CREATED');
    await page.click('#audit-search button[type=submit]');
    await page.waitForURL('**/console/admin/audit?action=STAFF_CREATED');
    await page.waitForSelector('#audit tr[data-id]');
    const actions = await page.$$eval('#audit tbody tr td:nth-child(3)', (tds) =>
      tds.map((t) => t.textContent),
    );
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['STAFF_CREATED']));
    await shots(page, '24-admin-audit', '#audit');
    await page.context().close();
  });

  it('logs no browser errors', () => {
    expect(c.errors).toEqual([]);
  });
});
