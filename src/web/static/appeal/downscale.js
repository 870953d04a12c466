// Downscale a phone photo in the browser before upload (issue 20 point 1). A 12-48 MP camera photo is
// 4-10 MB; the checker needs about 2400 px on the long side, so sending the original costs the buyer on a
// slow connection and gains nothing. Rules:
// - only when the long side is above the target the server publishes (limits.captureLongSide, passed in
//   as maxSide); never below the server's minimum nor below the size of the server's OCR copy (both passed
//   in);
// - createImageBitmap with resize options where the browser honours them, otherwise a stepped canvas
//   (halving, which keeps detail that one big drawImage step loses), never a canvas above 16.7 MP (the
//   canvas limit of iOS Safari: above it the canvas silently draws nothing);
// - EXIF orientation applied (imageOrientation 'from-image'): the JPEG we make carries no EXIF;
// - the result is checked not to be blank (a canvas over the memory budget draws nothing) and not to be
//   larger than the original; in either case, or when the browser cannot decode the file, the original
//   is sent unchanged. The server's checks decide either way.
// A HEIC the server cannot decode is converted whatever its size when this browser can decode it (Safari):
// the buyer gets an accepted photo without knowing what HEIC is. Chrome cannot decode HEIC: the caller
// says so in plain words.

/** iOS Safari's canvas limit (4096 x 4096). */
export const MAX_CANVAS_PIXELS = 16_777_216;

const HEIC = /^image\/hei[cf]/;

/** Width and height as displayed (EXIF orientation applied), or null when the browser cannot decode it. */
function dimensions(file) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => {
      URL.revokeObjectURL(url);
      resolve({ width: img.naturalWidth, height: img.naturalHeight });
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      resolve(null);
    };
    img.src = url;
  });
}

/**
 * The target size: long side maxSide, but never a side below the floor (the resolution rule) nor fewer
 * pixels than the server's OCR copy of the original (fitted inside ocrWidth x ocrMaxHeight); null when no
 * resize is needed.
 */
export function targetSize(width, height, floor = {}, maxSide) {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  if (!maxSide || long <= maxSide) return null;
  const ocr = floor.ocrWidth ? Math.min(floor.ocrWidth / width, floor.ocrMaxHeight / height) : 0;
  const scale = Math.min(
    1,
    Math.max(maxSide / long, (floor.minShortSide ?? 0) / short, (floor.minLongSide ?? 0) / long, ocr),
  );
  if (scale >= 1) return null;
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

function canvas(w, h) {
  if (w * h > MAX_CANVAS_PIXELS) throw new Error('canvas too large');
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c;
}

/** Halving steps from the source to the target, each canvas within MAX_CANVAS_PIXELS. */
function stepped(source, sw, sh, tw, th) {
  let cur = source;
  let w = sw;
  let h = sh;
  while (w > tw || h > th) {
    // half, or less when half would still be too many pixels, never below the target
    let f = Math.min(0.5, Math.sqrt(MAX_CANVAS_PIXELS / (w * h)) * 0.99);
    if (w * f < tw * 1.0001) f = tw / w;
    const nw = Math.max(tw, Math.round(w * f));
    const nh = Math.max(th, Math.round(h * f));
    const c = canvas(nw, nh);
    const g = c.getContext('2d');
    g.imageSmoothingEnabled = true;
    g.imageSmoothingQuality = 'high';
    g.drawImage(cur, 0, 0, nw, nh);
    cur = c;
    w = nw;
    h = nh;
  }
  return cur;
}

/** True when every pixel of a 16 x 16 copy is the same (a canvas that drew nothing). */
function isBlank(c) {
  const probe = canvas(16, 16);
  const g = probe.getContext('2d', { willReadFrequently: true });
  g.drawImage(c, 0, 0, 16, 16);
  const d = g.getImageData(0, 0, 16, 16).data;
  for (let i = 4; i < d.length; i++) if (d[i] !== d[i % 4]) return false;
  return true;
}

function toJpeg(c, quality) {
  return new Promise((resolve) => c.toBlob((b) => resolve(b), 'image/jpeg', quality));
}

function jpegName(name) {
  if (!name) return 'photo.jpg';
  return /\.jpe?g$/i.test(name) ? name : `${name.replace(/\.[^.]+$/, '')}.jpg`;
}

/**
 * @param {File} file
 * @param {{minLongSide?: number, minShortSide?: number, ocrWidth?: number, ocrMaxHeight?: number,
 *   heicDecodable?: boolean, maxSide?: number, quality?: number}} opts
 * @returns {Promise<{file: File, changed: boolean, before: {bytes:number,width?:number,height?:number},
 *   after: {bytes:number,width?:number,height?:number}, reason?: string}>}
 */
export async function downscale(file, opts = {}) {
  const before = { bytes: file.size };
  const same = (reason) => ({ file, changed: false, before, after: before, reason });
  if (!file.type.startsWith('image/') || typeof createImageBitmap !== 'function') return same('type');
  const dims = await dimensions(file);
  if (!dims) return same('undecodable');
  Object.assign(before, dims);
  const convertHeic = HEIC.test(file.type) && !opts.heicDecodable;
  let target = targetSize(dims.width, dims.height, opts, opts.maxSide);
  if (!target && !convertHeic) return same('small');
  target ??= { width: dims.width, height: dims.height };
  try {
    let bmp = await createImageBitmap(file, {
      imageOrientation: 'from-image',
      resizeWidth: target.width,
      resizeHeight: target.height,
      resizeQuality: 'high',
    });
    // a browser that ignores the resize options (or resizes before orienting) hands back another size:
    // decode at full size, oriented, and step down on canvases
    if (bmp.width !== target.width || bmp.height !== target.height) {
      bmp.close();
      bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
    }
    let out;
    if (bmp.width === target.width && bmp.height === target.height) {
      out = canvas(target.width, target.height);
      out.getContext('2d').drawImage(bmp, 0, 0);
    } else out = stepped(bmp, bmp.width, bmp.height, target.width, target.height);
    bmp.close();
    bmp = null;
    if (isBlank(out)) return same('blank');
    const blob = await toJpeg(out, opts.quality ?? 0.9);
    out.width = 0;
    out.height = 0;
    if (!blob || blob.size === 0) return same('blank');
    if (!convertHeic && blob.size >= file.size) return same('larger');
    const made = new File([blob], jpegName(file.name), {
      type: 'image/jpeg',
      lastModified: file.lastModified,
    });
    return {
      file: made,
      changed: true,
      before,
      after: { bytes: made.size, width: target.width, height: target.height },
    };
  } catch {
    return same('failed');
  }
}
