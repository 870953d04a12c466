// PDF statements through the document checker: parsed with pdfjs-dist, never rendered. The PDFs are
// written by test/fixtures/pdf-builder.ts (the encrypted one with real RC4 encryption).
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { inspectUpload } from '../../src/modules/documents/checks.sharp.ts';
import { PDF_FIXTURES } from '../fixtures/make-fixtures.ts';
import { brokenPdf, statementPdf } from '../fixtures/pdf-builder.ts';

const check = (r: { checks: { rule: string }[] }, rule: string) => {
  const c = r.checks.find((x) => x.rule === rule);
  if (!c) throw new Error(`no ${rule} check in ${JSON.stringify(r.checks.map((x) => x.rule))}`);
  return c as { rule: string; passed: boolean; hard: boolean; measured: unknown; message: string };
};

describe('PDF statements', () => {
  it('accepts a valid 2-page statement and keeps its bytes as the stored copy', async () => {
    const pdf = statementPdf({ pages: 2 });
    const r = await inspectUpload({ buffer: pdf }, 'BILLING_STATEMENT');
    expect(r.kind).toBe('pdf');
    expect(r.format).toBe('pdf');
    expect(r.passed).toBe(true);
    expect(r.pageCount).toBe(2);
    expect(r.checks.map((c) => c.rule)).toEqual(['size', 'format', 'integrity', 'pdf']);
    expect(check(r, 'pdf').measured).toEqual({
      pageCount: 2,
      passwordRequired: false,
      encrypted: false,
      hasJavaScript: false,
      hasAttachments: false,
      // the largest page side in points (x UserUnit): an A4 page, far under the A0 limit
      maxPageSidePt: 842,
    });
    expect(r.sanitised?.mimeType).toBe('application/pdf');
    expect(r.sanitised?.bytes.equals(pdf)).toBe(true);
    expect(r.ocrInput).toBeUndefined();
    expect(r.perceptualHash).toBeUndefined();
  });

  it('accepts 20 pages and rejects 21 with the page count in the message', async () => {
    const twenty = await inspectUpload({ buffer: statementPdf({ pages: 20 }) }, 'BILLING_STATEMENT');
    expect(twenty.passed).toBe(true);
    expect(twenty.pageCount).toBe(20);

    const r = await inspectUpload({ buffer: statementPdf({ pages: 21 }) }, 'BILLING_STATEMENT');
    const pdf = check(r, 'pdf');
    expect(pdf.passed).toBe(false);
    expect(pdf.hard).toBe(true);
    expect(pdf.measured).toMatchObject({ pageCount: 21 });
    expect(pdf.message).toContain('21 pages');
    expect(pdf.message).toContain('at most 20');
    expect(r.sanitised).toBeUndefined();
  });

  it('rejects a password-protected (encrypted) PDF', async () => {
    const r = await inspectUpload({ buffer: statementPdf({ userPassword: 'secret' }) }, 'BILLING_STATEMENT');
    const pdf = check(r, 'pdf');
    expect(pdf.passed).toBe(false);
    expect(pdf.hard).toBe(true);
    expect(pdf.measured).toMatchObject({ passwordRequired: true, encrypted: true });
    expect(pdf.message).toMatch(/password/);
    expect(r.passed).toBe(false);
    expect(r.sanitised).toBeUndefined();
  });

  it('accepts an owner-password-only PDF (opens without a password, as many bank statements do)', async () => {
    const r = await inspectUpload({ buffer: statementPdf({ ownerOnly: true }) }, 'BILLING_STATEMENT');
    expect(check(r, 'pdf').measured).toMatchObject({
      passwordRequired: false,
      encrypted: true,
      pageCount: 2,
    });
    expect(r.passed).toBe(true);
  });

  it('rejects PDFs with JavaScript or attached files', async () => {
    const js = await inspectUpload({ buffer: statementPdf({ javascript: true }) }, 'BILLING_STATEMENT');
    expect(check(js, 'pdf').passed).toBe(false);
    expect(check(js, 'pdf').measured).toMatchObject({ hasJavaScript: true, hasAttachments: false });
    expect(check(js, 'pdf').message).toContain('scripts');
    const att = await inspectUpload({ buffer: statementPdf({ attachment: true }) }, 'BILLING_STATEMENT');
    expect(check(att, 'pdf').passed).toBe(false);
    expect(check(att, 'pdf').measured).toMatchObject({ hasJavaScript: false, hasAttachments: true });
    expect(check(att, 'pdf').message).toContain('attached files');
  });

  it('rejects an unparseable PDF as damaged', async () => {
    const r = await inspectUpload({ buffer: brokenPdf() }, 'BILLING_STATEMENT');
    expect(r.kind).toBe('rejected');
    const integrity = check(r, 'integrity');
    expect(integrity.passed).toBe(false);
    expect(integrity.measured).toEqual({ decoded: false, failure: 'corrupt' });
    expect(integrity.message).toContain('PDF');
  });

  it('accepts PDF only for the billing statement, without parsing it', async () => {
    for (const slot of ['ID_FRONT', 'ID_BACK', 'CARD_FRONT', 'CARD_BACK'] as const) {
      const r = await inspectUpload({ buffer: statementPdf() }, slot);
      expect(r.kind).toBe('rejected');
      expect(r.checks.map((c) => c.rule)).toEqual(['size', 'format']);
      expect(check(r, 'format').measured).toEqual({ detected: 'pdf' });
      expect(check(r, 'format').message).toContain('only for the billing statement');
    }
  });

  it('rejects a PDF with junk before %PDF- (how PDF polyglots are built)', async () => {
    const r = await inspectUpload(
      { buffer: Buffer.concat([Buffer.from('GIF89a;junk\n'), statementPdf()]) },
      'BILLING_STATEMENT',
    );
    expect(r.kind).toBe('rejected');
    expect(check(r, 'format').measured).toEqual({ detected: 'gif' });
  });

  it('committed fixture PDFs equal what the builder makes (regenerate: npx tsx test/fixtures/make-fixtures.ts)', async () => {
    for (const [name, make] of Object.entries(PDF_FIXTURES)) {
      const committed = await readFile(new URL(`../fixtures/pdf/${name}`, import.meta.url));
      expect(committed.equals(make()), name).toBe(true);
    }
  });
});
