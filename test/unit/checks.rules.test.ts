// The pure rules of the document checker: format detection from magic bytes, every rule's pass and fail
// with the measured value, thresholds, Hamming distance.
import { describe, expect, it } from 'vitest';
import {
  allowedFormats,
  type CheckResult,
  checkColour,
  checkExposure,
  checkFormat,
  checkGlare,
  checkIntegrity,
  checkPdf,
  checkPixels,
  checkResolution,
  checkSharpness,
  checkSize,
  DUPLICATE_MAX_DISTANCE,
  detectFormat,
  hammingDistance,
  hardRulesPassed,
  headerDimensions,
  overridable,
  type PdfMeasurements,
} from '../../src/modules/documents/checks.rules.ts';
import { DEFAULT_THRESHOLDS as T, resolveThresholds } from '../../src/modules/documents/checks.thresholds.ts';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

function ftyp(major: string, ...compatible: string[]): Buffer {
  const size = 16 + compatible.length * 4;
  const head = Buffer.alloc(4);
  head.writeUInt32BE(size);
  return bytes([...head], 'ftyp', major, [0, 0, 0, 0], compatible.join(''), [0, 0, 0, 0]);
}

describe('detectFormat (magic bytes only)', () => {
  it.each([
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF')],
    ['png', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR')],
    ['webp', bytes('RIFF', [0x10, 0, 0, 0], 'WEBPVP8 ')],
    ['avif', ftyp('avif', 'mif1', 'miaf')],
    ['avif', ftyp('mif1', 'avif')],
    ['heic', ftyp('heic', 'mif1', 'heic')],
    ['heic', ftyp('mif1', 'heic')],
    ['video', ftyp('isom', 'iso2', 'mp41')],
    ['pdf', bytes('%PDF-1.7\n')],
    ['gif', bytes('GIF89a', [1, 0, 1, 0])],
    ['gif', bytes('GIF87a')],
    ['tiff', bytes('II*', [0])],
    ['tiff', bytes('MM', [0, 0x2a])],
    ['bmp', bytes('BM', [0x3a, 0, 0, 0])],
    ['svg', bytes('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
    ['svg', bytes([0xef, 0xbb, 0xbf], '  \n<?xml version="1.0"?>\n<!DOCTYPE svg><svg/>')],
    ['html', bytes('<!DOCTYPE html><html><script>x()</script>')],
    ['elf', bytes([0x7f], 'ELF', [2, 1, 1])],
    ['exe', bytes('MZ', [0x90, 0])],
    ['zip', bytes('PK', [3, 4, 20, 0])],
    ['script', bytes('#!/bin/sh\nrm -rf /\n')],
    ['unknown', bytes([0x13, 0x37, 0xbe, 0xef, 0, 1, 2, 3])],
    ['unknown', Buffer.alloc(0)],
  ])('%s', (format, input) => {
    expect(detectFormat(input).format).toBe(format);
  });

  it('needs the magic at offset 0: a JPEG signature later in the file does not count', () => {
    expect(detectFormat(bytes('hello', [0xff, 0xd8, 0xff, 0xe0])).format).toBe('unknown');
    expect(detectFormat(bytes(' %PDF-1.4')).format).toBe('unknown');
  });

  it('labels formats in words a buyer understands', () => {
    expect(detectFormat(bytes([0x7f], 'ELF')).label).toBe('a program file');
    expect(detectFormat(bytes('GIF89a')).label).toBe('a GIF image');
  });
});

describe('headerDimensions (no decoder)', () => {
  it('reads a JPEG frame header after other segments, and gives up on what it cannot read', () => {
    const app0 = [0xff, 0xe0, 0, 16, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
    const sof = [0xff, 0xc2, 0, 17, 8, 0x36, 0xb0, 0x4e, 0x20, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    expect(headerDimensions(bytes([0xff, 0xd8], app0, sof, [0, 0, 0]), 'jpeg')).toEqual({
      width: 20000,
      height: 14000,
    });
    expect(
      headerDimensions(bytes([0xff, 0xd8], app0, [0xff, 0xda, 0, 8, 1, 2, 3, 4, 5, 6]), 'jpeg'),
    ).toBeNull();
    expect(headerDimensions(bytes([0xff, 0xd8, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0]), 'jpeg')).toBeNull();
    expect(headerDimensions(bytes([0xff, 0xd8, 0xff]), 'jpeg')).toBeNull();
    expect(headerDimensions(ftyp('avif', 'mif1'), 'avif')).toBeNull();
  });
  it('reads PNG IHDR', () => {
    const ihdr = Buffer.alloc(8);
    ihdr.writeUInt32BE(40000, 0);
    ihdr.writeUInt32BE(2, 4);
    const png = bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR', [...ihdr]);
    expect(headerDimensions(png, 'png')).toEqual({ width: 40000, height: 2 });
  });
});

describe('allowed formats per slot', () => {
  it('photos for ID and card slots, PDF only for the statement, HEIC only when decodable', () => {
    expect(allowedFormats('ID_FRONT', { heicDecodable: false })).toEqual(['jpeg', 'png', 'webp', 'avif']);
    expect(allowedFormats('CARD_BACK', { heicDecodable: true })).toEqual([
      'jpeg',
      'png',
      'webp',
      'avif',
      'heic',
    ]);
    expect(allowedFormats('BILLING_STATEMENT', { heicDecodable: false })).toEqual([
      'jpeg',
      'png',
      'webp',
      'avif',
      'pdf',
    ]);
  });
});

describe('size', () => {
  it('rejects 0 bytes and more than maxBytes, accepts exactly maxBytes', () => {
    const empty = checkSize(0, T);
    expect(empty).toMatchObject({ rule: 'size', passed: false, hard: true, measured: { bytes: 0 } });
    expect(empty.message).toContain('empty (0 bytes)');
    const big = checkSize(12 * 1024 * 1024, T);
    expect(big).toMatchObject({ passed: false, measured: { bytes: 12 * 1024 * 1024 } });
    expect(big.message).toContain('This file is 12 MB; the limit is 10 MB');
    expect(checkSize(T.maxBytes, T).passed).toBe(true);
    expect(checkSize(T.maxBytes + 1, T).passed).toBe(false);
  });
});

describe('format', () => {
  const opts = { heicDecodable: false };
  it('rejects what is not allowed, naming what the file is', () => {
    const gif = checkFormat(detectFormat(bytes('GIF89a')), 'ID_FRONT', opts);
    expect(gif).toMatchObject({ rule: 'format', passed: false, hard: true, measured: { detected: 'gif' } });
    expect(gif.message).toBe(
      'This file is a GIF image; we accept JPEG, PNG, WebP or AVIF files. Please upload a photo.',
    );
  });
  it('explains HEIC and PDF', () => {
    expect(checkFormat({ format: 'heic', label: 'an HEIC photo' }, 'ID_FRONT', opts).message).toContain(
      'Most Compatible',
    );
    expect(checkFormat({ format: 'pdf', label: 'a PDF document' }, 'CARD_FRONT', opts).message).toContain(
      'only for the billing statement',
    );
    expect(
      checkFormat({ format: 'heic', label: 'an HEIC photo' }, 'ID_FRONT', { heicDecodable: true }).passed,
    ).toBe(true);
  });
  it('rejects bytes whose decoder disagrees with the magic (a file that is two things)', () => {
    const r = checkFormat({ format: 'jpeg', label: 'a JPEG photo' }, 'ID_FRONT', {
      ...opts,
      decoderFormat: 'svg',
    });
    expect(r).toMatchObject({ passed: false, measured: { detected: 'jpeg', decoder: 'svg' } });
    const ok = checkFormat({ format: 'jpeg', label: 'a JPEG photo' }, 'ID_FRONT', {
      ...opts,
      decoderFormat: 'jpeg',
    });
    expect(ok).toMatchObject({ passed: true, measured: { detected: 'jpeg', decoder: 'jpeg' } });
  });
});

describe('integrity, pixels, resolution (hard)', () => {
  it('integrity names truncation', () => {
    const r = checkIntegrity('truncated');
    expect(r).toMatchObject({
      passed: false,
      hard: true,
      measured: { decoded: false, failure: 'truncated' },
    });
    expect(r.message).toContain('stops part-way through');
    expect(checkIntegrity(null).passed).toBe(true);
  });

  it('pixels: 280 megapixels rejected with the size, 50 accepted', () => {
    const r = checkPixels(20000, 14000, T);
    expect(r).toMatchObject({
      passed: false,
      hard: true,
      measured: { width: 20000, height: 14000, megapixels: 280 },
      threshold: { maxMegapixels: 50 },
    });
    expect(r.message).toBe(
      'This image is 20000 x 14000 (280 megapixels); we accept at most 50 megapixels. Please send an ordinary camera photo.',
    );
    expect(checkPixels(10000, 5000, T).passed).toBe(true);
    expect(checkPixels(10000, 5001, T).passed).toBe(false);
  });

  it('resolution for ID and card photos: long >= 1000 and short >= 600', () => {
    const r = checkResolution(600, 450, 'ID_FRONT', T);
    expect(r).toMatchObject({ passed: false, hard: true, measured: { width: 600, height: 450 } });
    expect(r.message).toBe(
      'This photo is 600 x 450; we need at least 1000 px on the long side and 600 px on the short side. ' +
        'Move closer or use the main camera.',
    );
    expect(checkResolution(1000, 600, 'CARD_FRONT', T).passed).toBe(true);
    expect(checkResolution(600, 1000, 'CARD_BACK', T).passed).toBe(true);
    expect(checkResolution(999, 600, 'ID_BACK', T).passed).toBe(false);
    expect(checkResolution(1000, 599, 'ID_FRONT', T).passed).toBe(false);
  });

  it('resolution for statement images: long side >= 1200', () => {
    expect(checkResolution(1200, 300, 'BILLING_STATEMENT', T)).toMatchObject({
      passed: true,
      threshold: { minLongSide: 1200 },
    });
    const r = checkResolution(1199, 900, 'BILLING_STATEMENT', T);
    expect(r.passed).toBe(false);
    expect(r.message).toContain('1199 x 900');
  });
});

describe('heuristics (overridable)', () => {
  it('sharpness', () => {
    const blurry = checkSharpness({ laplacianVariance: 12.34 }, T);
    expect(blurry).toMatchObject({
      rule: 'sharpness',
      passed: false,
      hard: false,
      measured: { laplacianVariance: 12.3 },
      threshold: { minLaplacianVariance: T.minSharpness },
    });
    expect(blurry.message).toContain(`sharpness score 12; we need at least ${T.minSharpness}`);
    expect(checkSharpness({ laplacianVariance: T.minSharpness }, T).passed).toBe(true);
  });

  it('exposure: too dark, too bright, washed out, fine', () => {
    const dark = checkExposure({ meanLuminance: 30, contrast: 40 }, 'ID_FRONT', T);
    expect(dark).toMatchObject({ passed: false, hard: false, measured: { meanLuminance: 30, contrast: 40 } });
    expect(dark.message).toContain('too dark (average brightness 30 of 255');
    expect(checkExposure({ meanLuminance: 240, contrast: 40 }, 'CARD_FRONT', T).message).toContain(
      'too bright',
    );
    const washed = checkExposure({ meanLuminance: 136.3, contrast: 27 }, 'ID_FRONT', T);
    expect(washed.passed).toBe(false);
    expect(washed.message).toContain('washed out (contrast 27');
    expect(checkExposure({ meanLuminance: 120, contrast: 50 }, 'ID_FRONT', T).passed).toBe(true);
  });

  it('exposure: a bright mean is over-exposure only when the shadows are washed out too', () => {
    // a clean passport scan: white page, black print
    const scan = checkExposure({ meanLuminance: 232, contrast: 55, shadowLevel: 30 }, 'ID_FRONT', T);
    expect(scan).toMatchObject({ passed: true, measured: { shadowLevel: 30 } });
    const lifted = { meanLuminance: 238, contrast: 25, shadowLevel: T.brightShadowLevel };
    const over = checkExposure(lifted, 'ID_FRONT', T);
    expect(over.passed).toBe(false);
    expect(over.message).toContain('too bright');
    expect(over.threshold).toMatchObject({ brightShadowLevel: T.brightShadowLevel });
  });

  it('exposure for statements judges contrast only (white screenshots, dark-mode apps)', () => {
    const white = checkExposure({ meanLuminance: 245, contrast: 45 }, 'BILLING_STATEMENT', T);
    expect(white.passed).toBe(true);
    expect(white.threshold).toEqual({ minContrast: T.minContrast });
    expect(checkExposure({ meanLuminance: 245, contrast: 10 }, 'BILLING_STATEMENT', T).passed).toBe(false);
  });

  it('glare: specular share below the limit, white paper is not glare; not applied to statements', () => {
    const region = { found: true, areaShare: 0.6, coverage: 0.9 };
    const g = checkGlare({ specularShare: 0.25, blownOutShare: 0.3, region }, 'CARD_FRONT', T);
    expect(g).toMatchObject({
      passed: false,
      hard: false,
      measured: { specularShare: 0.25, blownOutShare: 0.3, level: 250, measuredOn: 'document' },
      threshold: { maxSpecularShare: T.maxBlownOutShare },
    });
    expect(g.message).toContain('25% of it is covered by bright reflections; the limit is 10%');
    // a white page: most of it blown out, none of it a highlight
    const paper = checkGlare({ specularShare: 0, blownOutShare: 0.8 }, 'ID_FRONT', T);
    expect(paper).toMatchObject({ passed: true, measured: { measuredOn: 'whole frame' } });
    expect(checkGlare({ specularShare: 0.02, blownOutShare: 0.02 }, 'CARD_FRONT', T).passed).toBe(true);
    expect(checkGlare({ specularShare: 0.6, blownOutShare: 0.6 }, 'BILLING_STATEMENT', T)).toMatchObject({
      passed: true,
      threshold: null,
    });
  });

  it('colour: hard for a file without colour, soft for a grey-looking copy, only for ID slots', () => {
    const grey = checkColour({ colourfulness: 0, uncorrectedColourfulness: 0 }, 'ID_FRONT', T);
    expect(grey).toMatchObject({ rule: 'colour', passed: false, hard: true, measured: { colourfulness: 0 } });
    expect(grey.message).toContain('black-and-white image');
    const tinted = checkColour({ colourfulness: 0.5, uncorrectedColourfulness: 13.4 }, 'ID_BACK', T);
    expect(tinted).toMatchObject({
      passed: false,
      hard: false,
      measured: { colourfulness: 0.5, uncorrectedColourfulness: 13.4 },
    });
    expect(checkColour({ colourfulness: 25, uncorrectedColourfulness: 30 }, 'ID_FRONT', T).passed).toBe(true);
    // a grey document on a colourful table: soft (the file has colour), measured on the document
    const onTable = checkColour(
      {
        colourfulness: 3,
        uncorrectedColourfulness: 6,
        frameUncorrectedColourfulness: 20,
        region: { found: true, areaShare: 0.6, coverage: 0.99 },
      },
      'ID_FRONT',
      T,
    );
    expect(onTable).toMatchObject({ passed: false, hard: false, measured: { measuredOn: 'document' } });
    expect(checkColour({ colourfulness: 0, uncorrectedColourfulness: 0 }, 'CARD_FRONT', T)).toMatchObject({
      passed: true,
      threshold: null,
    });
  });
});

describe('pdf rule', () => {
  const ok: PdfMeasurements = {
    pageCount: 3,
    passwordRequired: false,
    encrypted: false,
    hasJavaScript: false,
    hasAttachments: false,
  };
  it('passes a plain statement and fails password, pages, script, attachments', () => {
    expect(checkPdf(ok, T)).toMatchObject({ passed: true, hard: true, measured: ok });
    expect(checkPdf({ ...ok, passwordRequired: true }, T).passed).toBe(false);
    expect(checkPdf({ ...ok, pageCount: 21 }, T).message).toContain('21 pages');
    expect(checkPdf({ ...ok, hasJavaScript: true }, T).passed).toBe(false);
    expect(checkPdf({ ...ok, hasAttachments: true }, T).passed).toBe(false);
  });
});

describe('override eligibility helpers', () => {
  const c = (rule: string, passed: boolean, hard: boolean): CheckResult => ({
    rule,
    passed,
    hard,
    measured: null,
    threshold: null,
    message: '',
  });
  it('overridable only when every failure is heuristic', () => {
    expect(overridable([c('size', true, true), c('sharpness', false, false)])).toBe(true);
    expect(overridable([c('resolution', false, true), c('sharpness', false, false)])).toBe(false);
    expect(overridable([c('size', true, true)])).toBe(false);
    expect(hardRulesPassed([c('size', true, true), c('glare', false, false)])).toBe(true);
    expect(hardRulesPassed([c('colour', false, true)])).toBe(false);
  });
});

describe('hammingDistance', () => {
  it('counts differing bits of 64-bit hex hashes', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('f0f0f0f0f0f0f0f0', '0ff0f0f0f0f0f0f1')).toBe(9);
    expect(hammingDistance('ABCDEF0123456789', 'abcdef0123456789')).toBe(0);
  });
  it('refuses anything but two 16-character hex strings', () => {
    expect(() => hammingDistance('abc', '0000000000000000')).toThrow(TypeError);
    expect(() => hammingDistance('zzzzzzzzzzzzzzzz', '0000000000000000')).toThrow(TypeError);
  });
  it('exports the calibrated duplicate distance', () => {
    expect(DUPLICATE_MAX_DISTANCE).toBe(10);
  });
});

describe('thresholds', () => {
  it('defaults follow SPEC section 3', () => {
    expect(T).toMatchObject({
      maxBytes: 10 * 1024 * 1024,
      maxPixels: 50_000_000,
      maxPdfPages: 20,
      photoMinLongSide: 1000,
      photoMinShortSide: 600,
      statementMinLongSide: 1200,
    });
  });
  it('resolveThresholds merges valid overrides and refuses invalid ones', () => {
    expect(resolveThresholds({ minSharpness: 55 }).minSharpness).toBe(55);
    expect(resolveThresholds({ minSharpness: 55 }).maxBytes).toBe(T.maxBytes);
    expect(() => resolveThresholds({ maxBytes: -1 })).toThrow();
    expect(() => resolveThresholds({ minMeanLuminance: 220, maxMeanLuminance: 200 })).toThrow();
    expect(() => resolveThresholds({ unknownKnob: 1 })).toThrow();
  });
});
