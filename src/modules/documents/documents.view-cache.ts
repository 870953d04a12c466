// A short-lived, per-viewer memory cache of watermarked renditions (issue 13 point 4). Opening a case
// shows each document; zooming, paging back, full screen and side-by-side ask for the same image again.
// Decrypting, decoding, watermarking and encoding a 2400 px JPEG (or drawing a PDF page) each time cost
// seconds under load; the cached copy answers in milliseconds.
//
// What is cached is exactly what was served to that viewer (their name and the first view's instant
// burnt in), keyed by viewer, document, page and rendition size, for VIEW_CACHE_TTL_MS; never shared
// between viewers, never written to disk, bounded in bytes (oldest first out). Every request is still
// audited by the caller (review.documents.ts): the cache saves rendering, not the audit record.
import type { WatermarkedImage } from './documents.view.ts';

export const VIEW_CACHE_TTL_MS = 60_000;
export const VIEW_CACHE_MAX_BYTES = 96 * 1024 * 1024;

interface Entry {
  image: WatermarkedImage;
  expiresAt: number;
}

export interface ViewCache {
  get(key: string, now: number): WatermarkedImage | null;
  set(key: string, image: WatermarkedImage, now: number): void;
  /** drops everything of one document (purged, replaced) */
  forgetDocument(docId: string): void;
  clear(): void;
  readonly bytes: number;
}

export function viewCacheKey(viewerId: string, docId: string, page: number, width: number): string {
  return `${viewerId}|${docId}|${page}|${width}`;
}

export function createViewCache(opts: { ttlMs?: number; maxBytes?: number } = {}): ViewCache {
  const ttl = opts.ttlMs ?? VIEW_CACHE_TTL_MS;
  const max = opts.maxBytes ?? VIEW_CACHE_MAX_BYTES;
  // a Map iterates in insertion order: the first entry is the oldest
  const entries = new Map<string, Entry>();
  let bytes = 0;
  const drop = (key: string) => {
    const e = entries.get(key);
    if (!e) return;
    bytes -= e.image.jpeg.length;
    entries.delete(key);
  };
  return {
    get(key, now) {
      const e = entries.get(key);
      if (!e) return null;
      if (e.expiresAt <= now) {
        drop(key);
        return null;
      }
      return e.image;
    },
    set(key, image, now) {
      if (image.jpeg.length > max) return;
      drop(key);
      for (const [k, e] of entries) {
        if (bytes + image.jpeg.length <= max && e.expiresAt > now) break;
        drop(k);
      }
      entries.set(key, { image, expiresAt: now + ttl });
      bytes += image.jpeg.length;
    },
    forgetDocument(docId) {
      for (const k of [...entries.keys()]) if (k.split('|')[1]?.startsWith(docId)) drop(k);
    },
    clear() {
      entries.clear();
      bytes = 0;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** The process's cache (the API process serves the images). */
export const sharedViewCache = createViewCache();
