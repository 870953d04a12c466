// The evidence pack's refusals that need a controlled guard: the guard cannot run (OCR off, OCR down) and
// the documents cannot fit a profile. The OCR pool is the dependency the service takes; here it is a fake
// that answers "no card data" at once (the real guard is exercised in evidence-pack.test.ts).
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { OcrPool } from '../../src/modules/documents/ocr.ts';
import { fitSteps, MIN_DPI, PROFILES } from '../../src/modules/evidence/evidence.profiles.ts';
import { buildEvidencePack } from '../../src/modules/evidence/evidence.service.ts';
import { AppError } from '../../src/platform/errors.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { approvedCase, makeTeam, type Team } from '../support/evidence.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import type { Call } from '../support/intake.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;
let team: Team;

const clean: OcrPool = {
  read: async () => ({
    last4: null,
    fullNumberDetected: false,
    suspiciousDigitRun: false,
    confidence: 90,
    ms: 1,
  }),
  close: async () => {},
  stats: () => ({ busy: 0, queued: 0 }),
};
const down: OcrPool = {
  ...clean,
  read: async () => {
    throw new AppError('DEPENDENCY.UNAVAILABLE', 'OCR down', { reason: 'queue_full' });
  },
};
const source = { actor: { type: 'STAFF' as const, id: null, label: 'test' }, ip: null, userAgent: null };
const viewer = { id: '00000000-0000-4000-8000-000000000001', email: 'lead@staff.test', name: 'Lead' };

/** A portrait page of pure noise: the worst case for JPEG, and as much of an A4 page as it can fill. */
function noise(seed: number): Promise<Buffer> {
  return sharp({
    create: {
      width: 1600,
      height: 2400,
      channels: 3,
      background: { r: 40 + seed, g: 90, b: 160 },
      noise: { type: 'gaussian', mean: 128, sigma: 90 },
    },
  })
    .jpeg({ quality: 95 })
    .toBuffer();
}

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
  team = await makeTeam(env.deps);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await env?.close();
});

describe('fit steps', () => {
  it('start at the profile DPI, fall in quality, then in DPI, down to the floor', () => {
    const s = fitSteps(200);
    expect(s[0]).toEqual({ dpi: 200, quality: 85 });
    expect(s.every((x) => x.dpi <= 200 && x.dpi >= MIN_DPI)).toBe(true);
    for (let i = 1; i < s.length; i += 1) expect(s[i]!.dpi).toBeLessThanOrEqual(s[i - 1]!.dpi);
    expect(s.at(-1)).toEqual({ dpi: MIN_DPI, quality: 40 });
  });
});

describe('refusals', () => {
  it('fails closed when the card-number guard cannot run: OCR off, or OCR down', async () => {
    const id = await approvedCase(env.deps, call, team);
    // the app of this file runs with OCR_ENABLED=false: the route refuses
    const r = await call('GET', `/api/v1/cases/${id}/evidence-pack`, { token: team.lead.token });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('EVIDENCE_PACK.GUARD_UNAVAILABLE');
    await expect(
      buildEvidencePack(
        { ...env.deps, pools: { ...env.deps.pools, ocr: () => down } },
        viewer,
        { caseId: id, profile: 'generic' },
        source,
      ),
    ).rejects.toMatchObject({ code: 'EVIDENCE_PACK.GUARD_UNAVAILABLE' });
    const exported = await env.deps.prisma.auditLog.count({
      where: { appealId: id, action: 'EVIDENCE_PACK_EXPORTED' },
    });
    expect(exported).toBe(0);
    // and with a guard that answers, the same case gives a pack
    const ok = await buildEvidencePack(
      { ...env.deps, pools: { ...env.deps.pools, ocr: () => clean } },
      viewer,
      { caseId: id, profile: 'visa' },
      source,
    );
    expect(ok.pdf.subarray(0, 5).toString()).toBe('%PDF-');
  }, 60_000);

  it('documents that cannot fit 1 MB at the lowest resolution: 422 EVIDENCE_PACK.TOO_LARGE, nothing exported', async () => {
    const pages = await Promise.all(Array.from({ length: 15 }, (_, i) => noise(i)));
    const id = await approvedCase(env.deps, call, team, {
      docs: {
        ID_FRONT: pages[0],
        CARD_FRONT: pages[1],
        CARD_BACK: pages[2],
        BILLING_STATEMENT: pages.slice(3),
      },
    });
    const err = await buildEvidencePack(
      { ...env.deps, pools: { ...env.deps.pools, ocr: () => clean } },
      viewer,
      { caseId: id, profile: 'amex' },
      source,
    ).catch((e) => e);
    expect(err).toMatchObject({
      code: 'EVIDENCE_PACK.TOO_LARGE',
      details: { profile: 'amex', reason: 'size', maxBytes: PROFILES.amex.maxBytes },
    });
    expect(err.details.smallestBytes).toBeGreaterThan(PROFILES.amex.maxBytes);
    const exported = await env.deps.prisma.auditLog.count({
      where: { appealId: id, action: 'EVIDENCE_PACK_EXPORTED' },
    });
    expect(exported).toBe(0);
  }, 120_000);

  it('more pages than Mastercard allows: 422 with reason pages', async () => {
    const page = await sharp({ create: { width: 1200, height: 1700, channels: 3, background: '#f4f4f4' } })
      .jpeg()
      .toBuffer();
    const id = await approvedCase(env.deps, call, team, {
      docs: { BILLING_STATEMENT: Array(16).fill(page) },
    });
    await expect(
      buildEvidencePack(
        { ...env.deps, pools: { ...env.deps.pools, ocr: () => clean } },
        viewer,
        { caseId: id, profile: 'mastercard' },
        source,
      ),
    ).rejects.toMatchObject({ code: 'EVIDENCE_PACK.TOO_LARGE', details: { reason: 'pages', maxPages: 18 } });
  }, 60_000);
});
