// What the event loop decides about an upload before it goes to the intake pool: size (from the file
// system), format (magic bytes) and a pixel bomb declared in the header, from the first HEADER_BYTES
// only. Each verdict is the one inspectUpload gives for the whole file (the same rules on the same
// bytes); anything else is left to the pool, which reads the file and decides.
import { open, stat } from 'node:fs/promises';
import {
  type CheckResult,
  checkFormat,
  checkPixels,
  checkSize,
  detectFormat,
  headerDimensions,
  type Inspection,
  type Slot,
} from './checks.rules.ts';
import { HEIC_DECODABLE } from './checks.sharp.ts';
import type { Thresholds } from './checks.thresholds.ts';

/** A JPEG's frame header follows its EXIF and other APP segments (each at most 64 KiB). */
export const HEADER_BYTES = 128 * 1024;

function rejected(format: string | null, checks: CheckResult[]): Inspection {
  return { kind: 'rejected', format, checks, passed: false };
}

/** The rejection inspectUpload would give, decided from the header; null = the pool must look. */
export async function inspectHeader(path: string, slot: Slot, t: Thresholds): Promise<Inspection | null> {
  const { size: bytes } = await stat(path);
  const size = checkSize(bytes, t);
  if (!size.passed) return rejected(null, [size]);
  const head = Buffer.alloc(Math.min(bytes, HEADER_BYTES));
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const detected = detectFormat(head);
  const format = checkFormat(detected, slot, { heicDecodable: HEIC_DECODABLE });
  if (!format.passed) return rejected(detected.format, [size, format]);
  if (detected.format === 'pdf') return null;
  const declared = headerDimensions(head, detected.format);
  if (declared && declared.width * declared.height > t.maxPixels)
    return rejected(detected.format, [size, format, checkPixels(declared.width, declared.height, t)]);
  return null;
}
