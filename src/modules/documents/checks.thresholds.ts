// Default thresholds of the document checker (SPEC section 3, "Image checks"). Administrators may override
// them (Setting table); resolveThresholds() validates such overrides at the edge. The heuristic values
// (sharpness, exposure, glare, colour) come from scripts/calibrate-checks.ts; docs/calibration.md shows the
// measured good/bad groups and the margin each value leaves. They are tied to the normalised measuring
// size in checks.sharp.ts (NORMALISED_LONG_SIDE): change that and every heuristic must be recalibrated.
import { z } from 'zod';

export interface Thresholds {
  /** size: files above this many bytes are rejected (0 bytes always is). */
  maxBytes: number;
  /** pixel bomb: width x height above this, read from the header, is rejected before any decode. */
  maxPixels: number;
  /** PDF statements: at most this many pages. */
  maxPdfPages: number;
  /** resolution of ID and card photos after auto-orientation (an ID-1 card at 300 DPI is 1011 x 638). */
  photoMinLongSide: number;
  photoMinShortSide: number;
  /** resolution of a statement photographed or screenshotted as an image. */
  statementMinLongSide: number;
  /** sharpness: variance of the Laplacian at the normalised size must be at least this. */
  minSharpness: number;
  /** exposure: mean luminance (0-255, Rec. 601 luma) must lie inside [minMeanLuminance, maxMeanLuminance]. */
  minMeanLuminance: number;
  maxMeanLuminance: number;
  /**
   * exposure: a mean above maxMeanLuminance is "too bright" only when the frame's darkest 2% are at least
   * this bright too (washed-out shadows); a clean scan of a white page keeps its black print.
   */
  brightShadowLevel: number;
  /** exposure: standard deviation of luminance (RMS contrast) at least this, else "washed out". */
  minContrast: number;
  /** glare: a pixel whose luminance is at or above this is blown out. */
  blownOutLevel: number;
  /**
   * glare: the share (0-1) of the document covered by specular highlights (blown-out blobs much brighter
   * than the document around them, checks.glare.ts) must stay below this. The name is kept from when it
   * limited all blown-out pixels, so that stored overrides keep working.
   */
  maxBlownOutShare: number;
  /** colour (ID slots): colourfulness (Hasler-Suesstrunk) at least this, else a black-and-white copy. */
  minColourfulness: number;
  /** colour (ID slots): at or below this there is no colour information at all; that failure is hard. */
  greyscaleColourfulness: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 50_000_000,
  maxPdfPages: 20,
  photoMinLongSide: 1000,
  photoMinShortSide: 600,
  statementMinLongSide: 1200,
  minSharpness: 40,
  minMeanLuminance: 55,
  maxMeanLuminance: 215,
  brightShadowLevel: 60,
  minContrast: 32,
  blownOutLevel: 250,
  maxBlownOutShare: 0.1,
  minColourfulness: 10,
  greyscaleColourfulness: 2,
});

const positiveInt = z.number().int().positive();
const byte = z.number().min(0).max(255);

const ThresholdsShape = z
  .object({
    maxBytes: positiveInt,
    maxPixels: positiveInt,
    maxPdfPages: positiveInt,
    photoMinLongSide: positiveInt,
    photoMinShortSide: positiveInt,
    statementMinLongSide: positiveInt,
    minSharpness: z.number().min(0),
    minMeanLuminance: byte,
    maxMeanLuminance: byte,
    brightShadowLevel: byte,
    minContrast: z.number().min(0).max(128),
    blownOutLevel: byte,
    maxBlownOutShare: z.number().min(0).max(1),
    minColourfulness: z.number().min(0),
    greyscaleColourfulness: z.number().min(0),
  })
  .strict();

export const ThresholdsSchema = ThresholdsShape.refine((t) => t.minMeanLuminance < t.maxMeanLuminance, {
  message: 'minMeanLuminance must be below maxMeanLuminance',
})
  .refine((t) => t.greyscaleColourfulness <= t.minColourfulness, {
    message: 'greyscaleColourfulness must not exceed minColourfulness',
  })
  .refine((t) => t.photoMinShortSide <= t.photoMinLongSide, {
    message: 'photoMinShortSide must not exceed photoMinLongSide',
  });

/** Merges administrator overrides (partial, untrusted JSON) over the defaults; throws a ZodError if invalid. */
export function resolveThresholds(overrides: unknown = {}): Thresholds {
  const partial = ThresholdsShape.partial().parse(overrides ?? {});
  return Object.freeze(ThresholdsSchema.parse({ ...DEFAULT_THRESHOLDS, ...partial }));
}
