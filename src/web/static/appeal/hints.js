// Cheap checks on the device before upload (issue 20 point 3), the ones the document SDKs run: too dark,
// too small, very blurry. They are HINTS shown next to the file, never the verdict: the upload always
// goes ahead and the server's checks (src/modules/documents/checks*.ts) decide.
// - dark: mean luminance (Rec. 601 luma, 0-255) of a small grey copy below DARK_MEAN (the server's
//   exposure rule refuses below 55 at its own size; the hint is a little stricter only in wording);
// - small: fewer pixels than the server's resolution rule (long/short side, passed in from the page's
//   limits, which carry the default thresholds);
// - blurry: variance of the 4-neighbour Laplacian on a grey copy HINT_SIDE px on the long side below
//   BLUR_VARIANCE. At this small size the variance of a sharp photo is far higher than at the server's
//   1000 px, so the limit only catches a photo that is very blurred.

export const HINT_SIDE = 256;
export const DARK_MEAN = 55;
export const BLUR_VARIANCE = 60;

/** A grey copy (Float32 luma) at most HINT_SIDE on the long side, from any drawable source. */
function grey(source, width, height) {
  const scale = Math.min(1, HINT_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.imageSmoothingQuality = 'high';
  g.drawImage(source, 0, 0, w, h);
  const d = g.getImageData(0, 0, w, h).data;
  const y = new Float32Array(w * h);
  for (let i = 0, p = 0; p < y.length; i += 4, p++) y[p] = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  return { y, w, h };
}

export function meanLuminance({ y }) {
  let s = 0;
  for (const v of y) s += v;
  return y.length ? s / y.length : 0;
}

export function laplacianVariance({ y, w, h }) {
  if (w < 3 || h < 3) return 0;
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let r = 1; r < h - 1; r++)
    for (let c = 1; c < w - 1; c++) {
      const i = r * w + c;
      const l = y[i - 1] + y[i + 1] + y[i - w] + y[i + w] - 4 * y[i];
      sum += l;
      sq += l * l;
      n++;
    }
  const m = sum / n;
  return sq / n - m * m;
}

/**
 * @param {File} file the file to look at (the downscaled one when there is one: cheaper to decode)
 * @param {{minLongSide?: number, minShortSide?: number}} floor the server's resolution rule
 * @param {{width?: number, height?: number}} [size] the photo's size as the buyer chose it, when `file` is
 *   a downscaled copy (a downscale never goes below the floor, but the original's size is the honest one)
 * @returns {Promise<{hints: string[], measured?: {mean:number, sharpness:number, width:number, height:number}}>}
 *   hint keys: 'dark', 'small', 'blurry' (dict keys hint_dark, ...); none when the browser cannot decode it
 */
export async function imageHints(file, floor = {}, size = {}) {
  if (!file.type.startsWith('image/') || typeof createImageBitmap !== 'function') return { hints: [] };
  let bmp;
  try {
    bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return { hints: [] };
  }
  try {
    const copy = grey(bmp, bmp.width, bmp.height);
    const width = size.width ?? bmp.width;
    const height = size.height ?? bmp.height;
    const mean = meanLuminance(copy);
    const sharpness = laplacianVariance(copy);
    const hints = [];
    if (mean < DARK_MEAN) hints.push('dark');
    const long = Math.max(width, height);
    const short = Math.min(width, height);
    if (long < (floor.minLongSide ?? 0) || short < (floor.minShortSide ?? 0)) hints.push('small');
    if (sharpness < BLUR_VARIANCE) hints.push('blurry');
    return { hints, measured: { mean, sharpness, width, height } };
  } catch {
    return { hints: [] };
  } finally {
    bmp.close();
  }
}
