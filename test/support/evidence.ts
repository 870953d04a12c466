// Shortcuts for the evidence-pack tests: an APPROVED case whose documents are real encrypted blobs (put in
// the store the way the intake stores them), and a PDF measured with pdfjs (pages, text, where every image
// is drawn) and sharp (the embedded JPEGs themselves).
import sharp from 'sharp';
import type { Deps } from '../../src/platform/deps.ts';
import { loadPdfJs } from '../../src/modules/documents/checks.pdf.ts';
import { documentStorage, putEncrypted } from '../../src/platform/document-storage.ts';
import type { client } from './http.ts';
import { goodImage, statementPdf } from './images.ts';
import { makeStaff, submittedCase, type TestStaff } from './review.ts';

type Call = ReturnType<typeof client>;

export interface DocBytes {
  ID_FRONT?: Buffer;
  CARD_FRONT?: Buffer;
  CARD_BACK?: Buffer;
  /** a PDF (application/pdf) or a list of page images */
  BILLING_STATEMENT?: Buffer | Buffer[];
}

/** Replaces the placeholder rows of markSubmitted with stored, encrypted documents. */
export async function storeDocuments(deps: Deps, appealId: string, bytes: DocBytes = {}): Promise<void> {
  const storage = documentStorage(deps.config);
  const rows = await deps.prisma.document.findMany({ where: { appealId, status: 'ACTIVE' } });
  for (const row of rows) {
    const slot = row.slot as keyof DocBytes;
    const given = bytes[slot] ?? (slot === 'BILLING_STATEMENT' ? statementPdf(2) : await goodImage(slot));
    const list = Array.isArray(given) ? given : [given];
    for (const [i, b] of list.entries()) {
      const pdf = b.subarray(0, 5).toString('latin1') === '%PDF-';
      const blob = await putEncrypted(storage, b);
      const data = {
        blobKey: blob.blobKey,
        wrappedKey: new Uint8Array(blob.wrappedKey),
        keyId: blob.keyId,
        mimeType: pdf ? 'application/pdf' : 'image/jpeg',
        byteSize: b.length,
        pageCount: pdf ? (b.toString('latin1').match(/\/Type \/Page\b/g)?.length ?? 1) : null,
      };
      if (i === 0) await deps.prisma.document.update({ where: { id: row.id }, data });
      else
        await deps.prisma.document.create({
          data: {
            ...data,
            appealId,
            slot: row.slot,
            page: i,
            round: row.round,
            contentHash: `p${i}`,
            checks: [],
          },
        });
    }
  }
}

export interface Team {
  reviewer: TestStaff;
  lead: TestStaff;
  lead2: TestStaff;
}

export async function makeTeam(deps: Deps): Promise<Team> {
  const [reviewer, lead, lead2] = await Promise.all([
    makeStaff(deps, ['REVIEWER'], { name: 'Rita Reviewer', maxOpenCases: 100 }),
    makeStaff(deps, ['LEAD'], { name: 'Lena Lead' }),
    makeStaff(deps, ['LEAD'], { name: 'Otto Second' }),
  ]);
  return { reviewer, lead, lead2 };
}

/** Registers, submits, routes and approves a case (above SECOND_APPROVAL_MINOR: confirmed by lead2). */
export async function approvedCase(
  deps: Deps,
  call: Call,
  team: Team,
  opts: { order?: Record<string, unknown>; docs?: DocBytes } = {},
): Promise<string> {
  const id = await submittedCase(deps, call, opts.order ?? {});
  await storeDocuments(deps, id, opts.docs);
  const a = await deps.prisma.appeal.findUniqueOrThrow({ where: { id } });
  const first = a.assigneeId === team.reviewer.id ? team.reviewer : team.lead;
  const decide = (who: TestStaff) =>
    call('POST', `/api/v1/cases/${id}/decision`, {
      token: who.token,
      body: {
        decision: 'APPROVE',
        reasonCodes: [],
        buyerMessage: 'Thank you',
        internalNote: 'documents match',
      },
    });
  const r = await decide(first);
  if (r.status !== 200) throw new Error(`approve: ${r.status} ${r.text}`);
  if (r.body.status !== 'APPROVED') {
    const s = await decide(team.lead2);
    if (s.status !== 200 || s.body.status !== 'APPROVED') throw new Error(`second: ${s.status} ${s.text}`);
  }
  return id;
}

export interface MeasuredPdf {
  bytes: number;
  pages: number;
  /** text of each page */
  text: string[];
  /** every image drawn: its pixels (pdfjs), its drawn size in points and the DPI that makes */
  images: { page: number; width: number; height: number; drawnW: number; drawnH: number; dpi: number }[];
  /** the embedded JPEG streams as sharp reads them */
  jpegs: { width: number; height: number; format: string }[];
}

function multiply(m: number[], n: number[]): number[] {
  const [a, b, c, d, e, f] = m as [number, number, number, number, number, number];
  const [a2, b2, c2, d2, e2, f2] = n as [number, number, number, number, number, number];
  return [
    a2 * a + b2 * c,
    a2 * b + b2 * d,
    c2 * a + d2 * c,
    c2 * b + d2 * d,
    e2 * a + f2 * c + e,
    e2 * b + f2 * d + f,
  ];
}

/** Measures a PDF: pdfjs for pages, text and image placement; sharp for the embedded JPEGs. */
export async function measurePdf(pdf: Buffer): Promise<MeasuredPdf> {
  const pdfjs = await loadPdfJs();
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), isEvalSupported: false }).promise;
  const OPS = pdfjs.OPS as Record<string, number>;
  const text: string[] = [];
  const images: MeasuredPdf['images'] = [];
  for (let i = 1; i <= doc.numPages; i += 1) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    text.push((content.items as { str?: string }[]).map((x) => x.str ?? '').join(' '));
    const ops = await page.getOperatorList();
    let ctm = [1, 0, 0, 1, 0, 0];
    const stack: number[][] = [];
    ops.fnArray.forEach((fn: number, k: number) => {
      const args = ops.argsArray[k] as unknown[];
      if (fn === OPS.save) stack.push(ctm);
      else if (fn === OPS.restore) ctm = stack.pop() ?? [1, 0, 0, 1, 0, 0];
      else if (fn === OPS.transform) ctm = multiply(ctm, args as number[]);
      else if (fn === OPS.paintImageXObject) {
        const [, w, h] = args as [string, number, number];
        const drawnW = Math.hypot(ctm[0]!, ctm[1]!);
        const drawnH = Math.hypot(ctm[2]!, ctm[3]!);
        images.push({ page: i, width: w, height: h, drawnW, drawnH, dpi: (w * 72) / drawnW });
      }
    });
  }
  await doc.destroy();
  const jpegs: MeasuredPdf['jpegs'] = [];
  let at = 0;
  for (;;) {
    const s = pdf.indexOf('/DCTDecode', at, 'latin1');
    if (s < 0) break;
    const start = pdf.indexOf('stream', s, 'latin1');
    const body = pdf.indexOf(Buffer.from([0xff, 0xd8]), start);
    const end = pdf.indexOf('endstream', body, 'latin1');
    const m = await sharp(pdf.subarray(body, end)).metadata();
    jpegs.push({ width: m.width ?? 0, height: m.height ?? 0, format: m.format ?? '' });
    at = end;
  }
  return { bytes: pdf.length, pages: doc.numPages, text, images, jpegs };
}
