// The small server-written pages a buyer meets outside My Appeal: an invalid or expired appeal link (with
// the re-issue forms), "a new link is on its way", the phone hand-off page and the one-click "send for
// review" link of an e-mail (English only, as before). Pure renderers: (lang, values) -> an HTML string; the routes decide which page,
// status and headers to answer. Every value goes through the one escapeHtml (src/platform/html.ts). This
// file imports only platform (no http, no module), so any routes file may import it.
import { escapeHtml } from '../platform/html.ts';
import { type Lang, type PageTextKey, pageText } from '../platform/messages.ts';

const htmlLang = (lang: Lang) => (lang === 'zh' ? 'zh-CN' : 'en');

/** The plain page: title, heading, body (already HTML). */
function plainPage(lang: Lang, title: string, body: string): string {
  return `<!doctype html><html lang="${htmlLang(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/** The form the expired-link page shows: one button, the old token as a hidden field. */
export function reissueForm(action: string, token: string, lang: Lang = 'en'): string {
  return `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">${escapeHtml(pageText(lang, 'link.reissue.button'))}</button></form>`;
}

/** The form for a buyer without a usable link: order number and the e-mail address of the order. */
export function reissueByOrderForm(action: string, lang: Lang = 'en'): string {
  const t = (k: PageTextKey) => escapeHtml(pageText(lang, k));
  return `<form method="post" action="${escapeHtml(action)}"><p><label>${t('link.reissue.order')} <input name="orderId" required maxlength="64" autocomplete="off"></label></p><p><label>${t('link.reissue.email')} <input name="email" type="email" required maxlength="254" autocomplete="email"></label></p><button type="submit">${t('link.reissue.button')}</button></form>`;
}

/** GET /a/:token of an expired link: the explanation and a button asking for a new link for this token. */
export function linkExpiredPage(lang: Lang, reissueAction: string, token: string): string {
  return plainPage(
    lang,
    pageText(lang, 'link.expired.title'),
    `<p>${escapeHtml(pageText(lang, 'link.expired.text'))}</p>${reissueForm(reissueAction, token, lang)}`,
  );
}

/** GET /a/:token of an unknown link: the explanation and the order-and-e-mail form. */
export function linkInvalidPage(lang: Lang, reissueAction: string): string {
  return plainPage(
    lang,
    pageText(lang, 'link.invalid.title'),
    `<p>${escapeHtml(pageText(lang, 'link.invalid.text'))}</p>${reissueByOrderForm(reissueAction, lang)}`,
  );
}

/** The answer to a re-issue form post: the same whether or not anything matched. */
export function reissueSentPage(lang: Lang): string {
  return plainPage(
    lang,
    pageText(lang, 'reissue.sent.title'),
    `<p>${escapeHtml(pageText(lang, 'reissue.sent.text'))}</p>`,
  );
}

/** The hand-off pages' frame: the buyer stylesheet, no referrer. */
function handoffFrame(lang: Lang, title: string, body: string): string {
  return `<!doctype html><html lang="${htmlLang(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/static/app.css"></head><body class="buyer"><main id="main" class="handoff-page"><section class="card"><h1>${escapeHtml(title)}</h1>${body}</section></main></body></html>`;
}

/** GET /h/:code of a valid code: one button whose POST exchanges the code. */
export function handoffPage(lang: Lang, code: string): string {
  return handoffFrame(
    lang,
    pageText(lang, 'handoff.title'),
    `<p>${escapeHtml(pageText(lang, 'handoff.text'))}</p><form method="post" action="/h/${escapeHtml(code)}"><button id="handoff-continue" class="primary" type="submit">${escapeHtml(pageText(lang, 'handoff.button'))}</button></form>`,
  );
}

export type HandoffRefusal = 'handoff.used' | 'handoff.expired' | 'handoff.invalid';

/** A used, expired or unknown hand-off code: its explanation, the error code in data-code. */
export function handoffRefusedPage(lang: Lang, refusal: HandoffRefusal, errorCode: string): string {
  return handoffFrame(
    lang,
    pageText(lang, `${refusal}.title`),
    `<p id="handoff-refused" data-code="${escapeHtml(errorCode)}">${escapeHtml(pageText(lang, `${refusal}.text`))}</p>`,
  );
}

/** GET /m/submit/:sig of a valid link: one button (mail scanners that follow links must not submit). */
export function submitConfirmPage(sig: string): string {
  return plainPage(
    'en',
    'Send your appeal for review',
    `<p>Your documents are in place. Press the button to send your appeal for review.</p><form method="post" action="/m/submit/${escapeHtml(sig)}"><button type="submit">Send for review</button></form>`,
  );
}

/** A submit link that is malformed, expired, altered or revoked. */
export function submitLinkInvalidPage(): string {
  return plainPage(
    'en',
    'This link does not work',
    '<p>It has expired or was replaced. Open your appeal page from the latest e-mail we sent you.</p>',
  );
}

/** The submission was refused (the use case's message, e.g. a missing slot). */
export function submitNotSentPage(message: string): string {
  return plainPage('en', 'Not sent', `<p>${escapeHtml(message)} Open your appeal page to finish.</p>`);
}

export function submitSentPage(): string {
  return plainPage('en', 'Sent for review', '<p>Thank you. We will answer by e-mail.</p>');
}
