// Synthetic card backs for the CVV rule (no real card backs are in the fixtures): magnetic stripe,
// a hatched signature strip with a scrawled signature, the printed last 4 and/or the security code in
// italic beside it, the issuer's service text with phone numbers, and small print. Variants cover what
// the rule must refuse (a readable code) and what it must not (code covered, phone numbers, last 4 only).
// Optionally composited onto a real photograph (../shared/fixtures/real-world) and tilted, as a phone
// would take it. No digits here belong to anyone.
import { existsSync } from 'node:fs';
import sharp from 'sharp';

export interface CardBackOptions {
  /** what the signature strip shows beside the signature: e.g. '4242 123', '123', '4242', '' */
  strip: string;
  /** cover the strip's digits with a paper-coloured patch, as a buyer is asked to */
  coverCode?: boolean;
  /** the issuer's service line(s) */
  service?: string[];
  /** card colour */
  colour?: string;
  /** composite onto this photo (path), slightly tilted */
  photo?: string;
  rotate?: number;
  width?: number;
}

const W = 1700;
const H = 1070;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function svg(o: CardBackOptions): string {
  const colour = o.colour ?? '#1d3557';
  const hatch = Array.from(
    { length: 60 },
    (_, i) =>
      `<line x1="${120 + i * 20}" y1="330" x2="${80 + i * 20}" y2="470" stroke="#d9d2c0" stroke-width="6"/>`,
  ).join('');
  const service = (
    o.service ?? ['Customer service: call 1-800-432-1000', 'Lost or stolen cards +44 20 7946 0958']
  )
    .map(
      (line, i) =>
        `<text x="120" y="${720 + i * 70}" font-family="DejaVu Sans" font-size="46" fill="#f1f1f1">${esc(line)}</text>`,
    )
    .join('');
  const cover = o.coverCode ? `<rect x="1080" y="335" width="420" height="130" fill="#efe9dc"/>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
    <rect width="${W}" height="${H}" rx="70" fill="${colour}"/>
    <rect x="0" y="90" width="${W}" height="170" fill="#111"/>
    <rect x="80" y="330" width="1440" height="140" fill="#f7f3e8"/>
    ${hatch}
    <text x="110" y="310" font-family="DejaVu Sans" font-size="30" fill="#e8e8e8">AUTHORIZED SIGNATURE - NOT VALID UNLESS SIGNED</text>
    <path d="M150 430 C 220 360, 260 460, 330 400 S 450 380, 520 430" stroke="#223" stroke-width="7" fill="none"/>
    <text x="1130" y="425" font-family="DejaVu Sans" font-style="oblique" font-size="70" fill="#111">${esc(o.strip)}</text>
    ${cover}
    ${service}
    <text x="120" y="${H - 90}" font-family="DejaVu Sans" font-size="28" fill="#cfcfcf">This card is property of the issuing bank and must be returned upon request.</text>
  </svg>`;
}

export async function makeCardBack(o: CardBackOptions): Promise<Buffer> {
  let card = await sharp(Buffer.from(svg(o)))
    .png()
    .toBuffer();
  if (o.photo && existsSync(o.photo)) {
    const tilted = await sharp(card)
      .rotate(o.rotate ?? 3, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .png()
      .toBuffer();
    const meta = await sharp(tilted).metadata();
    const bg = await sharp(o.photo)
      .resize(Math.round((meta.width ?? W) * 1.35), Math.round((meta.height ?? H) * 1.4), { fit: 'cover' })
      .toBuffer();
    card = await sharp(bg)
      .composite([{ input: tilted, gravity: 'centre' }])
      .png()
      .toBuffer();
  }
  return sharp(card)
    .resize({ width: o.width ?? 2000 })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** The labelled set the CVV rule is measured on (docs/card-reading.md): [name, options, code visible]. */
export function cardBackCases(photos: string[]): [string, CardBackOptions, boolean][] {
  const base: [string, CardBackOptions, boolean][] = [
    ['last4+code', { strip: '4242 123' }, true],
    ['code only', { strip: '737' }, true],
    ['code with label', { strip: 'CVV 581' }, true],
    ['last4+code, red card', { strip: '1881 094', colour: '#9b1c1c' }, true],
    ['code covered', { strip: '4242 123', coverCode: true }, false],
    ['last4 only', { strip: '4242' }, false],
    ['empty strip', { strip: '' }, false],
    [
      'phone numbers only',
      { strip: '', service: ['Call 800 555 0100 or 1-877-300-2000', 'www.bank.example'] },
      false,
    ],
    [
      'code covered, phones',
      { strip: '6064 552', coverCode: true, service: ['Help 0800 123 456', 'Tel +1 212 555 0199'] },
      false,
    ],
  ];
  const out = [...base];
  photos.forEach((photo, i) => {
    for (const [name, o, visible] of base)
      out.push([`${name} on photo ${i + 1}`, { ...o, photo, rotate: i % 2 ? -4 : 3 }, visible]);
  });
  return out;
}
