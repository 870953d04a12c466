// Images for intake tests, generated with sharp from real photos of ../shared/fixtures/real-world (see
// its README for provenance). "Good" images pass every check for ID and card slots (>= 1000x600, sharp,
// colour, normally exposed); each slot gets a different crop so their perceptual hashes are far apart
// and the duplicate rule does not fire between slots of one appeal.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { REAL_WORLD_DIR } from './shared.ts';

export const REAL_WORLD = REAL_WORLD_DIR;
export const PHOTO = path.join(REAL_WORLD, '2569067123_aca715a2ee_o.jpg'); // 2725x2225

export type GoodVariant =
  | 'ID_FRONT'
  | 'ID_BACK'
  | 'CARD_FRONT'
  | 'CARD_BACK'
  | 'BILLING_STATEMENT'
  | 'OTHER'
  | 'SPARE'
  | 'SPARE2';

// Crops of the 2725x2225 photo: different regions, some mirrored, so every pair of variants differs.
const CROPS: Record<
  GoodVariant,
  { left: number; top: number; width: number; height: number; flop?: boolean; flip?: boolean }
> = {
  ID_FRONT: { left: 0, top: 500, width: 1700, height: 1100 },
  ID_BACK: { left: 1000, top: 1100, width: 1700, height: 1100, flop: true },
  CARD_FRONT: { left: 500, top: 500, width: 1700, height: 1100, flip: true },
  CARD_BACK: { left: 1000, top: 500, width: 1700, height: 1100, flip: true, flop: true },
  BILLING_STATEMENT: { left: 0, top: 1100, width: 1700, height: 1100 },
  OTHER: { left: 500, top: 1100, width: 1700, height: 1100, flip: true },
  SPARE: { left: 0, top: 1100, width: 1700, height: 1100, flop: true },
  SPARE2: { left: 500, top: 500, width: 1700, height: 1100, flop: true },
};

/** A JPEG that passes all checks for its slot, 1600x1035-ish, distinct per variant. */
export async function goodImage(variant: GoodVariant = 'ID_FRONT'): Promise<Buffer> {
  const c = CROPS[variant];
  let p = sharp(PHOTO).extract({ left: c.left, top: c.top, width: c.width, height: c.height });
  if (c.flop) p = p.flop();
  if (c.flip) p = p.flip();
  return p.resize({ width: 1600 }).jpeg({ quality: 90 }).toBuffer();
}

/** The same picture as `img` re-encoded at another size (a near-duplicate for the perceptual hash). */
export async function reencoded(img: Buffer): Promise<Buffer> {
  return sharp(img).resize({ width: 1400 }).jpeg({ quality: 80 }).toBuffer();
}

/** A good image carrying EXIF with GPS coordinates, a camera make and a comment. */
export async function imageWithGps(variant: GoodVariant = 'ID_FRONT'): Promise<Buffer> {
  return sharp(await goodImage(variant))
    .withExif({
      IFD0: { Make: 'LeakyCam', Model: 'GPS-Model-9000', ImageDescription: 'SECRET-DESCRIPTION' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 2600/100',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 3900/100',
      },
    })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A blurred (heuristic failure only) copy of a good image. */
export async function blurredImage(variant: GoodVariant = 'ID_FRONT'): Promise<Buffer> {
  return sharp(await goodImage(variant))
    .blur(12)
    .jpeg({ quality: 90 })
    .toBuffer();
}

export async function pngImage(variant: GoodVariant = 'OTHER'): Promise<Buffer> {
  return sharp(await goodImage(variant))
    .png({ compressionLevel: 1 })
    .toBuffer();
}

export async function gifImage(): Promise<Buffer> {
  return sharp(await goodImage('OTHER'))
    .gif()
    .toBuffer();
}

export async function tiffImage(): Promise<Buffer> {
  return sharp(await goodImage('OTHER'))
    .tiff()
    .toBuffer();
}

export function svgWithScript(): Buffer {
  return Buffer.from(
    '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1000">' +
      '<script>alert(document.cookie)</script><rect width="1600" height="1000" fill="red"/></svg>',
  );
}

export function randomBytesBuffer(n = 64 * 1024): Buffer {
  return randomBytes(n);
}

/** A ZIP local-file header and payload appended after the JPEG's end marker (a JPEG/ZIP polyglot). */
export const ZIP_MARKER = 'PK-POLYGLOT-PAYLOAD-7f3a';
export function appendZip(jpeg: Buffer): Buffer {
  const name = Buffer.from('payload.txt');
  const data = Buffer.from(`${ZIP_MARKER} ${'x'.repeat(200)}`);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(data.length, 22);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([jpeg, header, name, data]);
}

/** A small, valid, unencrypted PDF with `pages` text pages (a bank statement stand-in). */
export function statementPdf(
  pages = 2,
  page: { mediaBox?: readonly number[]; userUnit?: number } = {},
): Buffer {
  const box = (page.mediaBox ?? [0, 0, 595, 842]).join(' ');
  const unit = page.userUnit ? ` /UserUnit ${page.userUnit}` : '';
  const objects: string[] = [];
  const kids: string[] = [];
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(''); // pages, below
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (let i = 0; i < pages; i += 1) {
    const n = objects.length + 1;
    kids.push(`${n} 0 R`);
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [${box}]${unit} /Resources << /Font << /F1 3 0 R >> >> /Contents ${n + 1} 0 R >>`,
    );
    const text = `BT /F1 12 Tf 72 760 Td (Statement page ${i + 1}: MARKETPLACE card **** 4242 -59.90 EUR) Tj ET`;
    objects.push(`<< /Length ${text.length} >>\nstream\n${text}\nendstream`);
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages} >>`;
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
