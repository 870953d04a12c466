// Synthetic card photos for OCR tests: an SVG card (DejaVu fonts are installed on the test machines)
// rendered by sharp, then rotated, blurred, shrunk or put on a noisy background as a phone photo would
// be. The numbers below are the networks' published test numbers, not anyone's card.
import sharp from 'sharp';

export const TEST_NUMBERS = {
  visa: '4111 1111 1111 1111',
  mastercard: '5555 5555 5555 4444',
  amex: '3782 822463 10005',
} as const;

export interface CardImageOptions {
  /** the number line as printed, e.g. '**** **** **** 4242' or '4111 1111 1111 1111' */
  number: string;
  /** degrees, positive is clockwise; the canvas grows and the corners are filled with a table-top grey */
  rotate?: number;
  /** Gaussian blur sigma applied to the finished photo */
  blur?: number;
  /** output width in px (height keeps the 5:3 ratio of the default 2000x1200) */
  width?: number;
  /** a lighting gradient and sensor noise behind and over the card */
  noisy?: boolean;
  /** brand, expiry and holder name around the number, as on a real card front */
  details?: boolean;
  /** typeface of the number: DejaVu Sans (default) or DejaVu Sans Mono, whose dotted zero reads as 9 */
  font?: 'sans' | 'mono';
  format?: 'jpeg' | 'png';
}

const W = 2000;
const H = 1200;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cardSvg(opts: CardImageOptions): string {
  const background = opts.noisy
    ? `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
         <stop offset="0" stop-color="#f4f1ea"/><stop offset="0.6" stop-color="#b9b4a8"/><stop offset="1" stop-color="#8d887c"/>
       </linearGradient></defs><rect width="${W}" height="${H}" fill="url(#g)"/>`
    : `<rect width="${W}" height="${H}" fill="#f7f7f2"/>`;
  const details = opts.details
    ? `<text x="140" y="220" font-family="DejaVu Sans" font-weight="bold" font-size="110" fill="#1a1a1a">VISA</text>
       <text x="140" y="880" font-family="DejaVu Sans" font-size="56" fill="#222">VALID THRU 12/28</text>
       <text x="140" y="1020" font-family="DejaVu Sans" font-size="64" fill="#222">JANE Q SAMPLE</text>`
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
    ${background}
    <rect x="30" y="30" width="${W - 60}" height="${H - 60}" rx="60" fill="none" stroke="#555" stroke-width="6"/>
    ${details}
    <text x="140" y="660" font-family="${opts.font === 'mono' ? 'DejaVu Sans Mono' : 'DejaVu Sans'}" font-size="130" fill="#111">${escapeXml(opts.number)}</text>
  </svg>`;
}

/** A card photo as an auto-oriented upload would reach OCR: JPEG (default) or PNG bytes. */
export async function makeCardImage(opts: CardImageOptions): Promise<Buffer> {
  let img = sharp(Buffer.from(cardSvg(opts))).flatten({ background: '#ffffff' });
  if (opts.rotate) img = sharp(await img.png().toBuffer()).rotate(opts.rotate, { background: '#7a7a7a' });
  if (opts.noisy) {
    const base = await img.png().toBuffer();
    const { width, height } = await sharp(base).metadata();
    const noise = await sharp({
      create: {
        width,
        height,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .png()
      .toBuffer();
    img = sharp(base).composite([{ input: noise, blend: 'soft-light' }]);
  }
  if (opts.blur) img = sharp(await img.png().toBuffer()).blur(opts.blur);
  if (opts.width) img = sharp(await img.png().toBuffer()).resize({ width: opts.width });
  return opts.format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 90 }).toBuffer();
}
