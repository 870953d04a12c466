import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { newToken, sha256, STAFF_TOKEN_PREFIX } from '../../src/http/auth.ts';
import type { StaffRole } from '../../src/http/types.ts';
import { verifyAuditChain } from '../../src/modules/audit/audit.service.ts';
import { EmailMessageSchema, renderEmail } from '../../src/modules/notifications/notifications.templates.ts';
import { recordIncident } from '../../src/modules/security/incidents.service.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { blockedOrder, RISK_KEY } from '../support/factories.ts';
import { client, listen, type TestServer } from '../support/http.ts';

let env: TestEnv;
let server: TestServer;
let call: ReturnType<typeof client>;
let appealId: string;
const tokens: Record<string, string> = {};

async function staff(roles: StaffRole[], email: string, active = true): Promise<string> {
  const user = await env.deps.prisma.staffUser.create({
    data: { email, name: `Name of ${email}`, passwordHash: 'x', roles: { set: roles }, active },
  });
  const token = newToken(STAFF_TOKEN_PREFIX);
  await env.deps.prisma.staffSession.create({
    data: { id: sha256(token), userId: user.id, csrfToken: 'csrf', expiresAt: new Date(Date.UTC(2100, 0)) },
  });
  return token;
}

const ctx = () => ({ now: env.clock.now(), publicBaseUrl: env.config.PUBLIC_BASE_URL });

beforeAll(async () => {
  env = await createTestEnv();
  server = await listen(createApp(env.deps));
  call = client(server.url);
  const r = await call('POST', '/api/v1/blocked-orders', { token: RISK_KEY, body: blockedOrder() });
  appealId = r.body.appealId;
  tokens.security = await staff(['SECURITY'], 'sec@staff.test');
  tokens.admin2 = await staff(['ADMIN', 'LEAD'], 'admin2@staff.test');
  tokens.reviewer = await staff(['REVIEWER', 'LEAD', 'FINANCE'], 'rev@staff.test');
  await staff(['SECURITY'], 'gone@staff.test', false);
});
afterAll(async () => {
  await server.close();
  await env.close();
});

describe('recordIncident', () => {
  it('writes the incident, an e-mail to each active SECURITY/ADMIN user and an audit record', async () => {
    await env.deps.prisma.outboxMessage.deleteMany();
    const r = await recordIncident(
      env.deps.prisma,
      {
        appealId,
        slot: 'CARD_FRONT',
        kind: 'FULL_CARD_NUMBER',
        detector: 'ocr',
        detail: { confidence: 91.5, grouped: true, brand: 'VISA' },
      },
      { ...ctx(), ip: '198.51.100.4', userAgent: 'phone' },
    );
    expect(r.notified).toBe(3); // the seeded admin, sec@, admin2@ (not the reviewer, not the inactive one)
    const row = await env.deps.prisma.securityIncident.findUniqueOrThrow({ where: { id: r.id } });
    expect(row).toMatchObject({ appealId, slot: 'CARD_FRONT', kind: 'FULL_CARD_NUMBER', detector: 'ocr' });
    expect(row.createdAt.toISOString()).toBe(env.clock.now().toISOString());

    const mails = await env.deps.prisma.outboxMessage.findMany({ where: { topic: 'email.send' } });
    const payloads = mails.map((m) => m.payload as { to: string; message: Record<string, unknown> });
    expect(payloads.map((p) => p.to).sort()).toEqual([
      'admin2@staff.test',
      env.config.ADMIN_EMAIL,
      'sec@staff.test',
    ]);
    for (const p of payloads) {
      expect(p.message).toMatchObject({
        template: 'SECURITY_INCIDENT',
        incidentId: r.id,
        slot: 'CARD_FRONT',
      });
      const msg = EmailMessageSchema.parse(p.message);
      expect(renderEmail(msg, 'en').subject).toContain(r.id);
    }
    const audit = await env.deps.prisma.auditLog.findMany({
      where: { action: 'SECURITY_INCIDENT_RECORDED' },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorType: 'BUYER',
      appealId,
      targetId: r.id,
      ip: '198.51.100.4',
      data: { notified: 3, slot: 'CARD_FRONT' },
    });
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: true });
  });

  it('joins the caller transaction: a rollback leaves no incident, no e-mail, no audit record', async () => {
    const before = {
      i: await env.deps.prisma.securityIncident.count(),
      o: await env.deps.prisma.outboxMessage.count(),
      a: await env.deps.prisma.auditLog.count(),
    };
    await expect(
      env.deps.prisma.$transaction(async (tx) => {
        await recordIncident(
          tx,
          { appealId, slot: 'ID_FRONT', kind: 'FULL_CARD_NUMBER', detector: 'ocr' },
          ctx(),
        );
        throw new Error('upload failed later');
      }),
    ).rejects.toThrow('upload failed later');
    expect({
      i: await env.deps.prisma.securityIncident.count(),
      o: await env.deps.prisma.outboxMessage.count(),
      a: await env.deps.prisma.auditLog.count(),
    }).toEqual(before);
  });

  it('refuses details that could carry digits, writing nothing', async () => {
    const before = await env.deps.prisma.securityIncident.count();
    const bad: Record<string, string | number>[] = [
      { text: '4111 1111 1111 1111' },
      { n: 4111111111111111 },
      { last: '1111' },
    ];
    for (const detail of bad) {
      await expect(
        recordIncident(
          env.deps.prisma,
          { appealId, slot: 'CARD_FRONT', kind: 'K', detector: 'ocr', detail },
          ctx(),
        ),
      ).rejects.toThrow(/not allowed/);
    }
    expect(await env.deps.prisma.securityIncident.count()).toBe(before);
  });
});

describe('GET /api/v1/incidents', () => {
  it('SECURITY and ADMIN page through incidents newest first; others are refused', async () => {
    await env.deps.prisma.securityIncident.deleteMany();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      env.clock.advance(60_000);
      const slot = i % 2 ? 'CARD_BACK' : 'CARD_FRONT';
      ids.push(
        (
          await recordIncident(
            env.deps.prisma,
            { appealId, slot, kind: 'FULL_CARD_NUMBER', detector: 'ocr' },
            ctx(),
          )
        ).id,
      );
    }
    const first = await call('GET', '/api/v1/incidents?limit=2', { token: tokens.security });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body.items.map((x: { id: string }) => x.id)).toEqual([ids[4], ids[3]]);
    expect(first.body.items[0]).toEqual({
      id: ids[4],
      appealId,
      slot: 'CARD_FRONT',
      kind: 'FULL_CARD_NUMBER',
      detector: 'ocr',
      detail: null,
      createdAt: env.clock.now().toISOString(),
    });
    const second = await call('GET', `/api/v1/incidents?limit=2&cursor=${first.body.nextCursor}`, {
      token: tokens.admin2,
    });
    expect(second.body.items.map((x: { id: string }) => x.id)).toEqual([ids[2], ids[1]]);
    const third = await call('GET', `/api/v1/incidents?limit=2&cursor=${second.body.nextCursor}`, {
      token: tokens.security,
    });
    expect(third.body).toMatchObject({ nextCursor: null });
    expect(third.body.items.map((x: { id: string }) => x.id)).toEqual([ids[0]]);

    const other = await call('GET', `/api/v1/incidents?appealId=${randomUUID()}`, { token: tokens.security });
    expect(other.body).toEqual({ items: [], nextCursor: null });
    expect((await call('GET', '/api/v1/incidents?cursor=bm9wZQ', { token: tokens.security })).status).toBe(
      400,
    );
    expect((await call('GET', '/api/v1/incidents', { token: tokens.reviewer })).status).toBe(403);
    expect((await call('GET', '/api/v1/incidents')).status).toBe(401);
    // nothing in the list looks like a card number
    const listed = JSON.stringify([first.body.items, second.body.items, third.body.items])
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '');
    expect(listed).not.toMatch(/\d/);
  });
});
