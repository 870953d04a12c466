// The quality rules on real documents (issue 12 point 5): the real checker (inspectUpload, no OCR) on every
// image of the real-cards development set, asserting each expectation of its manifest that is not about the
// card number (those are the card reader's: test/integration/ocr*.test.ts); and derived cases that show the
// rules measure the document, not the frame: a defocused card on a sharp, textured background fails
// sharpness while the same card in focus passes; a reflection on a real card fails glare while a white
// passport page does not; a black-and-white ID copy on a colourful photo fails colour.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Inspection,
  inspectUpload,
  laplacianVariance,
} from '../../src/modules/documents/checks.sharp.ts';
import type { Slot } from '../../src/modules/documents/checks.rules.ts';
import { DEFAULT_THRESHOLDS as T } from '../../src/modules/documents/checks.thresholds.ts';
import { reflection } from '../../scripts/calibrate-real.ts';
import { REAL_CARDS_DIR } from '../support/shared.ts';

const CANDIDATES = [
  process.env.REAL_CARDS_DIR ?? '',
  new URL('../fixtures/real-cards', import.meta.url).pathname,
  REAL_CARDS_DIR,
].filter(Boolean);
const DIR = CANDIDATES.find((d) => existsSync(path.join(d, 'manifest.json')));
if (!DIR) throw new Error(`real-cards fixtures (manifest.json) not found in ${CANDIDATES.join(' or ')}`);
const WORLD = new URL('../fixtures/real-world', import.meta.url).pathname;

interface Entry {
  file: string;
  slot: Slot;
  expected: string;
}
const manifest: Entry[] = JSON.parse(await readFile(path.join(DIR, 'manifest.json'), 'utf8'));
const images = manifest.filter((e) => !e.file.endsWith('.pdf'));

const QUALITY = ['sharpness', 'exposure', 'glare', 'colour'];
const verdict = { sanitise: false, ocrInput: false };
const inspect = (bytes: Buffer, slot: Slot) => inspectUpload({ buffer: bytes }, slot, T, verdict);

function check(r: Inspection, rule: string) {
  const c = r.checks.find((x) => x.rule === rule);
  if (!c) throw new Error(`no ${rule} check in [${r.checks.map((x) => x.rule).join(', ')}]`);
  return c as { passed: boolean; hard: boolean; measured: Record<string, unknown>; message: string };
}
const failed = (r: Inspection) => r.checks.filter((c) => !c.passed).map((c) => c.rule);

describe('real-cards manifest: every expectation that is not about the card number', () => {
  const cases = images.filter((e) => !/^REJECT CARD_NUMBER_VISIBLE/.test(e.expected));
  it('covers the files the issue names', () => {
    const names = cases.map((e) => e.file);
    for (const f of [
      'pp_td3_orig.jpg',
      'id_rou_photo.jpg',
      'id_rou_up.jpg',
      'st_jetblue.png',
      'st_trans4.png',
    ]) {
      expect(names).toContain(f);
    }
    expect(cases.filter((e) => e.file.includes('_masked_photo')).length).toBeGreaterThanOrEqual(5);
  });

  for (const e of cases) {
    it(`${e.file} (${e.slot}): ${e.expected}`, async () => {
      const r = await inspect(await readFile(path.join(DIR, e.file)), e.slot);
      expect(r.kind).toBe('image');
      if (e.expected.startsWith('ACCEPT')) {
        // every rule of the verdict passes: resolution, sharpness, exposure, glare, colour
        expect(failed(r)).toEqual([]);
      } else if (e.expected.startsWith('REJECT resolution')) {
        expect(check(r, 'resolution').passed).toBe(false);
      } else if (e.expected.startsWith('REJECT colour')) {
        expect(check(r, 'resolution').passed).toBe(true);
        expect(failed(r)).toEqual(['colour']);
        expect(check(r, 'colour').measured.colourfulness as number).toBeLessThan(T.minColourfulness);
      } else {
        throw new Error(`no assertion for the expectation "${e.expected}"`);
      }
    });
  }

  it('a black-and-white ID copy photographed on a colourful scene is measured on the document', async () => {
    const r = await inspect(await readFile(path.join(DIR, 'id_rou_photo.jpg')), 'ID_FRONT');
    const colour = check(r, 'colour');
    expect(colour).toMatchObject({ passed: false, hard: false, measured: { measuredOn: 'document' } });
    expect(colour.message).toContain('black-and-white copy');
  });

  it('clean passport scans: the white page is mostly blown out, yet neither glare nor over-exposure', async () => {
    for (const f of ['pp_td3_orig.jpg', 'pp_td2_orig.jpg']) {
      const r = await inspect(await readFile(path.join(DIR, f)), 'ID_FRONT');
      const glare = check(r, 'glare');
      expect(glare.measured.blownOutShare as number).toBeGreaterThan(0.5);
      expect(glare.measured.specularShare as number).toBeLessThan(0.01);
      const exposure = check(r, 'exposure');
      expect(exposure.measured.meanLuminance as number).toBeGreaterThan(T.maxMeanLuminance);
      expect(exposure.passed).toBe(true);
    }
  });
});

describe('derived from real fixtures: the document is measured, not the background', () => {
  let background: Buffer;
  let sharpCard: Buffer;
  let blurredCard: Buffer;
  const compose = (card: Buffer) =>
    sharp(background)
      .composite([{ input: card, left: 420, top: 390 }])
      .jpeg({ quality: 90 })
      .toBuffer();

  beforeAll(async () => {
    // a real camera photo, kept sharp: leaves, stone and wood texture all over the frame
    background = await sharp(path.join(WORLD, '2569067123_aca715a2ee_o.jpg'))
      .resize(2400, 1800, { fit: 'cover' })
      .toBuffer();
    const card = sharp(path.join(DIR, 'id_esp_photo.jpg')).extract({
      left: 500,
      top: 100,
      width: 1380,
      height: 880,
    });
    const rotated = (p: Sharp) =>
      p
        .resize(1560)
        .rotate(3, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
        .png()
        .toBuffer();
    sharpCard = await rotated(card.clone());
    // out of focus, outline included: sigma 10 px at this size is about 4 px at the 1000 px measuring size
    blurredCard = await sharp(sharpCard).blur(10).png().toBuffer();
  });

  it('a defocused card on a sharp textured background fails sharpness; the card in focus passes', async () => {
    const inFocus = await inspect(await compose(sharpCard), 'ID_BACK');
    const defocused = await inspect(await compose(blurredCard), 'ID_BACK');
    expect(check(inFocus, 'sharpness')).toMatchObject({ passed: true, measured: { measuredOn: 'document' } });
    const blur = check(defocused, 'sharpness');
    expect(blur).toMatchObject({ passed: false, hard: false, measured: { measuredOn: 'document' } });
    expect(blur.message).toContain('looks blurry');
    // the test means something: over the whole frame the background alone would carry the score
    const { data, info } = await sharp(await compose(blurredCard))
      .resize(1000, 1000, { fit: 'inside', kernel: 'linear' })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(laplacianVariance(data, info.width, info.height)).toBeGreaterThan(T.minSharpness);
  });

  it('a real ID photo blurred as a whole fails sharpness; the original passes', async () => {
    const original = await readFile(path.join(DIR, 'pp_hun_photo.jpg'));
    expect(check(await inspect(original, 'ID_FRONT'), 'sharpness').passed).toBe(true);
    const blurred = await sharp(original).blur(6).jpeg({ quality: 90 }).toBuffer();
    expect(check(await inspect(blurred, 'ID_FRONT'), 'sharpness').passed).toBe(false);
  });

  it('a real ID photo scaled down below 1000 px fails resolution with its size', async () => {
    const small = await sharp(await readFile(path.join(DIR, 'id_esp_photo.jpg')))
      .resize(900)
      .jpeg()
      .toBuffer();
    const r = check(await inspect(small, 'ID_BACK'), 'resolution');
    expect(r.passed).toBe(false);
    expect(r.message).toContain('900 x');
  });

  it('a reflection over a light ID card fails glare at 15%, passes at 3%', async () => {
    const card = await readFile(path.join(DIR, 'id_esp_photo.jpg'));
    const small = check(await inspect(await reflection(card, 0.03), 'ID_BACK'), 'glare');
    expect(small.passed).toBe(true);
    const large = check(await inspect(await reflection(card, 0.15), 'ID_BACK'), 'glare');
    expect(large).toMatchObject({ passed: false, hard: false, measured: { measuredOn: 'document' } });
    expect(large.measured.specularShare as number).toBeGreaterThan(T.maxBlownOutShare);
  });

  it('every quality rule reports where it measured', async () => {
    const r = await inspect(await readFile(path.join(DIR, 'id_si_photo.jpg')), 'ID_BACK');
    for (const rule of QUALITY.filter((q) => q !== 'exposure')) {
      expect(check(r, rule).measured.measuredOn).toBe('document');
    }
  });
});
