// What an upload is, from its bytes alone: the format from magic numbers and the frame size from the first
// header bytes, so that nothing reaches a decoder it was not meant for. Pure; split from checks.rules.ts,
// which re-exports these.
import type { Slot } from './checks.rules.ts';

export type AllowedFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'heic' | 'pdf';

export interface DetectedFormat {
  /** short name: jpeg, png, webp, avif, heic, pdf, gif, tiff, bmp, svg, html, elf, exe, zip, ... or unknown */
  format: string;
  /** how a buyer would call it, for messages: "a GIF image", "a program file" */
  label: string;
}

const IMAGE_FORMATS: readonly AllowedFormat[] = ['jpeg', 'png', 'webp', 'avif', 'heic'];

const LABELS: Record<string, string> = {
  jpeg: 'a JPEG photo',
  png: 'a PNG image',
  webp: 'a WebP image',
  avif: 'an AVIF image',
  heic: 'an HEIC photo',
  pdf: 'a PDF document',
  gif: 'a GIF image',
  tiff: 'a TIFF image',
  bmp: 'a BMP image',
  ico: 'an icon file',
  svg: 'an SVG drawing',
  html: 'a web page',
  xml: 'an XML file',
  jxl: 'a JPEG XL image',
  jp2: 'a JPEG 2000 image',
  psd: 'a Photoshop file',
  video: 'a video',
  elf: 'a program file',
  exe: 'a program file',
  macho: 'a program file',
  script: 'a script',
  zip: 'an archive (ZIP or Office document)',
  rar: 'an archive',
  '7z': 'an archive',
  gzip: 'a compressed archive',
  unknown: 'a file we do not recognise',
};

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i += 1) if (b[at + i] !== sig[i]) return false;
  return true;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < Math.min(to, b.length); i += 1) s += String.fromCharCode(b[i]!);
  return s;
}

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);

/** ISO base media file (AVIF, HEIC, MP4...): decides from the major and compatible brands of the ftyp box. */
function isoBmffFormat(b: Uint8Array): string | null {
  if (ascii(b, 4, 8) !== 'ftyp') return null;
  const boxSize = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const end = Math.min(Math.max(boxSize, 16), b.length, 4096);
  const brands = [ascii(b, 8, 12)];
  for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(b, i, i + 4));
  if (brands.some((x) => AVIF_BRANDS.has(x))) return 'avif';
  if (brands.some((x) => HEIC_BRANDS.has(x))) return 'heic';
  return 'video';
}

/** Text-based formats (SVG, HTML, XML, scripts): look past a BOM and leading white space. */
function textFormat(b: Uint8Array): string | null {
  let i = startsWith(b, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (i < b.length && i < 1024 && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d))
    i += 1;
  const head = ascii(b, i, i + 512).toLowerCase();
  if (head.startsWith('#!')) return 'script';
  if (!head.startsWith('<')) return null;
  if (head.includes('<svg')) return 'svg';
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || head.includes('<script'))
    return 'html';
  if (head.startsWith('<?xml')) return head.includes('svg') ? 'svg' : 'xml';
  return 'html';
}

/**
 * What the bytes are, from their magic numbers only (never the file name or Content-Type). The allowed
 * formats must match at offset 0, so a file is handed to the matching decoder only: SVG never reaches
 * librsvg, TIFF never reaches libtiff. PDF must start with "%PDF-" at offset 0 (stricter than readers,
 * which tolerate leading junk; leading junk is how PDF polyglots are built).
 */
export function detectFormat(bytes: Uint8Array): DetectedFormat {
  const f = detectFormatName(bytes);
  return { format: f, label: LABELS[f] ?? LABELS.unknown! };
}

function detectFormatName(b: Uint8Array): string {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  const iso = isoBmffFormat(b);
  if (iso) return iso;
  if (ascii(b, 0, 5) === '%PDF-') return 'pdf';
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'gif';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(b, [0x49, 0x49, 0x2b, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (ascii(b, 0, 2) === 'BM') return 'bmp';
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00])) return 'ico';
  if (startsWith(b, [0xff, 0x0a]) || startsWith(b, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return 'jxl';
  if (startsWith(b, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return 'jp2';
  if (ascii(b, 0, 4) === '8BPS') return 'psd';
  if (startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return 'elf';
  if (ascii(b, 0, 2) === 'MZ') return 'exe';
  if (
    startsWith(b, [0xfe, 0xed, 0xfa, 0xce]) ||
    startsWith(b, [0xfe, 0xed, 0xfa, 0xcf]) ||
    startsWith(b, [0xcf, 0xfa, 0xed, 0xfe]) ||
    startsWith(b, [0xce, 0xfa, 0xed, 0xfe]) ||
    startsWith(b, [0xca, 0xfe, 0xba, 0xbe])
  ) {
    return 'macho';
  }
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (ascii(b, 0, 4) === 'Rar!') return 'rar';
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(b, [0x1f, 0x8b])) return 'gzip';
  return textFormat(b) ?? 'unknown';
}

/**
 * Width and height from the first bytes of a JPEG (SOF marker), PNG (IHDR) or WebP (VP8, VP8L, VP8X)
 * header, or null when they cannot be read here (AVIF/HEIC keep them deep in the box tree; sharp reads
 * those). Lets a pixel bomb be refused without handing a single byte to a decoder.
 */
export function headerDimensions(b: Uint8Array, format: string): { width: number; height: number } | null {
  const u16be = (i: number) => (b[i]! << 8) | b[i + 1]!;
  const u32be = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  const u16le = (i: number) => b[i]! | (b[i + 1]! << 8);
  const u24le = (i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
  if (format === 'jpeg') {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1]!;
      if (marker === 0xff) {
        i += 1; // fill byte
        continue;
      }
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        i += 2; // markers without a length
        continue;
      }
      if (marker === 0xda || marker === 0xd9) return null; // scan data before any frame header
      const isFrame =
        marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) return { height: u16be(i + 5), width: u16be(i + 7) };
      i += 2 + u16be(i + 2);
    }
    return null;
  }
  if (format === 'png') {
    if (b.length < 24 || ascii(b, 12, 16) !== 'IHDR') return null;
    return { width: u32be(16), height: u32be(20) };
  }
  if (format === 'webp') {
    const chunk = ascii(b, 12, 16);
    if (chunk === 'VP8X' && b.length >= 30) return { width: u24le(24) + 1, height: u24le(27) + 1 };
    if (chunk === 'VP8L' && b.length >= 25) {
      const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8 ' && b.length >= 30) return { width: u16le(26) & 0x3fff, height: u16le(28) & 0x3fff };
    return null;
  }
  return null;
}

/** The formats a slot accepts. HEIC only where this build's decoder can read it (the prebuilt sharp cannot). */
export function allowedFormats(slot: Slot, opts: { heicDecodable: boolean }): AllowedFormat[] {
  const images = IMAGE_FORMATS.filter((f) => f !== 'heic' || opts.heicDecodable);
  return slot === 'BILLING_STATEMENT' ? [...images, 'pdf'] : images;
}
