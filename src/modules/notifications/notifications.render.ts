// The two renderers of a template's document: plain text and HTML with inline styles.
import { escapeHtml } from '../../platform/html.ts';
import type { Doc, Inline } from './notifications.doc.ts';
import { INTL_LOCALE } from './notifications.format.ts';
import type { Locale } from './notifications.schema.ts';

// ---------------------------------------------------------------------------------------------
// Renderers

const inlineText = (parts: Inline[]) => parts.map((x) => (typeof x === 'string' ? x : x.strong)).join('');

export function renderText(doc: Doc, locale: Locale): string {
  const colon = locale === 'zh' ? '：' : ': ';
  // "Why:" followed by its list reads as one unit, so a list does not get a blank line after its lead-in.
  const lead = (x: string) => x.replace(/[:：]\s*$/, '');
  const out: string[] = [doc.title, '', doc.greeting, ''];
  const joinLead = () => {
    if (out.at(-1) === '' && /[:：]$/.test(out.at(-2) ?? '')) out.pop();
  };
  for (const bl of doc.blocks) {
    switch (bl.kind) {
      case 'p':
        out.push(inlineText(bl.parts), '');
        break;
      case 'heading':
        out.push(`${lead(bl.text)}${colon.trim()}`);
        break;
      case 'button':
        out.push(`${bl.label}${colon.trim()}`, bl.url, '');
        break;
      case 'list':
        joinLead();
        out.push(...bl.items.map((i) => `  - ${i.replace(/\n/g, '\n    ')}`), '');
        break;
      case 'facts':
        joinLead();
        out.push(...bl.rows.map(([k, v]) => `  ${k}${colon}${v}`), '');
        break;
      case 'quote':
        out.push(`${bl.label}${colon.trim()}`, ...bl.text.split('\n').map((x) => `  > ${x}`), '');
        break;
      case 'table':
        out.push(
          `${bl.caption}${colon.trim()}`,
          ...bl.rows.map((r) => `  - ${r.map((cell, i) => `${bl.head[i]}${colon}${cell}`).join(' | ')}`),
          '',
        );
        break;
    }
  }
  out.push(doc.signOff, '', '--', ...doc.footer);
  return `${out.join('\n')}\n`;
}

// Inline styles only: many mail clients drop <style> blocks. Colours keep at least 4.5:1 contrast.
const S = {
  body: 'margin:0;padding:0;background-color:#f3f4f6;',
  card: 'max-width:600px;width:100%;background-color:#ffffff;border:1px solid #d0d7de;border-radius:8px;',
  cell: 'padding:28px 28px 20px 28px;font-size:16px;line-height:1.55;color:#1f2328;',
  h1: 'margin:0 0 16px 0;font-size:22px;line-height:1.3;color:#1f2328;',
  h2: 'margin:16px 0 4px 0;font-size:16px;line-height:1.4;color:#1f2328;',
  p: 'margin:0 0 16px 0;',
  ul: 'margin:0 0 16px 0;padding-left:22px;',
  button:
    'display:inline-block;background-color:#0b57d0;color:#ffffff;text-decoration:none;font-weight:bold;' +
    'padding:12px 22px;border-radius:6px;',
  hint: 'margin:0 0 20px 0;font-size:14px;color:#57606a;',
  link: 'color:#0b57d0;word-break:break-all;',
  quote: 'margin:0 0 16px 0;padding:8px 14px;border-left:4px solid #d0d7de;background-color:#f6f8fa;',
  table: 'border-collapse:collapse;margin:0 0 16px 0;font-size:14px;',
  th: 'text-align:left;padding:6px 10px;border-bottom:1px solid #d0d7de;color:#1f2328;',
  td: 'padding:6px 10px;border-bottom:1px solid #eaeef2;',
  footer: 'margin:16px 0 0 0;font-size:13px;line-height:1.5;color:#57606a;',
} as const;

export function renderHtml(doc: Doc, locale: Locale): string {
  const e = escapeHtml;
  const inline = (parts: Inline[]) =>
    parts.map((x) => (typeof x === 'string' ? e(x) : `<strong>${e(x.strong)}</strong>`)).join('');
  const multi = (s: string) => e(s).replace(/\n/g, '<br>');
  const body: string[] = [
    `<h1 style="${S.h1}">${e(doc.title)}</h1>`,
    `<p style="${S.p}">${e(doc.greeting)}</p>`,
  ];
  for (const bl of doc.blocks) {
    switch (bl.kind) {
      case 'p':
        body.push(`<p style="${S.p}">${inline(bl.parts)}</p>`);
        break;
      case 'heading':
        body.push(`<h2 style="${S.h2}">${e(bl.text)}</h2>`);
        break;
      case 'button':
        body.push(
          `<p style="${S.p}"><a href="${e(bl.url)}" style="${S.button}">${e(bl.label)}</a></p>`,
          `<p style="${S.hint}">${e(bl.hint)}<br><a href="${e(bl.url)}" style="${S.link}">${e(bl.url)}</a></p>`,
        );
        break;
      case 'list':
        body.push(`<ul style="${S.ul}">${bl.items.map((i) => `<li>${multi(i)}</li>`).join('')}</ul>`);
        break;
      case 'facts':
        body.push(
          `<table role="presentation" style="${S.table}">${bl.rows
            .map(
              ([k, v]) =>
                `<tr><td style="${S.td}">${e(k)}</td><td style="${S.td}"><strong>${e(v)}</strong></td></tr>`,
            )
            .join('')}</table>`,
        );
        break;
      case 'quote':
        body.push(
          `<p style="${S.p}"><strong>${e(bl.label)}</strong></p>`,
          `<blockquote style="${S.quote}">${multi(bl.text)}</blockquote>`,
        );
        break;
      case 'table':
        body.push(
          `<table style="${S.table}"><caption style="text-align:left;font-weight:bold;padding:0 0 6px 0;">` +
            `${e(bl.caption)}</caption><thead><tr>${bl.head
              .map((h) => `<th scope="col" style="${S.th}">${e(h)}</th>`)
              .join('')}</tr></thead><tbody>${bl.rows
              .map((r) => `<tr>${r.map((c) => `<td style="${S.td}">${e(c)}</td>`).join('')}</tr>`)
              .join('')}</tbody></table>`,
        );
        break;
    }
  }
  body.push(`<p style="${S.p}">${e(doc.signOff)}</p>`);
  const lang = INTL_LOCALE[locale];
  const font =
    locale === 'zh'
      ? "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',Arial,sans-serif"
      : "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
  return [
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(doc.subject)}</title>`,
    '</head>',
    `<body style="${S.body}font-family:${font};">`,
    `<div role="article" aria-label="${e(doc.subject)}" lang="${lang}">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="${S.body}">`,
    '<tr><td align="center" style="padding:24px 12px;">',
    `<table role="presentation" cellpadding="0" cellspacing="0" style="${S.card}">`,
    `<tr><td style="${S.cell}font-family:${font};">`,
    ...body,
    '</td></tr>',
    '</table>',
    `<table role="presentation" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;">`,
    `<tr><td style="padding:0 28px;font-family:${font};">${doc.footer
      .map((f) => `<p style="${S.footer}">${e(f)}</p>`)
      .join('')}</td></tr>`,
    '</table>',
    '</td></tr>',
    '</table>',
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
