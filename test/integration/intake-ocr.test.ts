// Document intake with OCR on: the last 4 read from a masked card are recorded (a mismatch is flagged,
// never rejected), and a photo showing a full card number is refused on any image slot, stores nothing
// and leaves a security incident without the digits. Card photos come from test/support/card-images.ts.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { documentStorage } from '../../src/platform/document-storage.ts';
import { makeCardImage, TEST_NUMBERS } from '../support/card-images.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { type Call, openAppeal, upload } from '../support/intake.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;

beforeAll(async () => {
  env = await createTestEnv({ OCR_ENABLED: 'true', OCR_WORKERS: '1' });
  server = await listen(createApp(env.deps));
  call = client(server.url);
});
afterAll(async () => {
  await server?.close();
  await env?.close();
});

/** The synthetic card is a near-white plastic; more contrast makes it pass the exposure rule like a photo. */
async function cardPhoto(opts: Parameters<typeof makeCardImage>[0]): Promise<Buffer> {
  return sharp(await makeCardImage({ noisy: true, details: true, ...opts }))
    .linear(1.3, -40)
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function blobCount(): Promise<number> {
  let n = 0;
  for await (const _ of documentStorage(env.config).blobs.list!()) n += 1;
  return n;
}

function ocrMsLogged(): number[] {
  return env.logLines
    .map((l) => JSON.parse(l) as { msg?: string; ocrMs?: number })
    .filter((l) => l.msg === 'card digits read')
    .map((l) => l.ocrMs!);
}

describe('CARD_FRONT with OCR', () => {
  it('a masked card: the last 4 read are stored and match, no flag', async () => {
    const a = await openAppeal(call);
    const r = await upload(call, a, {
      slot: 'CARD_FRONT',
      file: await cardPhoto({ number: '**** **** **** 4242' }),
      fields: { cardLast4: '4242' },
    });
    expect(r.status).toBe(201);
    expect(r.body.flags).toEqual([]);
    const row = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: r.body.id } });
    expect(row.cardLast4Stated).toBe('4242');
    expect(row.cardLast4Read).toBe('4242');
  });

  it('digits read that differ from the stated last 4 are flagged, not rejected', async () => {
    const a = await openAppeal(call);
    const r = await upload(call, a, {
      slot: 'CARD_FRONT',
      file: await cardPhoto({ number: '**** **** **** 1881' }),
      fields: { cardLast4: '4242' },
    });
    expect(r.status).toBe(201);
    expect(r.body.flags).toEqual(['LAST4_MISMATCH_OCR']);
    const row = await env.deps.prisma.document.findUniqueOrThrow({ where: { id: r.body.id } });
    expect([row.cardLast4Stated, row.cardLast4Read]).toEqual(['4242', '1881']);
  });
});

describe('the full-card-number guard', () => {
  it.each([
    ['CARD_FRONT', 'an unmasked Visa', { number: TEST_NUMBERS.visa }, { cardLast4: '4242' }],
    [
      'ID_FRONT',
      'an unmasked Mastercard rotated 8 degrees',
      { number: TEST_NUMBERS.mastercard, rotate: 8 },
      {},
    ],
    ['BILLING_STATEMENT', 'an unmasked Visa', { number: TEST_NUMBERS.visa }, {}],
  ] as const)(
    '%s with %s: 422, nothing stored, an incident without digits',
    async (slot, _what, card, fields) => {
      const a = await openAppeal(call);
      const blobsBefore = await blobCount();
      const r = await upload(call, a, { slot, file: await cardPhoto(card), fields });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('DOCUMENT.CARD_NUMBER_VISIBLE');
      const guard = r.body.error.details.checks.find((c: { rule: string }) => c.rule === 'card-number');
      expect(guard).toMatchObject({ passed: false, hard: true, measured: { fullNumberDetected: true } });
      expect(await env.deps.prisma.document.count({ where: { appealId: a.appealId } })).toBe(0);
      expect(await blobCount()).toBe(blobsBefore);
      const incidents = await env.deps.prisma.securityIncident.findMany({ where: { appealId: a.appealId } });
      expect(incidents.map((i) => [i.slot, i.kind, i.detector])).toEqual([[slot, 'FULL_CARD_NUMBER', 'ocr']]);
      expect(JSON.stringify(incidents[0]!.detail)).not.toMatch(/\d{5,}/);
      // the security module's alert to SECURITY/ADMIN staff (the seeded first admin) came with it
      const alerts = await env.deps.prisma.outboxMessage.findMany({ where: { topic: 'email.send' } });
      const forThis = alerts.filter((o) => {
        const m = (o.payload as { message: { template: string; appealId?: string } }).message;
        return m.template === 'SECURITY_INCIDENT' && m.appealId === a.appealId;
      });
      expect(forThis).toHaveLength(1);
      const attempts = await env.deps.prisma.uploadAttempt.findMany({ where: { appealId: a.appealId } });
      expect(attempts.map((t) => [t.accepted, t.failedRules])).toEqual([[false, ['card-number']]]);
      // neither the answer nor any log line carries the number
      const digits = card.number.replace(/\D/g, '');
      expect(r.text.includes(digits) || r.text.includes(card.number)).toBe(false);
      expect(env.logLines.some((l) => l.includes(digits) || l.includes(card.number))).toBe(false);
    },
  );

  it('reports the latency OCR adds (logged per upload)', () => {
    const ms = ocrMsLogged();
    // one reading per image upload that reached the guard: 2 accepted cards + 3 refused photos
    expect(ms).toHaveLength(5);
    const sorted = [...ms].sort((x, y) => x - y);
    console.log(
      `OCR ms per upload (queue wait + read; the first includes the worker start): ${ms.join(', ')}; median ${sorted[2]}`,
    );
  });
});
