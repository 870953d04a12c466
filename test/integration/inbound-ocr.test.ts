// The e-mail channel with OCR on: a photo showing a full card number is refused exactly as on the page
// (nothing stored, a security incident without the digits), a card front whose OCR-read last 4 equal
// the order's is filed by itself, and a complete mail earns the one-click "send for review" link.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import { HEIC_DECODABLE } from '../../src/modules/documents/checks.sharp.ts';
import { fixtureResolver, setMailAuthResolver } from '../../src/modules/inbound/inbound.auth.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { startWorkers, type WorkerSet } from '../../workers/main.ts';
import { makeCardImage, TEST_NUMBERS } from '../support/card-images.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { client, listen, type TestServer } from '../support/http.ts';
import { goodImage, statementPdf } from '../support/images.ts';
import { answersTo as answersToOf, sender, until } from '../support/inbound.ts';
import { type Call, openAppeal } from '../support/intake.ts';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../support/smtp.ts';
import { makeTextImage, PASSPORT_PAGE, STATEMENT_PAGE } from '../support/text-images.ts';

// real SMTP round trips, image checks and (here) OCR on a shared 2-core machine: generous per-test limits
vi.setConfig({ testTimeout: 120_000 });
const MAILBOX = 'security@appeal.test';
let env: TestEnv;
let server: TestServer;
let call: Call;
let smtp: TestSmtpServer;
let mailer: Mailer;
let workers: WorkerSet;

beforeAll(async () => {
  setMailAuthResolver(fixtureResolver({}));
  env = await createTestEnv({ SECURITY_MAILBOX: MAILBOX, OCR_ENABLED: 'true', OCR_WORKERS: '1' });
  server = await listen(createApp(env.deps));
  call = client(server.url);
  smtp = await startSmtpServer();
  mailer = createMailer({ ...env.config, SMTP_URL: smtp.url }, env.deps.logger);
  workers = await startWorkers(env.runtime, {
    mailer,
    schedules: false,
    queues: ['inbound', 'email'],
    inboundPort: 0,
  });
}, 60_000);
afterAll(async () => {
  await workers?.close();
  mailer?.close();
  await smtp?.stop();
  await server?.close();
  await env?.close();
  setMailAuthResolver(null);
});

const answersTo = (address: string): ReceivedMail[] => answersToOf(smtp, address);

async function cardPhoto(number: string): Promise<Buffer> {
  return sharp(await makeCardImage({ number, noisy: true, details: true }))
    .linear(1.3, -40)
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function send(from: string, messageId: string, attachments: { filename: string; content: Buffer }[]) {
  await sender(workers.inbound!.port).sendMail({
    from,
    to: MAILBOX,
    subject: 'Verification for Your Order on Alibaba',
    text: 'documents',
    messageId,
    attachments,
  });
  return until('processed', () =>
    env.deps.prisma.inboundMail.findFirst({ where: { messageId, status: 'PROCESSED' } }),
  );
}

describe('e-mail with OCR', () => {
  it('a photo showing a full card number: refused, nothing stored, an incident; the answer says why', async () => {
    const a = await openAppeal(call, {
      buyer: { id: 'full', email: 'full@example.com', name: 'Bea', locale: 'en-GB' },
    });
    const row = await send('full@example.com', '<full-1@client.test>', [
      { filename: 'card_front.jpg', content: await cardPhoto(TEST_NUMBERS.visa) },
    ]);
    expect((row.attachments as { outcome: string; code: string }[])[0]).toMatchObject({
      outcome: 'REFUSED',
      code: 'DOCUMENT.CARD_NUMBER_VISIBLE',
    });
    expect(await env.deps.prisma.document.count({ where: { appealId: a.appealId } })).toBe(0);
    const incidents = await env.deps.prisma.securityIncident.findMany({ where: { appealId: a.appealId } });
    expect(incidents).toHaveLength(1);
    expect(JSON.stringify(incidents)).not.toContain('4111');
    await until('answer', async () => answersTo('full@example.com').length >= 1);
    const text = answersTo('full@example.com')[0]!.parsed.text!;
    expect(text).toContain('card_front.jpg: not accepted. We can read a full card number');
  });

  it('a complete mail: every slot filled, the card front placed by its OCR-read last 4, and the send-for-review link', async () => {
    const a = await openAppeal(call, {
      buyer: { id: 'done', email: 'done@example.com', name: 'Bea', locale: 'en-GB' },
    });
    const session = await call('GET', `/api/v1/appeals/${a.appealId}/session`, { token: a.token });
    const idType = await call('PUT', `/api/v1/appeals/${a.appealId}/id-type`, {
      token: a.token,
      headers: { 'x-csrf-token': session.body.csrfToken },
      body: { idType: 'PASSPORT' },
    });
    expect(idType.status).toBe(200);
    const row = await send('done@example.com', '<done-1@client.test>', [
      { filename: 'passport.jpg', content: await goodImage('ID_FRONT') },
      { filename: 'card_front.jpg', content: await cardPhoto('**** **** **** 4242') },
      { filename: 'card_back.jpg', content: await goodImage('CARD_BACK') },
      { filename: 'bank_statement.pdf', content: statementPdf(1) },
    ]);
    const outcomes = row.attachments as { filename: string; outcome: string; slot: string }[];
    expect(outcomes.map((o) => [o.filename, o.outcome, o.slot])).toEqual([
      ['passport.jpg', 'PLACED', 'ID_FRONT'],
      ['card_front.jpg', 'PLACED', 'CARD_FRONT'],
      ['card_back.jpg', 'PLACED', 'CARD_BACK'],
      ['bank_statement.pdf', 'PLACED', 'BILLING_STATEMENT'],
    ]);
    // e-mail alone never submits
    const view = await call('GET', `/api/v1/appeals/${a.appealId}`, { token: a.token });
    expect(view.body.status).toBe('AWAITING_DOCUMENTS');
    await until('answer', async () => answersTo('done@example.com').length >= 1);
    const text = answersTo('done@example.com')[0]!.parsed.text!;
    const link = /http:\/\/appeal\.test(\/m\/submit\/[^\s]+)/.exec(text)?.[1];
    expect(link).toBeDefined();
    expect(link).not.toContain('apl_');
    const confirm = await call('GET', link!);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('<form method="post"');
    expect((await call('GET', `/api/v1/appeals/${a.appealId}`, { token: a.token })).body.status).toBe(
      'AWAITING_DOCUMENTS',
    );
    const altered = await call('POST', `${link!.slice(0, -2)}xx`);
    expect(altered.status).toBe(404);
    const submitted = await call('POST', link!);
    expect(submitted.status).toBe(200);
    expect((await call('GET', `/api/v1/appeals/${a.appealId}`, { token: a.token })).body.status).toMatch(
      /SUBMITTED|IN_REVIEW/,
    );
    const twice = await call('POST', link!);
    expect(twice.status).toBe(409);
  });

  it('camera-named photos are placed by the words the intake OCR read: MRZ, statement words, the order last 4', async () => {
    const a = await openAppeal(call, {
      buyer: { id: 'cues', email: 'cues@example.com', name: 'Bea', locale: 'en-GB' },
    });
    const row = await send('cues@example.com', '<cues-1@client.test>', [
      { filename: 'IMG_4200.JPG', content: await makeTextImage(PASSPORT_PAGE) },
      { filename: 'IMG_4201.JPG', content: await makeTextImage(STATEMENT_PAGE, 1) },
      { filename: 'IMG_4203.JPG', content: await goodImage('OTHER') },
    ]);
    const outcomes = row.attachments as { filename: string; outcome: string; slot: string; cue: string }[];
    expect(outcomes.slice(0, 2).map((o) => [o.filename, o.outcome, o.slot, o.cue])).toEqual([
      ['IMG_4200.JPG', 'PLACED', 'ID_FRONT', 'ocr:mrz-passport'],
      ['IMG_4201.JPG', 'PLACED', 'BILLING_STATEMENT', 'ocr:statement'],
    ]);
    // a photo with no words of any document: only its shape guessed, left for the buyer
    expect(outcomes[2]).toMatchObject({ filename: 'IMG_4203.JPG', outcome: 'UNSORTED' });
    expect(outcomes[2]!.cue).not.toMatch(/^ocr:/);
    const docs = await env.deps.prisma.document.findMany({
      where: { appealId: a.appealId, status: { in: ['ACTIVE', 'UNSORTED'] } },
      select: { slot: true, status: true, filename: true },
    });
    expect(
      docs
        .filter((d) => d.status === 'ACTIVE')
        .map((d) => d.slot)
        .sort(),
    ).toEqual(['BILLING_STATEMENT', 'ID_FRONT']);
    expect(docs.filter((d) => d.status === 'UNSORTED').map((d) => d.filename)).toEqual(['IMG_4203.JPG']);
    await until('answer', async () => answersTo('cues@example.com').length >= 1);
    const text = answersTo('cues@example.com')[0]!.parsed.text!;
    expect(text).toContain('IMG_4200.JPG: accepted, filed as');
    expect(text).toContain('IMG_4203.JPG: accepted. Please choose');

    // a camera-named card photo (another appeal: the synthetic pictures look alike to the duplicate rule)
    const b = await openAppeal(call, {
      buyer: { id: 'cues2', email: 'cues2@example.com', name: 'Bea', locale: 'en-GB' },
    });
    const card = await sharp(await cardPhoto('**** **** **** 4242'))
      .tint('#3f6fc4') // an unsorted photo is checked by the ID_FRONT rules, colour among them
      .jpeg({ quality: 90 })
      .toBuffer();
    const row2 = await send('cues2@example.com', '<cues-2@client.test>', [
      { filename: 'IMG_4202.JPG', content: card },
    ]);
    expect(row2.attachments).toMatchObject([
      { filename: 'IMG_4202.JPG', outcome: 'PLACED', slot: 'CARD_FRONT', cue: 'ocr:order-last4' },
    ]);
    const front = await env.deps.prisma.document.findFirstOrThrow({
      where: { appealId: b.appealId, status: 'ACTIVE' },
    });
    expect([front.slot, front.cardLast4Read]).toEqual(['CARD_FRONT', '4242']);
  });

  // An iPhone's file as the type sniffer sees it: an ISO-BMFF image whose ftyp brands say heic. libvips'
  // prebuilt HEIF writer has no HEVC encoder (and the machine's `convert` may not be ImageMagick), so the
  // file is sharp's AVIF with its brands renamed: the brand is all the sniffer reads, and where libheif is
  // built with HEIC it still decodes the AV1 item behind the renamed brand.
  async function heicLike(input: Buffer): Promise<Buffer> {
    const b = Buffer.from(await sharp(input).heif({ compression: 'av1', quality: 80 }).toBuffer());
    expect(b.toString('latin1', 4, 8)).toBe('ftyp');
    const end = b.readUInt32BE(0);
    for (let i = 8; i + 4 <= end; i += 4)
      if (b.toString('latin1', i, i + 4) === 'avif') b.write('heic', i, 'latin1');
    expect(b.toString('latin1', 8, 12)).toBe('heic');
    return b;
  }

  it('an HEIC photo is taken exactly as the upload path takes HEIC on this build', async () => {
    const a = await openAppeal(call, {
      buyer: { id: 'heic', email: 'heic@example.com', name: 'Bea', locale: 'en-GB' },
    });
    const heic = await heicLike(await goodImage('OTHER'));
    const row = await send('heic@example.com', '<heic-1@client.test>', [
      { filename: 'IMG_0001.HEIC', content: heic },
    ]);
    const o = (row.attachments as { outcome: string; code?: string }[])[0]!;
    if (HEIC_DECODABLE) expect(o.outcome).toBe('UNSORTED');
    else expect([o.outcome, o.code]).toEqual(['REFUSED', 'UPLOAD.UNSUPPORTED_TYPE']);
    await until('answer', async () => answersTo('heic@example.com').length >= 1);
    expect(answersTo('heic@example.com')[0]!.parsed.text).toContain('IMG_0001.HEIC');
    expect(a.appealId).toBe(row.appealId);
  });
});
