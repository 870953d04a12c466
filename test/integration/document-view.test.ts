// GET /api/v1/cases/:id/documents/:docId/image: watermarked views for staff. Real intake (upload through
// the API), real encryption on disk, real audit chain. The watermark is checked in the decoded pixels:
// the added footer strip has its colour, the picture differs from the stored one, and two views at
// different times differ.
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { verifyAuditChain } from '../../src/modules/audit/audit.service.ts';
import { documentStorage, readDecrypted } from '../../src/platform/document-storage.ts';
import {
  FOOTER_RGB,
  footerHeight,
  watermarkLabel,
  footerSvg,
  labelSize,
  watermarkTileSvg,
} from '../../src/modules/documents/documents.view.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage, statementPdf } from '../support/images.ts';
import { type Call, type OpenedAppeal, openAppeal, upload } from '../support/intake.ts';
import { makeStaff, type TestStaff } from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;
let rA: TestStaff; // the assignee
let rB: TestStaff; // another reviewer
let lead: TestStaff;
let finance: TestStaff;
let kase: OpenedAppeal; // submitted, then assigned to rA
let other: OpenedAppeal; // another appeal, one document
const docs: Record<string, string> = {};
let otherDoc = '';

const UA = 'document-view-test/1.0';
const imageUrl = (caseId: string, docId: string, q = '') =>
  `/api/v1/cases/${caseId}/documents/${docId}/image${q}`;
const get = (caseId: string, docId: string, token?: string, q = '') =>
  call('GET', imageUrl(caseId, docId, q), {
    ...(token ? { token } : {}),
    headers: { 'user-agent': UA },
  });

/** GET as bytes (the JSON-first test client would mangle a JPEG). */
async function getBytes(caseId: string, docId: string, token: string, q = '') {
  const res = await fetch(server.url + imageUrl(caseId, docId, q), {
    headers: { authorization: `Bearer ${token}`, 'user-agent': UA },
  });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function stored(docId: string): Promise<Buffer> {
  const row = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: docId } });
  return readDecrypted(documentStorage(env.config), {
    blobKey: row.blobKey!,
    wrappedKey: row.wrappedKey!,
    keyId: row.keyId!,
  });
}

async function views(docId: string) {
  return env.deps.prisma.auditLog.findMany({
    where: { action: 'DOCUMENT_VIEWED', targetId: docId },
    orderBy: { id: 'asc' },
  });
}

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
  [rA, rB, lead, finance] = await Promise.all([
    makeStaff(env.deps, ['REVIEWER'], { name: 'Rita Assignee' }),
    makeStaff(env.deps, ['REVIEWER'], { name: 'Bob Other' }),
    makeStaff(env.deps, ['LEAD'], { name: 'Lee Lead' }),
    makeStaff(env.deps, ['FINANCE'], { name: 'Fay Finance' }),
  ]);
  kase = await openAppeal(call);
  expect(
    (
      await call('PUT', `/api/v1/appeals/${kase.appealId}/id-type`, {
        token: kase.token,
        body: { idType: 'PASSPORT' },
      })
    ).status,
  ).toBe(200);
  for (const slot of ['ID_FRONT', 'CARD_FRONT', 'CARD_BACK'] as const) {
    const r = await upload(call, kase, {
      slot,
      file: await goodImage(slot),
      ...(slot === 'CARD_FRONT' ? { fields: { cardLast4: '4242' } } : {}),
    });
    expect(r.status, r.text).toBe(201);
    docs[slot] = r.body.id;
  }
  const pdf = await upload(call, kase, {
    slot: 'BILLING_STATEMENT',
    file: statementPdf(2),
    filename: 'statement.pdf',
    contentType: 'application/pdf',
  });
  expect(pdf.status, pdf.text).toBe(201);
  docs.BILLING_STATEMENT = pdf.body.id;
  const sub = await call('POST', `/api/v1/appeals/${kase.appealId}/submit`, { token: kase.token });
  expect(sub.status, sub.text).toBe(200);

  other = await openAppeal(call);
  const o = await upload(call, other, { slot: 'ID_FRONT', file: await goodImage('OTHER') });
  expect(o.status, o.text).toBe(201);
  otherDoc = o.body.id;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await env?.close();
});

describe('the watermark overlay (pure)', () => {
  it('names the viewer and the instant, escaped for SVG', () => {
    const label = watermarkLabel(
      { name: 'Zoë <O’Hara> & co', email: 'z@staff.test' },
      new Date('2026-03-04T10:11:12.345Z'),
    );
    expect(label).toBe('Zoë <O’Hara> & co <z@staff.test> · 2026-03-04T10:11:12.345Z');
    const escaped = 'Zoë &lt;O’Hara&gt; &amp; co &lt;z@staff.test&gt; · 2026-03-04T10:11:12.345Z';
    const size = labelSize(1600, 1035, label);
    const tile = watermarkTileSvg(label, size);
    const strip = footerSvg(1600, footerHeight(1600, 1035), label);
    for (const svg of [tile, strip]) {
      expect(svg).toContain(escaped);
      expect(svg).not.toContain('<O’Hara>');
    }
    // the tile holds parallel copies of the label (and their parts from neighbouring tiles); the strip once
    expect(tile.match(/<text /g)!.length).toBeGreaterThanOrEqual(5);
    expect(strip.match(/<text /g)).toHaveLength(1);
    // one rotated tile fits inside the picture, so libvips can repeat it
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(tile)!.map(Number);
    expect([w! <= 1600, h! <= 1035, size >= 14]).toEqual([true, true, true]);
    expect(footerHeight(1600, 1035)).toBe(47);
    expect(footerHeight(300, 200)).toBe(28);
  });
});

describe('GET /api/v1/cases/:id/documents/:docId/image', () => {
  it('a reviewer of the pool sees the case and its images; once assigned to another, neither', async () => {
    // SUBMITTED and unassigned: the pool, visible to every reviewer
    for (const who of [rA, rB, lead]) {
      expect((await call('GET', `/api/v1/cases/${kase.appealId}`, { token: who.token })).status).toBe(200);
      expect((await get(kase.appealId, docs.ID_FRONT!, who.token)).status).toBe(200);
    }
    const asg = await call('POST', `/api/v1/cases/${kase.appealId}/assign`, {
      token: lead.token,
      body: { reviewerId: rA.id },
    });
    expect(asg.status, asg.text).toBe(200);
    // the image endpoint answers exactly what the case endpoint answers, viewer by viewer
    const seen: Record<string, [number, number]> = {};
    for (const [n, who] of Object.entries({ rA, rB, lead })) {
      const c = await call('GET', `/api/v1/cases/${kase.appealId}`, { token: who.token });
      const i = await get(kase.appealId, docs.ID_FRONT!, who.token);
      seen[n] = [c.status, i.status];
      if (i.status === 404) expect(i.body.error.code).toBe('CASE.NOT_FOUND');
    }
    expect(seen).toEqual({ rA: [200, 200], rB: [404, 404], lead: [200, 200] });
  });

  it('serves a watermarked JPEG: the stored picture plus a footer strip, with no-store and inline', async () => {
    const original = await stored(docs.ID_FRONT!);
    const om = await sharp(original).metadata();
    const before = (await views(docs.ID_FRONT!)).length;
    const { res, bytes } = await getBytes(kase.appealId, docs.ID_FRONT!, rA.token, '?download=1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-disposition')).toBe('inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(bytes.equals(original)).toBe(false);

    const m = await sharp(bytes).metadata();
    const footer = footerHeight(om.width!, om.height!);
    expect([m.format, m.width, m.height]).toEqual(['jpeg', om.width, om.height! + footer]);

    // the footer's left margin (no text there) is the strip colour
    const { data: strip, info } = await sharp(bytes)
      .extract({ left: 0, top: om.height! + 2, width: Math.floor(footer * 0.3), height: footer - 4 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const mean = [0, 1, 2].map(
      (ch) =>
        strip.filter((_v, i) => i % info.channels === ch).reduce((a, v) => a + v, 0) / (strip.length / 3),
    );
    expect(mean.map((v, i) => Math.abs(v - [FOOTER_RGB.r, FOOTER_RGB.g, FOOTER_RGB.b][i]!) < 6)).toEqual([
      true,
      true,
      true,
    ]);
    // the footer carries white text
    const footText = await sharp(bytes)
      .extract({ left: 0, top: om.height!, width: om.width!, height: footer })
      .greyscale()
      .raw()
      .toBuffer();
    const bright = footText.filter((v) => v > 200).length;
    expect(bright / footText.length).toBeGreaterThan(0.01);

    // the picture is the stored one under a tiled overlay: strong changes (text strokes) in every
    // quarter, while a plain re-encode of the stored image changes almost nothing by that measure
    const grey = (img: Buffer) =>
      sharp(img)
        .extract({ left: 0, top: 0, width: om.width!, height: om.height! })
        .greyscale()
        .raw()
        .toBuffer();
    const orig = await grey(original);
    const marked = (other: Buffer, q?: number) => {
      let n = 0;
      let total = 0;
      for (let i = 0; i < orig.length; i += 1) {
        const x = i % om.width!;
        const y = Math.floor(i / om.width!);
        const quarter = (y < om.height! / 2 ? 0 : 2) + (x < om.width! / 2 ? 0 : 1);
        if (q !== undefined && quarter !== q) continue;
        total += 1;
        if (Math.abs(other[i]! - orig[i]!) > 40) n += 1;
      }
      return n / total;
    };
    const served = await grey(bytes);
    const reencode = await grey(await sharp(original).jpeg({ quality: 85, mozjpeg: true }).toBuffer());
    const share = marked(served);
    const baseline = marked(reencode);
    console.log(
      `watermark: ${om.width}x${om.height} + ${footer} px footer, ${bytes.length} bytes; ` +
        `${(100 * share).toFixed(2)}% of pixels changed by > 40 grey levels (re-encode alone: ${(100 * baseline).toFixed(3)}%)`,
    );
    expect(baseline).toBeLessThan(0.002);
    expect(share).toBeGreaterThan(0.01);
    // the document stays readable: most of it is untouched by that measure
    expect(share).toBeLessThan(0.4);
    for (let q = 0; q < 4; q += 1) expect(marked(served, q)).toBeGreaterThan(0.005);

    // one audit record for the view, with the viewer, before the bytes were sent
    const rows = await views(docs.ID_FRONT!);
    expect(rows).toHaveLength(before + 1);
    const a = rows.at(-1)!;
    expect({
      actorType: a.actorType,
      actorId: a.actorId,
      actorLabel: a.actorLabel,
      appealId: a.appealId,
      targetType: a.targetType,
      targetId: a.targetId,
      userAgent: a.userAgent,
      at: a.at.toISOString(),
    }).toEqual({
      actorType: 'STAFF',
      actorId: rA.id,
      actorLabel: rA.email,
      appealId: kase.appealId,
      targetType: 'document',
      targetId: docs.ID_FRONT,
      userAgent: UA,
      at: env.clock.now().toISOString(),
    });
    expect(a.ip).toMatch(/127\.0\.0\.1$/);
    expect(a.data).toMatchObject({ slot: 'ID_FRONT', page: 1, mimeType: 'image/jpeg', watermarked: true });
  });

  it('every view is a new record and a new picture (the time is in it)', async () => {
    const before = (await views(docs.CARD_BACK!)).length;
    const one = await getBytes(kase.appealId, docs.CARD_BACK!, lead.token);
    env.clock.advance(61_000);
    const two = await getBytes(kase.appealId, docs.CARD_BACK!, lead.token);
    expect([one.res.status, two.res.status]).toEqual([200, 200]);
    expect(one.bytes.equals(two.bytes)).toBe(false);
    const rows = await views(docs.CARD_BACK!);
    expect(rows.map((r) => r.actorId).slice(before)).toEqual([lead.id, lead.id]);
    expect(rows[before + 1]!.at.getTime() - rows[before]!.at.getTime()).toBe(61_000);
    expect((await verifyAuditChain(env.deps.prisma)).ok).toBe(true);
  });

  it('a second view within a minute is the same rendition from memory, and still audited', async () => {
    env.clock.advance(120_000);
    const before = (await views(docs.ID_FRONT!)).length;
    const one = await getBytes(kase.appealId, docs.ID_FRONT!, lead.token);
    env.clock.advance(20_000);
    const two = await getBytes(kase.appealId, docs.ID_FRONT!, lead.token);
    // another viewer never gets this viewer's rendition
    const other = await getBytes(kase.appealId, docs.ID_FRONT!, rA.token);
    expect([one.res.status, two.res.status, other.res.status]).toEqual([200, 200, 200]);
    expect(one.bytes.equals(two.bytes)).toBe(true);
    expect(one.bytes.equals(other.bytes)).toBe(false);
    const rows = (await views(docs.ID_FRONT!)).slice(before);
    expect(rows.map((r) => [r.actorId, (r.data as { cached: boolean }).cached])).toEqual([
      [lead.id, false],
      [lead.id, true],
      [rA.id, false],
    ]);
  });

  it('?w= renders at the size shown (images and PDF pages), each size its own audited view', async () => {
    const small = await getBytes(kase.appealId, docs.CARD_FRONT!, rA.token, '?w=800');
    const m = await sharp(small.bytes).metadata();
    expect(m.width).toBe(800);
    const pdf = await getBytes(kase.appealId, docs.BILLING_STATEMENT!, rA.token, '?page=2&w=600');
    const pm = await sharp(pdf.bytes).metadata();
    expect(pm.height! - footerHeight(pm.width!, 600)).toBe(600);
    expect((await get(kase.appealId, docs.CARD_FRONT!, rA.token, '?w=5000')).status).toBe(400);
    const last = (await views(docs.CARD_FRONT!)).at(-1)!;
    expect(last.data).toMatchObject({ width: 800 });
  });

  it('a PDF statement is served page by page as a watermarked JPEG, never as the PDF', async () => {
    const p1 = await getBytes(kase.appealId, docs.BILLING_STATEMENT!, rA.token);
    const p2 = await getBytes(kase.appealId, docs.BILLING_STATEMENT!, rA.token, '?page=2');
    expect([p1.res.status, p2.res.status]).toEqual([200, 200]);
    expect(p1.res.headers.get('content-type')).toBe('image/jpeg');
    expect(p1.bytes.includes(Buffer.from('%PDF'))).toBe(false);
    const m = await sharp(p1.bytes).metadata();
    // A4 drawn at 1600 px on the long side, plus the footer
    expect([m.format, m.width, m.height]).toEqual(['jpeg', 1131, 1600 + footerHeight(1131, 1600)]);
    expect(p1.bytes.equals(p2.bytes)).toBe(false);
    const p3 = await get(kase.appealId, docs.BILLING_STATEMENT!, rA.token, '?page=3');
    expect([p3.status, p3.body.error.code, p3.body.error.details]).toEqual([
      404,
      'DOCUMENT.NOT_FOUND',
      { pageCount: 2 },
    ]);
    const rows = await views(docs.BILLING_STATEMENT!);
    // the last two views are this test's (the ?w= test viewed page 2 before)
    expect(rows.slice(-2).map((r) => (r.data as { page: number }).page)).toEqual([1, 2]);
    // an image has one page
    expect((await get(kase.appealId, docs.CARD_FRONT!, rA.token, '?page=2')).status).toBe(404);
  });

  it('refuses other roles, buyers, strangers, unknown and foreign documents - and records nothing', async () => {
    const before = await env.deps.prisma.auditLog.count({ where: { action: 'DOCUMENT_VIEWED' } });
    const d = docs.ID_FRONT!;
    const caseAsBuyer = await call('GET', `/api/v1/cases/${kase.appealId}`, { token: kase.token });
    const cases: [string, Promise<{ status: number; body: any }>, number, string][] = [
      ['no credentials', get(kase.appealId, d), 401, 'AUTH.REQUIRED'],
      ['finance', get(kase.appealId, d, finance.token), 403, 'AUTH.FORBIDDEN'],
      // a buyer is refused like on the case itself (the refusal does not depend on the appeal)
      ['buyer of this appeal', get(kase.appealId, d, kase.token), caseAsBuyer.status, 'AUTH.FORBIDDEN'],
      ['buyer of another appeal', get(kase.appealId, d, other.token), caseAsBuyer.status, 'AUTH.FORBIDDEN'],
      ['other reviewer', get(kase.appealId, d, rB.token), 404, 'CASE.NOT_FOUND'],
      [
        'unknown document',
        get(kase.appealId, '00000000-0000-4000-8000-000000000000', rA.token),
        404,
        'DOCUMENT.NOT_FOUND',
      ],
      ['malformed document id', get(kase.appealId, '..%2F..%2Fetc', rA.token), 404, 'DOCUMENT.NOT_FOUND'],
      ['malformed case id', get("1' OR '1'='1", d, lead.token), 404, 'CASE.NOT_FOUND'],
      ['document of another appeal', get(kase.appealId, otherDoc, rA.token), 404, 'DOCUMENT.NOT_FOUND'],
      [
        'document of another appeal, lead',
        get(kase.appealId, otherDoc, lead.token),
        404,
        'DOCUMENT.NOT_FOUND',
      ],
      ['bad page', get(kase.appealId, d, rA.token, '?page=0'), 400, 'REQUEST.INVALID'],
    ];
    const got = await Promise.all(
      cases.map(async ([n, p]) => [n, (await p).status, (await p).body?.error?.code]),
    );
    expect(got).toEqual(cases.map(([n, , s, c]) => [n, s, c]));
    expect(caseAsBuyer.status).toBe(403);
    expect(await env.deps.prisma.auditLog.count({ where: { action: 'DOCUMENT_VIEWED' } })).toBe(before);
  });

  it('a purged document answers 410 DOCUMENT.PURGED', async () => {
    const purged = await env.deps.prisma.document.create({
      data: {
        appealId: kase.appealId,
        slot: 'CARD_BACK',
        status: 'SUPERSEDED',
        mimeType: 'image/jpeg',
        byteSize: 1000,
        contentHash: 'f'.repeat(64),
        checks: [],
        purgedAt: new Date('2026-01-01T00:00:00Z'),
      },
    });
    const r = await get(kase.appealId, purged.id, rA.token);
    expect([r.status, r.body.error.code, r.body.error.details]).toEqual([
      410,
      'DOCUMENT.PURGED',
      { purgedAt: '2026-01-01T00:00:00.000Z' },
    ]);
    expect(await views(purged.id)).toHaveLength(0);
  });

  it('when the view cannot be audited, no image is sent (503)', async () => {
    const db = new pg.Client({ connectionString: env.dbUrl });
    await db.connect();
    try {
      await db.query(`CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'audit store down'; END $$`);
      await db.query(`CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()`);
      const before = (await views(docs.ID_FRONT!)).length;
      const { res, bytes } = await getBytes(kase.appealId, docs.ID_FRONT!, rA.token);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(bytes.toString('utf8')).error.code).toBe('DEPENDENCY.UNAVAILABLE');
      expect(bytes.includes(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
      expect(await views(docs.ID_FRONT!)).toHaveLength(before);
    } finally {
      await db.query('DROP TRIGGER IF EXISTS test_refuse_audit ON audit_log');
      await db.query('DROP FUNCTION IF EXISTS test_refuse_audit()');
      await db.end();
    }
    expect((await getBytes(kase.appealId, docs.ID_FRONT!, rA.token)).res.status).toBe(200);
  });
});

describe('the appeal view the buyer page reads', () => {
  it('carries the order locale and, after a decision, the reasons with both catalogue texts in order', async () => {
    const before = await call('GET', `/api/v1/appeals/${kase.appealId}`, { token: kase.token });
    expect([before.status, before.body.locale, before.body.decision]).toEqual([200, 'en-GB', null]);
    const catalogue = await env.deps.prisma.reasonCode.findMany({ where: { kind: 'RETRY' } });
    expect(catalogue.length).toBeGreaterThanOrEqual(2);
    // reviewer's order, not the catalogue's, and an unknown code would have been refused
    const chosen = [catalogue[1]!, catalogue[0]!];
    const d = await call('POST', `/api/v1/cases/${kase.appealId}/decision`, {
      token: rA.token,
      body: {
        decision: 'REQUEST_MORE_INFO',
        reasonCodes: chosen.map((c) => c.code),
        slots: ['CARD_BACK'],
        buyerMessage: 'Please cover the CVV.',
      },
    });
    expect(d.status, d.text).toBe(200);
    const after = await call('GET', `/api/v1/appeals/${kase.appealId}`, { token: kase.token });
    expect(after.body.status).toBe('MORE_INFO_REQUESTED');
    expect(after.body.decision.reasons).toEqual(
      chosen.map((c) => ({ code: c.code, buyerText: { en: c.buyerTextEn, zh: c.buyerTextZh } })),
    );
    // internal texts stay internal
    expect(JSON.stringify(after.body)).not.toContain(chosen[0]!.internalText);

    const zh = await openAppeal(call, {
      buyer: { id: 'b-zh', email: 'zh@example.com', name: '韩梅梅', locale: 'zh-CN' },
    });
    expect((await call('GET', `/api/v1/appeals/${zh.appealId}`, { token: zh.token })).body.locale).toBe(
      'zh-CN',
    );
  });
});
