// The "Evidence pack" control on the case page: shown to a lead on an APPROVED case (not to the reviewer,
// not before the decision), with the four profiles, in English and Chinese. This console environment runs
// without OCR, so the server refuses the pack (fail closed) and the page shows that refusal; the pack
// itself is measured in test/integration/evidence-pack.test.ts.
import { describe, expect, it } from 'vitest';
import { lang, PASSWORD, shots, signIn, submitted, useConsoleEnv } from './console-env.ts';

const c = useConsoleEnv();

describe('evidence pack button', () => {
  it('a lead sees it on an approved case; the reviewer does not; a refusal is shown', async () => {
    const s = await submitted(c);
    const login = await c.call('POST', '/api/v1/auth/login', {
      body: { email: c.who.reviewer.email, password: PASSWORD },
    });
    const rev = await signIn(c, c.who.reviewer.email);
    await rev.goto(`${c.server.url}/console/cases/${s.appealId}`);
    await rev.waitForSelector('#view-title');
    expect(await rev.$('#evidence-pack')).toBeNull();
    const d = await c.call('POST', `/api/v1/cases/${s.appealId}/decision`, {
      token: login.body.token,
      body: { decision: 'APPROVE', reasonCodes: [], buyerMessage: 'ok', internalNote: 'ok' },
    });
    expect(d.status, d.text).toBe(200);
    await rev.reload();
    await rev.waitForSelector('#view-title');
    expect(await rev.$('#evidence-pack')).toBeNull();

    const lead = await signIn(c, c.who.lead.email);
    await lead.goto(`${c.server.url}/console/cases/${s.appealId}`);
    await lead.waitForSelector('#evidence-pack');
    const options = await lead.$$eval('#evidence-profile option', (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    );
    expect(options).toEqual(['generic', 'visa', 'mastercard', 'amex']);
    await lead.selectOption('#evidence-profile', 'visa');
    await lead.click('#evidence-pack');
    await lead.waitForFunction(() => document.querySelector('#flash')?.textContent?.includes('card numbers'));
    await lang(lead, 'zh');
    await lead.waitForSelector('#evidence-pack');
    expect(await lead.textContent('#evidence-box h3')).toBe('争议证据包');
    await lead.click('#evidence-pack');
    await lead.waitForFunction(() => document.querySelector('#flash')?.textContent?.includes('卡号'));
    await lead.$eval('#evidence-box', (e) => e.scrollIntoView());
    await shots(lead, 'evidence-pack', '#evidence-pack');
    // the refusals themselves (503) are logged by the browser; nothing else may be
    expect(c.errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
  }, 120_000);
});
