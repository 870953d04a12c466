// The heuristic image rules (sharpness, exposure, glare, colour) as pure functions: the measurements of
// checks.measure.ts and the thresholds in, CheckResult out. Messages are buyer-facing English that name the
// measured value and say what to do about it. Split from checks.rules.ts, which re-exports these.
import { type CheckResult, ID_SLOTS, type Slot } from './checks.rules.ts';
import type { Thresholds } from './checks.thresholds.ts';

function pct(share: number): string {
  const p = share * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

function round(v: number, digits = 1): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

/** What checks.sharp.ts measures on the normalised downscale. */
/** Where the region-based measurements were taken (checks.region.ts). */
export interface MeasuredRegion {
  /** true: on the document found in the frame; false: no outline was found, the whole frame was used */
  found: boolean;
  /** share (0-1) of the frame the document covers (1 for the whole frame) */
  areaShare: number;
  /** mean share of the outline's sides lying on an edge (0 when not found) */
  coverage: number;
}

/** What checks.measure.ts measures on the normalised downscale. */
export interface ImageMeasurements {
  /** variance of the 4-neighbour Laplacian of the luminance on the document (edges included) */
  laplacianVariance: number;
  /** mean Rec. 601 luma of the frame, 0-255 */
  meanLuminance: number;
  /** standard deviation of luma (RMS contrast), 0-~128 */
  contrast: number;
  /** luma of the frame's darkest 2% (the 2nd percentile): high when even the shadows are washed out */
  shadowLevel: number;
  /** share (0-1) of the document's pixels with luma >= the blown-out level (any cause) */
  blownOutShare: number;
  /** share (0-1) of the document covered by specular highlights (checks.glare.ts) */
  specularShare: number;
  /** Hasler-Suesstrunk colourfulness of the document after grey-world white balance (tinted grey ~0) */
  colourfulness: number;
  /** the same without white balance: 0 when the document carries no colour at all */
  uncorrectedColourfulness: number;
  /** the same over the whole frame: 0 when the file carries no colour at all (the hard colour failure) */
  frameUncorrectedColourfulness: number;
  /** where sharpness, glare and colour were measured */
  region: MeasuredRegion;
}

/** How a measurement names its region, for the measured field and the messages. */
function measuredOn(region: MeasuredRegion | undefined): 'document' | 'whole frame' {
  return region?.found ? 'document' : 'whole frame';
}

/**
 * sharpness (heuristic): Laplacian variance on the document (its edges and print; the whole frame when no
 * document outline was found) at least t.minSharpness.
 */
export function checkSharpness(
  m: Pick<ImageMeasurements, 'laplacianVariance'> & Partial<Pick<ImageMeasurements, 'region'>>,
  t: Thresholds,
): CheckResult {
  const score = round(m.laplacianVariance);
  const passed = m.laplacianVariance >= t.minSharpness;
  return {
    rule: 'sharpness',
    hard: false,
    measured: { laplacianVariance: score, measuredOn: measuredOn(m.region) },
    threshold: { minLaplacianVariance: t.minSharpness },
    passed,
    message: passed
      ? `Sharp enough (sharpness score ${score.toFixed(0)}).`
      : `This photo looks blurry (sharpness score ${score.toFixed(0)}; we need at least ${t.minSharpness}). ` +
        'Hold the phone steady, tap the document to focus, and try again in good light.',
  };
}

/**
 * exposure (heuristic): mean luminance inside the band, and enough contrast (a washed-out photo has a fine
 * mean but no spread). Statements get the contrast part only: a screenshot's white page or a dark-mode
 * banking app is legitimately far outside a photo's brightness band.
 */
export function checkExposure(
  m: Pick<ImageMeasurements, 'meanLuminance' | 'contrast'> & Partial<Pick<ImageMeasurements, 'shadowLevel'>>,
  slot: Slot,
  t: Thresholds,
): CheckResult {
  const mean = round(m.meanLuminance);
  const contrast = round(m.contrast);
  // without a shadow level (a caller with the mean only) a bright mean alone decides, as it used to
  const shadowsLifted = m.shadowLevel === undefined || m.shadowLevel >= t.brightShadowLevel;
  const statement = slot === 'BILLING_STATEMENT';
  const threshold = statement
    ? { minContrast: t.minContrast }
    : {
        minMeanLuminance: t.minMeanLuminance,
        maxMeanLuminance: t.maxMeanLuminance,
        brightShadowLevel: t.brightShadowLevel,
        minContrast: t.minContrast,
      };
  const measured: Record<string, number> = { meanLuminance: mean, contrast };
  if (m.shadowLevel !== undefined) measured.shadowLevel = m.shadowLevel;
  const base = { rule: 'exposure', hard: false, measured, threshold };
  const brightness = `average brightness ${mean.toFixed(0)} of 255`;
  if (!statement && m.meanLuminance < t.minMeanLuminance) {
    return {
      ...base,
      passed: false,
      message:
        `This photo is too dark (${brightness}; we need ${t.minMeanLuminance} to ${t.maxMeanLuminance}). ` +
        'Turn on more light or move next to a window, without using the flash directly on the document.',
    };
  }
  // A bright mean is over-exposure only when the shadows are washed out as well: a clean scan of a white
  // page or passport is bright on average but its print stays black.
  if (!statement && m.meanLuminance > t.maxMeanLuminance && shadowsLifted) {
    return {
      ...base,
      passed: false,
      message:
        `This photo is too bright (${brightness}; we need ${t.minMeanLuminance} to ${t.maxMeanLuminance}). ` +
        'Move out of direct light or switch off the flash.',
    };
  }
  if (m.contrast < t.minContrast) {
    return {
      ...base,
      passed: false,
      message:
        `This photo looks washed out (contrast ${contrast.toFixed(0)}; we need at least ${t.minContrast}). ` +
        'Avoid haze and reflections: clean the lens and photograph the document in even light.',
    };
  }
  return {
    ...base,
    passed: true,
    message: `Exposure is fine (${brightness}, contrast ${contrast.toFixed(0)}).`,
  };
}

/**
 * glare (heuristic): the share of the document covered by specular highlights (blown-out blobs much
 * brighter than the document around them, checks.glare.ts) below t.maxBlownOutShare. White paper is not
 * glare. Not applied to statements.
 */
export function checkGlare(
  m: Pick<ImageMeasurements, 'specularShare' | 'blownOutShare'> & Partial<Pick<ImageMeasurements, 'region'>>,
  slot: Slot,
  t: Thresholds,
): CheckResult {
  const share = round(m.specularShare, 4);
  const measured = {
    specularShare: share,
    blownOutShare: round(m.blownOutShare, 4),
    level: t.blownOutLevel,
    measuredOn: measuredOn(m.region),
  };
  if (slot === 'BILLING_STATEMENT') {
    return {
      rule: 'glare',
      hard: false,
      measured,
      threshold: null,
      passed: true,
      message: 'Glare is not checked for statements (white paper and screenshots are meant to be white).',
    };
  }
  const passed = m.specularShare < t.maxBlownOutShare;
  const where = m.region?.found ? 'the document' : 'the photo';
  return {
    rule: 'glare',
    hard: false,
    measured,
    threshold: { maxSpecularShare: t.maxBlownOutShare },
    passed,
    message: passed
      ? `No strong glare (${pct(m.specularShare)} of ${where} is covered by reflections).`
      : `Part of ${where} is hidden by glare (${pct(m.specularShare)} of it is covered by bright reflections; ` +
        `the limit is ${pct(t.maxBlownOutShare)}). Tilt the document away from the light or switch off the flash.`,
  };
}

/**
 * colour: ID slots must be colour photos, not black-and-white copies. Hard when the file carries no colour
 * at all (uncorrected colourfulness at the floor: a greyscale file, or pixels that are all neutral grey -
 * certainly a black-and-white copy, no measuring error possible). Heuristic otherwise: after white balance
 * a copy photographed under coloured light measures grey too, but so might a card printed in one ink
 * colour, so the buyer may upload anyway and the reviewer sees the flag.
 */
export function checkColour(
  m: Pick<ImageMeasurements, 'colourfulness' | 'uncorrectedColourfulness'> &
    Partial<Pick<ImageMeasurements, 'region' | 'frameUncorrectedColourfulness'>>,
  slot: Slot,
  t: Thresholds,
): CheckResult {
  const c = round(m.colourfulness);
  const measured = {
    colourfulness: c,
    uncorrectedColourfulness: round(m.uncorrectedColourfulness),
    measuredOn: measuredOn(m.region),
  };
  if (!ID_SLOTS.includes(slot)) {
    return {
      rule: 'colour',
      hard: false,
      measured,
      threshold: null,
      passed: true,
      message: 'Colour is not required for this document.',
    };
  }
  const threshold = {
    minColourfulness: t.minColourfulness,
    greyscaleAtOrBelow: t.greyscaleColourfulness,
  };
  // hard only when the whole file has no colour: a document region that was found wrongly cannot make it so
  const hard = (m.frameUncorrectedColourfulness ?? m.uncorrectedColourfulness) <= t.greyscaleColourfulness;
  if (!hard && m.colourfulness >= t.minColourfulness) {
    return {
      rule: 'colour',
      hard: false,
      measured,
      threshold,
      passed: true,
      message: `Colour photo (colourfulness ${c}).`,
    };
  }
  return {
    rule: 'colour',
    hard,
    measured,
    threshold,
    passed: false,
    message: hard
      ? `This is a black-and-white image (colourfulness ${round(m.uncorrectedColourfulness)}; a colour photo ` +
        `measures at least ${t.minColourfulness}). Please photograph the original document in colour, not a copy.`
      : `This looks like a black-and-white copy (colourfulness ${c}; we need at least ${t.minColourfulness}). ` +
        'Please photograph the original document in colour, in daylight.',
  };
}

/** The heuristic image rules, in order, for one slot. */
export function checkImageQuality(m: ImageMeasurements, slot: Slot, t: Thresholds): CheckResult[] {
  return [checkSharpness(m, t), checkExposure(m, slot, t), checkGlare(m, slot, t), checkColour(m, slot, t)];
}
