// The pages: My Appeal for buyers (/appeal), the staff console (/console, /console/*) and their static
// assets (/static). No build step: plain HTML, CSS and ES modules from src/web/static. Assets are
// referenced with ?v=<hash of their contents> so they can be cached for a long time and still change on
// deploy; the HTML itself is never cached because it carries per-session values (appeal id, CSRF token).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, Router } from 'express';
import { buyerCsrfToken, BUYER_COOKIE } from '../http/auth.ts';
import type { Deps } from '../platform/deps.ts';
import { ALL_SLOTS } from '../modules/appeals/appeals.rules.ts';
import { escapeHtml } from '../platform/html.ts';
import { HEIC_DECODABLE, OCR_MAX_HEIGHT, OCR_WIDTH } from '../modules/documents/checks.sharp.ts';
import { DEFAULT_THRESHOLDS } from '../modules/documents/checks.thresholds.ts';

/**
 * MIME types the page offers in its file pickers and lets through its own pre-check (the server decides
 * from the bytes anyway): HEIC/HEIF only when this server's sharp decodes HEIC (checks.sharp.ts), so the
 * picker never offers what would be refused.
 */
export const IMAGE_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/avif',
  ...(HEIC_DECODABLE ? ['image/heic', 'image/heif'] : []),
];

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const STATIC_DIR = path.join(HERE, 'static');
const PAGES_DIR = path.join(HERE, 'pages');

/** A short hash over every static file (sub-folders included): changes whenever any asset changes. */
export function assetVersion(dir = STATIC_DIR): string {
  const h = createHash('sha256');
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full, `${prefix}${e.name}/`);
      else {
        h.update(`${prefix}${e.name}`);
        h.update(readFileSync(full));
      }
    }
  };
  walk(dir, '');
  return h.digest('hex').slice(0, 12);
}

/** Fills {{name}} placeholders; every value is attribute-escaped (they all land in attributes). */
export function renderPage(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => escapeHtml(values[k] ?? ''));
}

function lang(req: Request): string {
  const header = req.get('accept-language') ?? '';
  return /^zh\b/i.test(header) ? 'zh' : 'en';
}

/** The downscale target My Appeal is given (see `limits` below). */
export const CAPTURE_LONG_SIDE = OCR_WIDTH;
export const CAPTURE_QUALITY = 0.85;

export function webRoutes(deps: Pick<Deps, 'config'>): Router {
  const r = Router();
  const version = assetVersion();
  const appealHtml = readFileSync(path.join(PAGES_DIR, 'appeal.html'), 'utf8');
  const consoleHtml = readFileSync(path.join(PAGES_DIR, 'console.html'), 'utf8');
  // what My Appeal checks before an upload, from the server's own settings (no copies in the page)
  const limits = JSON.stringify({
    maxUploadBytes: deps.config.MAX_UPLOAD_BYTES,
    imageTypes: IMAGE_TYPES,
    heicDecodable: HEIC_DECODABLE,
    // the default resolution rule, for the page's hints and its downscale floor (overrides in the Setting
    // table may differ: the hints are hints, the server's checks decide)
    minLongSide: DEFAULT_THRESHOLDS.photoMinLongSide,
    minShortSide: DEFAULT_THRESHOLDS.photoMinShortSide,
    statementMinLongSide: DEFAULT_THRESHOLDS.statementMinLongSide,
    // the box the server's OCR copy is fitted into: the downscale never goes below it (the card number
    // guard and the last-4 reading must see what they would see in the original)
    ocrWidth: OCR_WIDTH,
    ocrMaxHeight: OCR_MAX_HEIGHT,
    // what the page downscales a larger photo to before upload (issue 20 point 1): no check looks at more
    // than OCR_WIDTH px across (sharpness, exposure, glare and colour are measured at 1000 px, the OCR copy
    // is fitted into OCR_WIDTH x OCR_MAX_HEIGHT, which the floor above keeps for portrait statements), and
    // on a slow 4G upload every 100 KB is about a second. JPEG 0.85: README "Buyer capture" has the sizes,
    // times and the sharpness scores per setting.
    captureLongSide: CAPTURE_LONG_SIDE,
    captureQuality: CAPTURE_QUALITY,
    slots: ALL_SLOTS,
  });

  // the pages ask for /static/x?v=<content hash>: a new deploy means a new URL, so those are immutable.
  // Modules imported by other modules (console/*.js) are asked for without ?v=: they revalidate (ETag).
  r.use('/static', (req, res, next) => {
    res.locals.versioned = typeof req.query.v === 'string';
    next();
  });
  r.use(
    '/static',
    express.static(STATIC_DIR, {
      index: false,
      // a missing asset falls through to the app's 404 handler
      fallthrough: true,
      etag: true,
      setHeaders: (res) => {
        res.setHeader(
          'Cache-Control',
          (res as unknown as { locals: { versioned?: boolean } }).locals.versioned
            ? 'public, max-age=604800, immutable'
            : 'no-cache',
        );
      },
    }),
  );

  r.get('/appeal', (req, res) => {
    // The principal is resolved by authenticate() when this router is mounted after it; otherwise the
    // page falls back to ?id= and GET /api/v1/appeals/:id/session.
    const p = req.principal;
    const buyer = p?.kind === 'buyer' ? p : null;
    const cookie = (req.cookies as Record<string, string> | undefined)?.[BUYER_COOKIE];
    res
      .status(200)
      .set({ 'Cache-Control': 'no-store', 'Content-Type': 'text/html; charset=utf-8' })
      .send(
        renderPage(appealHtml, {
          v: version,
          lang: lang(req),
          appealId: buyer?.appealId ?? '',
          limits,
          csrf: buyer && buyer.via === 'cookie' && cookie ? buyerCsrfToken(cookie) : '',
        }),
      );
  });

  r.get(['/console', '/console/{*rest}'], (req, res) => {
    const p = req.principal;
    const staff = p?.kind === 'staff' && p.via === 'cookie' ? p : null;
    res
      .status(200)
      .set({ 'Cache-Control': 'no-store', 'Content-Type': 'text/html; charset=utf-8' })
      .send(
        renderPage(consoleHtml, {
          v: version,
          lang: lang(req),
          csrf: staff?.csrfToken ?? '',
          user: staff
            ? JSON.stringify({ id: staff.userId, email: staff.email, name: staff.name, roles: staff.roles })
            : '',
        }),
      );
  });
  return r;
}
