// What happens between the buyer choosing a photo and its upload (issue 20): HEIC honesty, the downscale
// (downscale.js) and the hints (hints.js). Nothing here refuses a file the server could accept: the
// size and type pre-check stays in appeal.js, the verdict is the server's.
import { downscale } from './downscale.js';
import { imageHints } from './hints.js';

/** HEIC/HEIF by type or, when the phone gave no type, by name. */
export function isHeic(f) {
  return /^image\/hei[cf]/i.test(f.type) || (!f.type && /\.(heic|heif)$/i.test(f.name ?? ''));
}

/**
 * The measurement switch: localStorage 'appeal.downscale' = 'off' sends the original, '<px>@<quality>'
 * (e.g. '2400@0.9') another long side and JPEG quality (README figures); null: the server's
 * (limits.captureLongSide / captureQuality).
 */
function measurement() {
  try {
    const v = localStorage.getItem('appeal.downscale');
    if (v === 'off') return { off: true };
    const m = /^(\d{3,4})@(0\.\d+)$/.exec(v ?? '');
    return m ? { maxSide: Number(m[1]), quality: Number(m[2]) } : null;
  } catch {
    return null;
  }
}

/**
 * @param {File} f as chosen
 * @param {{heicDecodable?: boolean, minLongSide?: number, minShortSide?: number, statementMinLongSide?: number,
 *   ocrWidth?: number, ocrMaxHeight?: number, captureLongSide?: number, captureQuality?: number}} limits
 * @param {string} slot
 * @returns {Promise<{file: File|null, heic?: boolean, changed: boolean, before: object, after: object,
 *   hints: Promise<string[]>}>}
 *   file null + heic: a HEIC that neither the server nor this browser can decode
 */
export async function prepare(f, limits, slot) {
  const floor =
    slot === 'BILLING_STATEMENT'
      ? { minLongSide: limits.statementMinLongSide }
      : { minLongSide: limits.minLongSide, minShortSide: limits.minShortSide };
  const ocr = { ocrWidth: limits.ocrWidth, ocrMaxHeight: limits.ocrMaxHeight };
  const heic = isHeic(f) && !limits.heicDecodable;
  // a HEIC with no type: give downscale() the type so it tries to convert
  const typed = heic && !f.type ? new File([f], f.name, { type: 'image/heic' }) : f;
  const m = measurement();
  const d =
    m?.off && !heic
      ? { file: f, changed: false, before: { bytes: f.size }, after: { bytes: f.size } }
      : await downscale(typed, {
          ...floor,
          ...ocr,
          heicDecodable: limits.heicDecodable,
          ...(m?.maxSide
            ? { maxSide: m.maxSide, quality: m.quality }
            : { maxSide: limits.captureLongSide, quality: limits.captureQuality }),
        });
  if (heic && !d.changed) return { ...d, file: null, heic: true, hints: Promise.resolve([]) };
  // the hints are worked out while the photo uploads: they never hold it back (on a slow phone the
  // decode for them is a few hundred ms of the time to the verdict)
  const hints = imageHints(d.file, floor, d.before.width ? d.before : {}).then((h) => h.hints);
  return { ...d, hints };
}
