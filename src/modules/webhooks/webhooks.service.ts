// Webhook subscriptions of the risk system: register (the secret is returned once), list, remove.
// The secret is kept as is because every delivery must sign with it; a removed subscription is
// deactivated rather than deleted so deliveries already queued can see it is gone and stop.
import { decodeTimeIdCursor, encodeTimeIdCursor } from '../../platform/cursor.ts';
import { randomBytes } from 'node:crypto';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { type AuditActor, appendAudit } from '../audit/audit.service.ts';
import type { TCreateWebhookRequest } from './webhooks.schemas.ts';

type Row = { id: string; url: string; createdAt: Date };
const view = (r: Row) => ({ id: r.id, url: r.url, createdAt: r.createdAt.toISOString() });

export interface AuditContext {
  actor: AuditActor;
  ip: string | null;
  userAgent: string | null;
}

export async function createWebhook(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  input: TCreateWebhookRequest,
  audit: AuditContext,
) {
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const row = await deps.prisma.$transaction(async (tx) => {
    const created = await tx.webhookSubscription.create({ data: { url: input.url, secret } });
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
