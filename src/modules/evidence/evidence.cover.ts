// The cover of an evidence pack: what a dispute analyst at the acquirer or the issuer needs to match the
// pack to the disputed payment and to trust it - the order, the card (brand and last 4 only), the
// dispute-programme fields, the appeal's timeline, the decision with who made it and who confirmed it,
// and the audit-chain hash of the decision record, which `npm run audit:verify` can check later.
import { createRequire } from 'node:module';
import { minorToMajorString } from '../../platform/money.ts';
import { noFullCardNumber } from '../security/card-text.ts';
import type { PackFacts } from './evidence.data.ts';
import type { PackProfile } from './evidence.profiles.ts';

type Pdf = PDFKit.PDFDocument;

const require = createRequire(import.meta.url);
const FONT_DIR = `${require.resolve('pdfjs-dist/package.json').replace(/package\.json$/, '')}standard_fonts/`;
/** Liberation Sans ships with pdfjs-dist (a dependency): embedded, so every viewer shows the same text. */
export const FONT_REGULAR = `${FONT_DIR}LiberationSans-Regular.ttf`;
export const FONT_BOLD = `${FONT_DIR}LiberationSans-Bold.ttf`;

export const WATERMARK_TEXT = 'for dispute evidence';

/** Printed text: no control characters, and never a full card number (belt and braces). */
export function printable(s: string | null | undefined, max = 300): string {
  if (s === null || s === undefined || s === '') return '-';
  const clean = s.replace(/\p{Cc}/gu, ' ').slice(0, max);
  return noFullCardNumber(clean) ? clean : '[removed: looked like a card number]';
}

export interface CoverMeta {
  profile: PackProfile;
  generatedAt: Date;
  generatedBy: string;
  /** the document pages that follow, as listed on the cover */
  contents: { slot: string; page: number; pages: number }[];
}

function iso(d: Date | null | undefined): string {
  return d ? d.toISOString().replace('.000Z', 'Z') : '-';
}

function heading(doc: Pdf, text: string): void {
  doc.moveDown(0.6).font('bold').fontSize(12).fillColor('#111111').text(text).moveDown(0.2);
}

function rows(doc: Pdf, pairs: [string, string][]): void {
  const x = doc.page.margins.left;
  const labelW = 150;
  const w = doc.page.width - doc.page.margins.left - doc.page.margins.right - labelW;
  for (const [k, v] of pairs) {
    const y = doc.y;
    doc
      .font('bold')
      .fontSize(9)
      .fillColor('#444444')
      .text(k, x, y, { width: labelW - 8 });
    const afterLabel = doc.y;
    doc
      .font('body')
      .fontSize(9)
      .fillColor('#111111')
      .text(v, x + labelW, y, { width: w });
    doc.y = Math.max(doc.y, afterLabel);
    doc.x = x;
  }
}

function address(a: Record<string, string> | null): string {
  if (!a) return '-';
  return [a.name, a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(' '), a.region, a.country]
    .filter((s) => s && String(s).trim())
    .map((s) => printable(String(s), 200))
    .join(', ');
}

/** Draws the cover from the current page on (it may run over onto a second page: long timelines). */
export function drawCover(doc: Pdf, f: PackFacts, meta: CoverMeta): void {
  const o = f.order;
  doc.font('bold').fontSize(18).fillColor('#111111').text('Dispute evidence pack');
  doc
    .font('body')
    .fontSize(9)
    .fillColor('#444444')
    .text(
      `Profile: ${meta.profile.label} · generated ${iso(meta.generatedAt)} by ${printable(meta.generatedBy)} · case ${f.caseId}`,
    );

  heading(doc, 'Order');
  rows(doc, [
    ['Order id', printable(o.orderId)],
    ['Amount', `${minorToMajorString(o.amountMinor, o.currency)} ${o.currency}`],
    ['Card', `${printable(o.cardBrand)} ending ${o.cardLast4} (issuer country ${o.cardIssuerCountry})`],
    ['Payment blocked', `${iso(o.blockedAt)} (${printable(o.errorCode)})`],
    ['Buyer', `${printable(o.buyerName)} (buyer id ${printable(o.buyerId)})`],
    ['Account id', printable(o.accountId)],
    ['Purchase IP address', printable(o.purchaseIp)],
    ['Device id', printable(o.deviceId)],
    ['Shipping address', address(o.shippingAddress)],
  ]);

  heading(doc, 'Decision');
  rows(doc, [
    ['Decision', `APPROVED on ${iso(f.decision.at)}: the cardholder proved they hold the card`],
    [
      'Reason codes',
      f.decision.reasonCodes.length
        ? f.decision.reasonCodes
            .map((r) => `${r.code}${r.text ? ` (${printable(r.text, 120)})` : ''}`)
            .join('; ')
        : 'none given',
    ],
    ['Reviewer', printable(f.decision.reviewer)],
    [
      'Second approver',
      f.decision.secondApprover
        ? `${printable(f.decision.secondApprover)} on ${iso(f.decision.secondApprovedAt)}`
        : 'not required for this amount',
    ],
  ]);

  heading(doc, 'Audit trail');
  rows(doc, [
    ['Decision record', f.audit ? `#${f.audit.id} at ${iso(f.audit.at)}` : 'not found'],
    ['Chain hash (HMAC-SHA256)', f.audit?.hash ?? '-'],
    ['Previous hash', f.audit?.prevHash ?? '-'],
  ]);

  heading(doc, 'Appeal timeline');
  const tl = f.timeline.slice(-60);
  if (tl.length < f.timeline.length)
    rows(doc, [['', `(${f.timeline.length - tl.length} earlier events left out)`]]);
  rows(
    doc,
    tl.map((h) => [
      iso(h.at),
      `${printable(h.action, 60)}${h.from || h.to ? ` ${h.from ?? '-'} -> ${h.to ?? '-'}` : ''} · ${printable(h.actor, 80)}`,
    ]),
  );

  heading(doc, 'Documents in this pack');
  rows(
    doc,
    meta.contents.map((c, i) => [
      `Document page ${i + 1}`,
      `${c.slot}${c.pages > 1 ? `, page ${c.page} of ${c.pages}` : ''}`,
    ]),
  );
}
