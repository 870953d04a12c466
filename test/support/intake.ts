// Shortcuts for document-intake tests: open an appeal through the API, upload a file as multipart.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../src/config.ts';
import { createIntakePool, type IntakePool } from '../../src/modules/documents/documents.intake-pool.ts';
import { checkUpload } from '../../src/modules/documents/documents.intake-task.ts';
import type { client } from './http.ts';
import { blockedOrder, RISK_KEY, tokenFromUrl } from './factories.ts';

export type Call = ReturnType<typeof client>;

export interface OpenedAppeal {
  appealId: string;
  token: string;
  orderId: string;
}

export async function openAppeal(call: Call, over: Record<string, unknown> = {}): Promise<OpenedAppeal> {
  const body = blockedOrder(over);
  const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body });
  if (r.status !== 201) throw new Error(`registration failed: ${r.status} ${r.text}`);
  return { appealId: r.body.appealId, token: tokenFromUrl(r.body.appealUrl), orderId: body.orderId };
}

export interface UploadParts {
  slot?: string;
  file?: Buffer;
  filename?: string;
  contentType?: string;
  fields?: Record<string, string>;
  /** more files in the same request */
  extraFiles?: Buffer[];
}

export function uploadForm(p: UploadParts): FormData {
  const form = new FormData();
  if (p.slot !== undefined) form.append('slot', p.slot);
  for (const [k, v] of Object.entries(p.fields ?? {})) form.append(k, v);
  if (p.file) {
    form.append(
      'file',
      new Blob([new Uint8Array(p.file)], { type: p.contentType ?? 'image/jpeg' }),
      p.filename ?? 'photo.jpg',
    );
  }
  for (const f of p.extraFiles ?? []) form.append('file', new Blob([new Uint8Array(f)]), 'second.jpg');
  return form;
}

export function upload(call: Call, a: OpenedAppeal, p: UploadParts) {
  return call('POST', `/api/v1/appeals/${a.appealId}/documents`, { token: a.token, rawBody: uploadForm(p) });
}

/** Entries left in the uploads' temporary root (none once every request is done). */
export function tmpEntries(root: string): string[] {
  try {
    return readdirSync(root);
  } catch {
    return [];
  }
}

/** Polls until `fn` is true or `ms` have passed; the caller asserts the final state, not the time. */
export async function eventually(fn: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function uploadRoot(tmp: string): string {
  return path.join(tmp, 'appeal-uploads');
}

/**
 * An intake pool running the real task on this thread, every task held until release(): the slow pool a
 * queue fills behind. release() lets every held task and every later one through.
 */
export function heldIntakePool(config: Config): { pool: IntakePool; release: () => void } {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  const pool = createIntakePool(config, {
    execute: async (task) => {
      await held;
      return checkUpload(task);
    },
  });
  return { pool, release: () => release() };
}
