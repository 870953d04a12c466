// The buyer pages the server writes itself (src/web/buyer-pages.ts): every value that comes from a request
// (a token, a hand-off code, the form action) or from the text catalogue is escaped, and the pages keep
// their language and texts.
import { describe, expect, it } from 'vitest';
import { pageText } from '../../src/platform/messages.ts';
import {
  handoffPage,
  handoffRefusedPage,
  linkExpiredPage,
  linkInvalidPage,
  reissueSentPage,
  submitConfirmPage,
  submitNotSentPage,
} from '../../src/web/buyer-pages.ts';

const EVIL = '"><script>alert(1)</script>&\'';
const ESCAPED = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#39;';
const ACTION = '/api/v1/appeal-links/reissue';

describe('buyer pages', () => {
  it('escapes the token of an expired link in the hidden field', () => {
    const html = linkExpiredPage('en', ACTION, EVIL);
    expect(html).not.toContain('<script>');
    expect(html).toContain(`<input type="hidden" name="token" value="${ESCAPED}">`);
    expect(html).toContain(`<form method="post" action="${ACTION}">`);
    expect(html).toContain(`<title>${pageText('en', 'link.expired.title')}</title>`);
  });

  it('escapes the form action', () => {
    const html = linkInvalidPage('en', `/x${EVIL}`);
    expect(html).not.toContain('<script>');
    expect(html).toContain(`action="/x${ESCAPED}"`);
  });

  it('escapes a hand-off code and the refusal code', () => {
    const page = handoffPage('en', EVIL);
    expect(page).not.toContain('<script>');
    expect(page).toContain(`action="/h/${ESCAPED}"`);
    const refused = handoffRefusedPage('en', 'handoff.used', EVIL);
    expect(refused).not.toContain('<script>');
    expect(refused).toContain(`data-code="${ESCAPED}"`);
  });

  it('escapes the submit link and the refusal message of the one-click submission', () => {
    expect(submitConfirmPage(EVIL)).toContain(`action="/m/submit/${ESCAPED}"`);
    const html = submitNotSentPage(`<script>x</script>`);
    expect(html).not.toContain('<script>');
    expect(html).toContain('<p>&lt;script&gt;x&lt;/script&gt; Open your appeal page to finish.</p>');
  });

  it('writes the texts of the catalogue, escaped, in the page language', () => {
    const html = reissueSentPage('zh');
    expect(html.startsWith('<!doctype html><html lang="zh-CN">')).toBe(true);
    expect(html).toContain(`<h1>${pageText('zh', 'reissue.sent.title')}</h1>`);
    expect(linkInvalidPage('en', ACTION)).toContain('<html lang="en">');
    const refused = handoffRefusedPage('zh', 'handoff.expired', 'HANDOFF.EXPIRED');
    expect(refused).toContain(`<title>${pageText('zh', 'handoff.expired.title')}</title>`);
    expect(refused).toContain('data-code="HANDOFF.EXPIRED"');
  });
});
