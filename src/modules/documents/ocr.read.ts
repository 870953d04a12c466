// One image read for card data, pass by pass: what the OCR worker thread runs (ocr.worker.ts) and what
// the profile (scripts/eval-cards.ts --profile) times. The passes after the first run only while a card
// slot has no verdict, so an image that gives one early pays for one read.
import { normaliseDigits } from '../../platform/card-number.ts';
import { analyseLines, digitLike, type LineAnalysis } from './ocr.analyse.ts';
import {
  decodeImage,
  emptyTimings,
  type GreyImage,
  lightNeutralPlane,
  lineCrop,
  negative,
  type OcrLine,
  type PaddleReader,
  type ReadTimings,
} from './ocr.paddle.ts';

export interface ReadFlags {
  cardFront: boolean;
  cardBack: boolean;
}

/** The passes a read may take, in order; the profile reports time per pass. */
export type PassName = 'decode' | 'upright' | 'neutral' | 'inverted' | 'crop';

export type PassTimings = Partial<Record<PassName, ReadTimings>>;

/** number lines looked at again per read (a card has one) */
const REREAD_LINES = 2;
/**
 * Mean chroma (max - min of R, G, B, 0-255) from which a card front is read in its light-neutral plane
 * too: JPEG noise leaves a grey photo under 3, a card on a coloured table or with coloured artwork is
 * 10-70. Below it the plane is the grey plane again and the pass could only repeat the first.
 */
const NEUTRAL_MIN_CHROMA = 6;

/**
 * A card slot without a verdict: each number line (12+ digits) is read again from its own crop, scaled
 * 2x, then contrast-equalised. A thin OCR-A face on a textured photo loses or swaps digits when the line
 * is read inside the whole card at 960 px, and reads right from its crop. The same rules judge the new
 * reading, so it can only add a refusal the rules would make on any reading.
 */
async function rereadNumberLines(
  reader: PaddleReader,
  image: GreyImage,
  lines: OcrLine[],
  opts: ReadFlags,
  timings: ReadTimings | undefined,
): Promise<LineAnalysis | null> {
  const numberLines = lines
    .filter((l) => digitLike(l.text) && (normaliseDigits(l.digits).match(/\d/g)?.length ?? 0) >= 12)
    .slice(0, REREAD_LINES);
  for (const line of numberLines) {
    for (const variant of ['scaled', 'equalised'] as const) {
      const crop = await lineCrop(image, line, variant);
      const again = analyseLines(await reader.readLines(crop, { timings }), opts);
      if (again.full) return again;
    }
  }
  return null;
}

function timingsFor(passes: PassTimings | undefined, pass: PassName): ReadTimings | undefined {
  if (!passes) return undefined;
  passes[pass] ??= emptyTimings();
  return passes[pass];
}

const cardLike = (a: LineAnalysis) => a.full || a.suspicious || a.last4 !== null;

/** Reads `image` and applies the text rules; `passes`, when given, collects where the time went. */
export async function readCardData(
  reader: PaddleReader,
  image: Buffer,
  opts: ReadFlags,
  passes?: PassTimings,
): Promise<LineAnalysis> {
  const d0 = performance.now();
  const decoded = await decodeImage(image);
  const decodeTimings = timingsFor(passes, 'decode');
  if (decodeTimings) decodeTimings.detMs += performance.now() - d0;
  const grey = decoded.grey;
  const lines = await reader.readLines(grey, { timings: timingsFor(passes, 'upright') });
  let result = analyseLines(lines, opts);
  // A card front that gave nothing card-like is read in its light-neutral plane when it has colour
  // (white or silver digits over a photo or pattern of the same brightness), then as its negative
  // (both polarities).
  if (opts.cardFront && !cardLike(result) && decoded.rgb) {
    const { plane, meanChroma } = lightNeutralPlane(decoded.rgb);
    if (meanChroma >= NEUTRAL_MIN_CHROMA) {
      const neutral = analyseLines(
        await reader.readLines(plane, { timings: timingsFor(passes, 'neutral') }),
        opts,
      );
      if (cardLike(neutral)) result = { ...neutral, cues: result.cues };
    }
  }
  let invertedLines: OcrLine[] = [];
  const invertedGrey = opts.cardFront && !cardLike(result) ? negative(grey) : null;
  if (invertedGrey) {
    invertedLines = await reader.readLines(invertedGrey, { timings: timingsFor(passes, 'inverted') });
    const inverted = analyseLines(invertedLines, opts);
    if (cardLike(inverted)) result = inverted;
  }
  if ((opts.cardFront || opts.cardBack) && !result.full && !result.cvv && result.last4 === null) {
    const crop = timingsFor(passes, 'crop');
    const again =
      (await rereadNumberLines(reader, grey, lines, opts, crop)) ??
      (await rereadNumberLines(reader, grey, invertedLines, opts, crop));
    if (again) result = { ...again, cues: result.cues };
  }
  return result;
}
