// GET /api/v1/cases/:id/evidence-pack (issue 19 point 7): real Postgres, real encrypted storage, the real
// OCR guard (line reader) over every page, the real audit chain. Each profile's pack is measured with
// pdfjs (pages, text, the size every image is drawn at) and sharp (the embedded JPEGs).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { verifyAuditChain } from '../../src/modules/audit/audit.service.ts';
import { containsFullCardNumber } from '../../src/platform/card-number.ts';
import { PROFILES, PACK_PROFILES } from '../../src/modules/evidence/evidence.profiles.ts';
import { purgeExpiredDocuments } from '../../src/modules/security/retention.service.ts';
import { makeCardImage, TEST_NUMBERS } from '../support/card-images.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { approvedCase, makeTeam, type MeasuredPdf, measurePdf, type Team } from '../support/evidence.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { type Call, openAppeal } from '../support/intake.ts';
import { makeStaff, submittedCase, type TestStaff } from '../support/review.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;
let team: Team;
let finance: TestStaff;
let reviewer2: TestStaff;
let caseId = '';
const ORDER_ID = 'ORD-EVIDENCE-7731';
const REGISTRATION = {
  orderId: ORDER_ID,
  amount: { value: 150_000, currency: 'EUR' },
  card: { brand: 'VISA', last4: '4242', issuerCountry: 'GB' },
  purchaseIp: '203.0.113.47',
  deviceId: 'dev-7f3a-aa01',
  accountId: 'acct-991',
  shippingAddress: {
    name: 'Bea Buyer',
    line1: '1 Harbour Street',
    city: 'Bristol',
    postalCode: 'BS1 4RN',
    country: 'gb',
  },
};

async function getPack(id: string, token: string, profile = 'generic', headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api/v1/cases/${id}/evidence-pack?profile=${profile}`, {
    headers: { authorization: `Bearer ${token}`, 'user-agent': 'evidence-test/1.0', ...headers },
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return {
    res,
    bytes,
    json: res.headers.get('content-type')?.includes('json') ? JSON.parse(bytes.toString()) : null,
  };
}

const packs: Record<string, { bytes: Buffer; m: MeasuredPdf; sha: string | null }> = {};

beforeAll(async () => {
  env = await createTestEnv({ OCR_ENABLED: 'true', OCR_WORKERS: '1' });
  server = await listen(createApp(env.deps));
  call = client(server.url);
  team = await makeTeam(env.deps);
  finance = await makeStaff(env.deps, ['FINANCE'], { name: 'Fay Finance' });
  reviewer2 = await makeStaff(env.deps, ['REVIEWER'], { name: 'Other Reviewer', maxOpenCases: 0 });
  caseId = await approvedCase(env.deps, call, team, { order: REGISTRATION });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await env?.close();
});

describe('registration fields for dispute programmes', () => {
  it('are optional, validated and stored', async () => {
    const order = await env.deps.prisma.blockedOrder.findUniqueOrThrow({ where: { orderId: ORDER_ID } });
    expect(order).toMatchObject({
      purchaseIp: '203.0.113.47',
      deviceId: 'dev-7f3a-aa01',
      accountId: 'acct-991',
    });
    expect(order.shippingAddress).toMatchObject({ line1: '1 Harbour Street', country: 'GB' });
    const base = { token: 'dev-risk-key' };
    const { blockedOrder } = await import('../support/factories.ts');
    const plain = await call('POST', '/api/v1/blocked-orders', { ...base, body: blockedOrder() });
    expect(plain.status).toBe(201);
    const v6 = await call('POST', '/api/v1/blocked-orders', {
      ...base,
      body: blockedOrder({ purchaseIp: '2001:db8::1' }),
    });
    expect(v6.status).toBe(201);
    for (const [bad, path] of [
      [{ purchaseIp: '999.1.1.1' }, 'purchaseIp'],
      [{ purchaseIp: 'localhost' }, 'purchaseIp'],
      [{ deviceId: `dev ${TEST_NUMBERS.visa}` }, 'deviceId'],
      [{ accountId: '' }, 'accountId'],
      [{ shippingAddress: { line1: 'x', city: 'y', country: 'GBR' } }, 'shippingAddress.country'],
      [{ shippingAddress: { line1: 'x', city: 'y', country: 'GB', floor: 3 } }, 'shippingAddress'],
    ] as const) {
      const r = await call('POST', '/api/v1/blocked-orders', { ...base, body: blockedOrder(bad) });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error.code).toBe('REQUEST.INVALID');
      expect(JSON.stringify(r.body.error.details)).toContain(path);
      expect(r.text).not.toContain('4111');
    }
  });
});

describe('the pack per profile', () => {
  it.each(PACK_PROFILES)(
    '%s: fits its size, pages and DPI; every page watermarked',
    async (profile) => {
      const { res, bytes } = await getPack(caseId, team.lead.token, profile);
      expect(res.status, bytes.toString().slice(0, 300)).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-disposition')).toMatch(
        /^attachment; filename="evidence-ORD-EVIDENCE-7731-/,
      );
      expect(res.headers.get('cache-control')).toBe('no-store');
      const m = await measurePdf(bytes);
      packs[profile] = { bytes, m, sha: res.headers.get('x-evidence-pack-sha256') };
      // to look at the packs: EVIDENCE_PACK_SAVE=/some/dir npx vitest run this file
      if (process.env.EVIDENCE_PACK_SAVE)
        writeFileSync(path.join(process.env.EVIDENCE_PACK_SAVE, `pack-${profile}.pdf`), bytes);
      const p = PROFILES[profile];
      expect(m.bytes).toBeLessThanOrEqual(p.maxBytes);
      if (p.maxPages) expect(m.pages).toBeLessThanOrEqual(p.maxPages);
      // 3 photos + a 2-page statement, one picture per page after the cover
      expect(m.images).toHaveLength(5);
      expect(m.pages).toBeGreaterThanOrEqual(6);
      for (const img of m.images) expect(img.dpi).toBeLessThanOrEqual(p.maxDpi + 0.01);
      // sharp reads the same JPEGs pdfjs places
      expect(m.jpegs.map((j) => `${j.format} ${j.width}x${j.height}`).sort()).toEqual(
        m.images.map((i) => `jpeg ${i.width}x${i.height}`).sort(),
      );
      for (const t of m.text) expect(t).toContain('for dispute evidence');
      expect(containsFullCardNumber(m.text.join('\n'))).toBe(false);
    },
    120_000,
  );

  it('the small profiles are squeezed, the generic one keeps more detail', () => {
    const g = packs.generic!.m;
    const amex = packs.amex!.m;
    expect(amex.bytes).toBeLessThan(g.bytes);
    const px = (m: MeasuredPdf) => m.images.reduce((s, i) => s + i.width * i.height, 0);
    expect(px(amex)).toBeLessThanOrEqual(px(g));
    console.log(
      'pack sizes',
      Object.fromEntries(
        Object.entries(packs).map(([k, v]) => [
          k,
          {
            bytes: v.m.bytes,
            pages: v.m.pages,
            maxDpi: Math.max(...v.m.images.map((i) => Math.round(i.dpi))),
          },
        ]),
      ),
    );
  });

  it('the cover: order, amount, card last 4, decision, reviewers, the audit hash, the registration fields', async () => {
    const m = packs.generic!.m;
    const coverPages = m.pages - m.images.length;
    const cover = m.text.slice(0, coverPages).join('\n');
    const rec = await env.deps.prisma.auditLog.findMany({
      where: { appealId: caseId, action: 'DECISION_RECORDED' },
      orderBy: { id: 'desc' },
    });
    const approval = rec.find((r) => (r.data as { status?: string }).status === 'APPROVED')!;
    for (const s of [
      ORDER_ID,
      '1500.00 EUR',
      'VISA ending 4242',
      'APPROVED',
      approval.hash,
      'Rita Reviewer',
      'Otto Second',
      '203.0.113.47',
      'dev-7f3a-aa01',
      'acct-991',
      '1 Harbour Street',
      'SUBMITTED',
    ])
      expect(cover, s).toContain(s);
    // the images come after the cover, one per page
    expect(m.images.map((i) => i.page)).toEqual([1, 2, 3, 4, 5].map((k) => coverPages + k));
  });

  it('is audited: one EVIDENCE_PACK_EXPORTED per pack, with its sha-256; the chain verifies', async () => {
    const rows = await env.deps.prisma.auditLog.findMany({
      where: { appealId: caseId, action: 'EVIDENCE_PACK_EXPORTED' },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => (r.data as { profile: string }).profile)).toEqual([...PACK_PROFILES]);
    expect(rows.map((r) => r.targetId)).toEqual(PACK_PROFILES.map((p) => packs[p]!.sha));
    expect(rows[0]).toMatchObject({ actorId: team.lead.id, userAgent: 'evidence-test/1.0' });
    expect((await verifyAuditChain(env.deps.prisma)).ok).toBe(true);
  });
});

describe('who and when', () => {
  it('FINANCE may; REVIEWER, a buyer and nobody may not', async () => {
    const f = await getPack(caseId, finance.token, 'visa');
    expect(f.res.status).toBe(200);
    for (const who of [team.reviewer.token, reviewer2.token]) {
      const r = await getPack(caseId, who);
      expect(r.res.status).toBe(403);
      expect(r.json.error.code).toBe('AUTH.FORBIDDEN');
    }
    const buyer = await openAppeal(call);
    const b = await getPack(caseId, buyer.token);
    expect(b.res.status).toBe(403);
    const anon = await fetch(`${server.url}/api/v1/cases/${caseId}/evidence-pack`);
    expect(anon.status).toBe(401);
    const bad = await getPack(caseId, team.lead.token, 'discover');
    expect(bad.res.status).toBe(400);
    const missing = await getPack('00000000-0000-4000-8000-000000000000', team.lead.token);
    expect(missing.res.status).toBe(404);
  }, 120_000);

  it('a case not approved: 409 in the SPEC shape, in Chinese too', async () => {
    const open = await submittedCase(env.deps, call);
    const r = await getPack(open, team.lead.token);
    expect(r.res.status).toBe(409);
    expect(r.json.error).toMatchObject({
      code: 'EVIDENCE_PACK.NOT_APPROVED',
      details: { status: 'IN_REVIEW' },
    });
    const zh = await getPack(open, team.lead.token, 'generic', { 'accept-language': 'zh-CN' });
    expect(zh.json.error.message).toBe('只有已批准的申诉才能生成争议证据包。');
    const n = await env.deps.prisma.auditLog.count({
      where: { appealId: open, action: 'EVIDENCE_PACK_EXPORTED' },
    });
    expect(n).toBe(0);
  });

  it('after the retention purge: 410', async () => {
    const id = await approvedCase(env.deps, call, team);
    env.clock.advance((env.config.RETENTION_DAYS + 1) * 86_400_000);
    const purged = await purgeExpiredDocuments(env.deps);
    expect(purged.appeals).toBeGreaterThanOrEqual(1);
    const r = await getPack(id, team.lead.token);
    expect(r.res.status).toBe(410);
    expect(r.json.error.code).toBe('EVIDENCE_PACK.PURGED');
  }, 60_000);
});

describe('card numbers', () => {
  it('a document whose image shows a full card number: refused, an incident, nothing leaks', async () => {
    const card = await makeCardImage({ number: TEST_NUMBERS.visa, details: true });
    const id = await approvedCase(env.deps, call, team, { docs: { CARD_FRONT: card } });
    const r = await getPack(id, team.lead.token, 'generic');
    expect(r.res.status).toBe(422);
    expect(r.json.error).toMatchObject({
      code: 'EVIDENCE_PACK.CARD_NUMBER_VISIBLE',
      details: { slot: 'CARD_FRONT' },
    });
    expect(r.bytes.includes('%PDF')).toBe(false);
    expect(r.bytes.toString()).not.toMatch(/4111/);
    const incidents = await env.deps.prisma.securityIncident.findMany({ where: { appealId: id } });
    expect(incidents.map((i) => [i.kind, i.slot, i.detector])).toEqual([
      ['FULL_CARD_NUMBER', 'CARD_FRONT', 'evidence-pack-ocr'],
    ]);
    const exported = await env.deps.prisma.auditLog.count({
      where: { appealId: id, action: 'EVIDENCE_PACK_EXPORTED' },
    });
    expect(exported).toBe(0);
  }, 120_000);
});
