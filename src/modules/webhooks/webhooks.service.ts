// Webhook subscriptions of the risk system: register (the secret is returned once), list, remove.
// The secret is kept sealed under the keyring (every delivery must sign with it, so it is encrypted,
// not hashed); a removed subscription is deactivated rather than deleted so deliveries already queued
// can see it is gone and stop. The URL must pass the SSRF rules (webhooks.address.ts) and at most
// MAX_WEBHOOKS subscriptions are active at once.
import { decodeTimeIdCursor, encodeTimeIdCursor } from '../../platform/cursor.ts';
import { randomBytes } from 'node:crypto';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { type AuditActor, appendAudit } from '../audit/audit.service.ts';
import { keyringOf, sealSecret } from '../../platform/crypto.ts';
import { checkWebhookTarget } from './webhooks.address.ts';
import type { TCreateWebhookRequest } from './webhooks.schemas.ts';
import { WEBHOOK_SECRET_PURPOSE } from './webhooks.worker.ts';

type Row = { id: string; url: string; createdAt: Date };
const view = (r: Row) => ({ id: r.id, url: r.url, createdAt: r.createdAt.toISOString() });

export interface AuditContext {
  actor: AuditActor;
  ip: string | null;
  userAgent: string | null;
}

/** Advisory-lock key that serialises registrations, so the cap holds under concurrency. */
const WEBHOOK_CAP_LOCK = 0x77686b73; // "whks"

export async function createWebhook(
  deps: Pick<Deps, 'prisma' | 'clock' | 'config'>,
  input: TCreateWebhookRequest,
  audit: AuditContext,
) {
  await checkWebhookTarget(input.url, deps.config);
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const sealed = sealSecret(secret, keyringOf(deps.config.DOCUMENT_MASTER_KEY), WEBHOOK_SECRET_PURPOSE);
  const row = await deps.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${WEBHOOK_CAP_LOCK}::bigint)`;
    const active = await tx.webhookSubscription.count({ where: { active: true } });
    if (active >= deps.config.MAX_WEBHOOKS)
      throw new AppError(
        'WEBHOOK.LIMIT_REACHED',
        `At most ${deps.config.MAX_WEBHOOKS} webhooks can be registered; remove one first.`,
        { max: deps.config.MAX_WEBHOOKS },
      );
    const created = await tx.webhookSubscription.create({ data: { url: input.url, secret: sealed } });
    await appendAudit(tx, {
      ...audit,
      at: deps.clock.now(),
      action: 'WEBHOOK_REGISTERED',
      target: { type: 'webhook', id: created.id },
      data: { host: new URL(input.url).host },
    });
    return created;
  });
  return { ...view(row), secret };
}

export async function listWebhooks(deps: Pick<Deps, 'prisma'>, q: { limit: number; cursor?: string }) {
  const after = q.cursor ? decodeTimeIdCursor(q.cursor) : null;
  const rows = await deps.prisma.webhookSubscription.findMany({
    where: {
      active: true,
      ...(after
        ? {
            OR: [
              { createdAt: { gt: after.createdAt } },
              { createdAt: after.createdAt, id: { gt: after.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: q.limit + 1,
    select: { id: true, url: true, createdAt: true },
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map(view),
    nextCursor: rows.length > q.limit && last ? encodeTimeIdCursor(last) : null,
  };
}

export async function deleteWebhook(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  id: string,
  audit: AuditContext,
): Promise<void> {
  await deps.prisma.$transaction(async (tx) => {
    const r = await tx.webhookSubscription.updateMany({
      where: { id, active: true },
      data: { active: false },
    });
    if (r.count === 0) throw new AppError('WEBHOOK.NOT_FOUND', 'No such webhook.');
    await appendAudit(tx, {
      ...audit,
      at: deps.clock.now(),
      action: 'WEBHOOK_REMOVED',
      target: { type: 'webhook', id },
    });
  });
}
