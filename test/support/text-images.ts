// Synthetic document photos for the e-mail classifier's OCR cues: lines of text (DejaVu fonts) on a
// lit, noisy page, as a phone photo of a passport data page, a statement or a card back would reach OCR.
import sharp from 'sharp';

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface TextLine {
  text: string;
  size?: number;
  mono?: boolean;
}

// the light falls from a different side on each kind of page, so their pictures are not near-duplicates
const LIGHT = ['x1="0" y1="0" x2="1" y2="1"', 'x1="1" y1="1" x2="0" y2="0"', 'x1="0" y1="1" x2="1" y2="0"'];

/** A 2400x1500 JPEG (1.6:1) with the lines top to bottom; `light` 0-2 picks the side the light comes from. */
export async function makeTextImage(lines: TextLine[], light = 0): Promise<Buffer> {
  const W = 2400;
  const H = 1500;
  let y = 160;
  const texts = lines
    .map((l) => {
      const size = l.size ?? 80;
      const out = `<text x="120" y="${y}" font-family="${l.mono ? 'DejaVu Sans Mono' : 'DejaVu Sans'}" font-size="${size}" fill="#0a0a0a">${escapeXml(l.text)}</text>`;
      y += Math.round(size * 1.6);
      return out;
    })
    .join('\n');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
    <defs><linearGradient id="g" ${LIGHT[light % 3]}>
      <stop offset="0" stop-color="#fff4d6"/><stop offset="0.5" stop-color="#8fb3e0"/><stop offset="1" stop-color="#7a3c3c"/>
    </linearGradient></defs><rect width="${W}" height="${H}" fill="url(#g)"/>
    <rect x="30" y="30" width="${W - 60}" height="${H - 60}" rx="40" fill="none" stroke="#555" stroke-width="6"/>
    ${texts}
  </svg>`;
  const base = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
  const noise = await sharp({
    create: {
      width: W,
      height: H,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 24 },
    },
  })
    .png()
    .toBuffer();
  return sharp(base)
    .composite([{ input: noise, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

export const PASSPORT_PAGE: TextLine[] = [
  { text: 'PASSPORT  REPUBLIC OF UTOPIA' },
  { text: 'Surname ERIKSSON  Given names ANNA MARIA', size: 60 },
  { text: 'Date of birth 12 AUG 1974', size: 60 },
  { text: 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', size: 70, mono: true },
  { text: 'L898902C36UTO7408122F1204159ZE184226B<<<<<10', size: 70, mono: true },
];

export const STATEMENT_PAGE: TextLine[] = [
  { text: 'Example Bank  Monthly Statement' },
  { text: 'Account ending 4242', size: 60 },
  { text: 'Closing balance  1,204.50', size: 60 },
  { text: 'Transactions  02 Nov  ALIBABA.COM  88.00', size: 60 },
  { text: 'Minimum payment due  25.00', size: 60 },
];
