// One upload's CPU work, run on an intake worker thread (documents.intake-pool.ts): read the file,
// run the checker (decode, measure, encode the sanitised copy and the OCR input), hash and encrypt the
// copy. The main thread then only asks the database, the OCR pool and the blob store.
import { encryptDocument, sha256Hex } from '../../platform/crypto.ts';
import { type Inspection, inspectUpload, type Slot, type Thresholds } from './checks.sharp.ts';

export interface IntakeTask {
  /** the temporary file multer wrote (read here, not on the main thread) */
  path: string;
  slot: Slot;
  thresholds: Thresholds;
  ocrInput: boolean;
  /** the keyring's active key: the copy is encrypted here, under a fresh data key it wraps */
  activeKey: { id: string; key: Uint8Array };
}

/** The encrypted sanitised copy, ready for the blob store. */
export interface SealedCopy {
  blob: Buffer;
  wrappedKey: Buffer;
  keyId: string;
  /** SHA-256 of the plaintext copy */
  contentHash: string;
  byteSize: number;
  mimeType: string;
}

export interface CheckedUpload {
  /** sanitised.bytes is kept only for a PDF (the card-data guard scans it); images carry `sealed` */
  inspection: Inspection;
  sealed?: SealedCopy;
}

export async function checkUpload(task: IntakeTask): Promise<CheckedUpload> {
  const inspection = await inspectUpload({ path: task.path }, task.slot, task.thresholds, {
    ocrInput: task.ocrInput,
  });
  const copy = inspection.sanitised;
  if (!copy) return { inspection };
  const { id, key } = task.activeKey;
  const ring = {
    activeKeyId: id,
    keys: new Map([[id, Buffer.from(key.buffer, key.byteOffset, key.byteLength)]]),
  };
  // Encrypting a copy that a later rule (duplicate, override, card guard) refuses costs a millisecond;
  // a second trip to the pool for accepted uploads would cost more.
  const { blob, wrappedKey, keyId } = encryptDocument(copy.bytes, ring);
  const sealed: SealedCopy = {
    blob,
    wrappedKey,
    keyId,
    contentHash: sha256Hex(copy.bytes),
    byteSize: copy.bytes.length,
    mimeType: copy.mimeType,
  };
  if (inspection.kind !== 'pdf') delete inspection.sanitised;
  return { inspection, sealed };
}

/** Buffers arrive from a thread as plain Uint8Arrays (structured clone): make them Buffers again. */
export function reviveCheckedUpload(r: CheckedUpload): CheckedUpload {
  const buf = (u: Uint8Array) => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));
  const { inspection, sealed } = r;
  if (inspection.sanitised) inspection.sanitised.bytes = buf(inspection.sanitised.bytes);
  if (inspection.ocrInput) inspection.ocrInput = buf(inspection.ocrInput);
  if (sealed) {
    sealed.blob = buf(sealed.blob);
    sealed.wrappedKey = buf(sealed.wrappedKey);
  }
  return r;
}

export default checkUpload;
