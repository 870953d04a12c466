// Multipart uploads: one file per request, streamed by multer straight to a private temporary file, never
// buffered in memory. Every request gets its own 0700 directory under os.tmpdir()/appeal-uploads, and that
// directory is removed when the response closes, whatever happened: a normal answer, an error, or a
// client that disconnected half-way (multer 2 removes its partial file too; the directory removal is the
// belt to those braces). The original bytes therefore exist only inside this bounded temporary file.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../platform/errors.ts';
import { sendContinue } from './expect-continue.ts';

declare global {
  namespace Express {
    interface Request {
      /** the private temporary directory of this request's upload (removed when the response closes) */
      uploadDir?: string;
    }
  }
}

/** Read at each request (not at import) so a test can point TMPDIR at a private folder. */
export function uploadTmpRoot(): string {
  return path.join(os.tmpdir(), 'appeal-uploads');
}

export interface UploadOptions {
  /** the largest file accepted, in bytes (config.MAX_UPLOAD_BYTES); one byte more answers 413 */
  maxBytes: number;
  /** the form field holding the file */
  field?: string;
}

/**
 * Limits: the file size, exactly one file, at most 10 small fields (1 KB each), 12 parts in all and 50
 * header pairs per part. Busboy stops reading at the first limit, so nothing unbounded is ever held.
 */
export function uploadLimits(maxBytes: number): multer.Options['limits'] {
  return { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12, headerPairs: 50 };
}

/** A request's folder older than this at boot belongs to no live request (requests end within 2 min). */
export const STALE_UPLOAD_MS = 10 * 60_000;

/**
 * At boot: removes request folders left by a process that crashed mid-upload (the raw bytes of a
 * document must not outlive their request). Only folders older than STALE_UPLOAD_MS, so a second API
 * process sharing this temp folder keeps its uploads in flight. Returns how many were removed.
 */
export async function sweepUploadTmp(nowMs = Date.now()): Promise<number> {
  const root = uploadTmpRoot();
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const e of entries) {
    const p = path.join(root, e.name);
    const st = await stat(p).catch(() => null);
    if (!st || nowMs - st.mtimeMs < STALE_UPLOAD_MS) continue;
    await rm(p, { recursive: true, force: true }).catch(() => {});
    removed++;
  }
  return removed;
}

async function removeDir(dir: string | undefined): Promise<void> {
  if (!dir) return;
  await rm(dir, { recursive: true, force: true }).catch(() => {});
}

/** Removes the request's temporary directory now (the route's `finally`); safe to call twice. */
export function removeUpload(req: Request): Promise<void> {
  const dir = req.uploadDir;
  req.uploadDir = undefined;
  return removeDir(dir);
}

/**
 * Parses a multipart/form-data body with one file in `field` into req.file (on disk) and req.body (the
 * text fields). Not multipart: 400. Multer errors (too large, two files, too many fields) go to the error
 * handler, which maps them (413 for the size, 400 otherwise).
 */
export function singleFileUpload(opts: UploadOptions): RequestHandler {
  const field = opts.field ?? 'file';
  const storage = multer.diskStorage({
    destination: (req, _file, cb) => {
      if (!req.uploadDir) cb(new AppError('INTERNAL', 'upload directory missing'), '');
      else cb(null, req.uploadDir);
    },
    // a random name: the client's file name never reaches the file system
    filename: (_req, _file, cb) => cb(null, `${randomBytes(16).toString('hex')}.upload`),
  });
  const parse = multer({ storage, limits: uploadLimits(opts.maxBytes) }).single(field);

  return async (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      next(new AppError('UPLOAD.INVALID', 'Send the document as multipart/form-data with a "file" field.'));
      return;
    }
    try {
      const root = uploadTmpRoot();
      await mkdir(root, { recursive: true, mode: 0o700 });
      const dir = await mkdtemp(path.join(root, 'u-')); // mkdtemp creates it 0700
      req.uploadDir = dir;
      // 'close' fires after the response was sent and also when the client went away mid-upload
      res.once('close', () => void removeDir(dir));
      req.once('close', () => {
        if (!req.complete) void removeDir(dir);
      });
      // A client that went away while the directory was being made: its 'close' events fired before
      // the listeners above existed (seen on Node 24), so nothing else would remove the directory.
      if (req.destroyed || res.destroyed) {
        await removeDir(dir);
        return;
      }
    } catch (e) {
      next(e);
      return;
    }
    // a client that sent Expect: 100-continue sends its file now (src/http/expect-continue.ts)
    sendContinue(req, res);
    parse(req, res, (err?: unknown) => next(err === undefined ? undefined : asUploadError(err)));
  };
}

/**
 * Multer's own errors (limits) keep their type for the error handler; anything else busboy throws while
 * parsing (no boundary, malformed part headers, a body that ends before its closing boundary) is the
 * client's malformed request, not our failure: 400 UPLOAD.INVALID rather than 500.
 */
export function asUploadError(err: unknown): unknown {
  if (err instanceof AppError || (err as { name?: string })?.name === 'MulterError') return err;
  // a file-system failure writing the temporary file (ENOSPC, EACCES) is ours: leave it a 5xx
  if (typeof (err as { syscall?: unknown })?.syscall === 'string') return err;
  return new AppError(
    'UPLOAD.INVALID',
    'The multipart body could not be read; send one well-formed multipart/form-data request.',
  );
}
