// Card-number incidents (SPEC section 3): an upload in which a full card number could be read. The
// record says which appeal, which slot, when and which detector - never the digits. Recording one also
// queues a SECURITY_INCIDENT e-mail to every active SECURITY or ADMIN user and writes an audit record,
// all in one transaction, so an incident is never recorded without its alerts or the other way round.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Db, Tx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { queueEmail } from '../../platform/email-outbox.ts';
import { type AuditActor, appendAudit, inTransaction } from '../audit/audit.service.ts';

import type { Slot } from '../../platform/slots.ts';
import { isUuid } from '../../platform/ids.ts';

export type IncidentSlot = Slot;

export interface IncidentInput {
  appealId: string;
  slot: IncidentSlot;
  /** e.g. FULL_CARD_NUMBER */
  kind: string;
  /** e.g. ocr, pdf-text */
  detector: string;
  /**
   * small facts about the detection (brand, grouped, confidence). Strings may not contain digits and
   * numbers stay small, so no card number can be smuggled in, whole or in pieces.
   */
  detail?: Record<string, string | number | boolean>;
}

export interface IncidentContext {
  now: Date;
  /** PUBLIC_BASE_URL: the e-mail links to the console's incident list */
  publicBaseUrl: string;
  /** who caused it (the buyer's upload by default) and from where */
  actor?: AuditActor;
  ip?: string | null;
  userAgent?: string | null;
}

const CODE = /^[A-Z0-9_.-]{1,64}$/i;

function checkDetail(detail: IncidentInput['detail']): void {
  for (const [k, v] of Object.entries(detail ?? {})) {
    const ok =
      /^[A-Za-z_]{1,40}$/.test(k) &&
      (typeof v === 'boolean' ||
        (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 100_000) ||
        (typeof v === 'string' && v.length <= 64 && !/\d/.test(v)));
    if (!ok)
      throw new AppError(
        'INTERNAL',
        `Incident detail "${k.slice(0, 40)}" is not allowed (digits or too large)`,
      );
  }
}

/** Writes the incident, its alert e-mails and an audit record (in `db`'s transaction, or a new one). */
export async function recordIncident(
  db: Db | Tx,
  input: IncidentInput,
  ctx: IncidentContext,
): Promise<{ id: string; notified: number }> {
  if (!CODE.test(input.kind) || !CODE.test(input.detector))
    throw new AppError('INTERNAL', 'Incident kind and detector must be short codes');
  checkDetail(input.detail);
  return inTransaction(db, async (tx) => {
    const incident = await tx.securityIncident.create({
      data: {
        appealId: input.appealId,
        slot: input.slot,
        kind: input.kind,
        detector: input.detector,
        createdAt: ctx.now,
        ...(input.detail ? { detail: input.detail as Prisma.InputJsonValue } : {}),
      },
      select: { id: true },
    });
    // raw SQL: Prisma's `has` on enum arrays fails under the PGlite adapter
    const recipients = await tx.$queryRaw<{ email: string; name: string }[]>`
      SELECT email, name FROM staff_users
      WHERE active AND ('SECURITY' = ANY(roles) OR 'ADMIN' = ANY(roles))
      ORDER BY email`;
    for (const r of recipients) {
      await queueEmail(tx, {
        to: r.email,
        locale: 'en',
        appealId: input.appealId,
        message: {
          template: 'SECURITY_INCIDENT',
          staffName: r.name,
          incidentId: incident.id,
          appealId: input.appealId,
          slot: input.slot,
          detectedAt: ctx.now.toISOString(),
          consoleUrl: `${ctx.publicBaseUrl}/console/incidents`,
        },
      });
    }
    await appendAudit(tx, {
      at: ctx.now,
      actor: ctx.actor ?? { type: 'BUYER', id: input.appealId, label: 'buyer' },
      action: 'SECURITY_INCIDENT_RECORDED',
      appealId: input.appealId,
      target: { type: 'security_incident', id: incident.id },
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
      data: { slot: input.slot, kind: input.kind, detector: input.detector, notified: recipients.length },
    });
    return { id: incident.id, notified: recipients.length };
  });
}

export interface IncidentQuery {
  limit: number;
  cursor?: string;
  appealId?: string;
}

/** cursor = base64url("<createdAt ISO>|<id>") of the last item; newest first. */
function decodeCursor(cursor: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(iso ?? '');
  if (Number.isNaN(at.getTime()) || !isUuid(id ?? ''))
    throw new AppError('REQUEST.INVALID', 'The cursor is not valid.', [
      { path: 'cursor', message: 'invalid' },
    ]);
  return { at, id: id! };
}

export async function listIncidents(db: Db, q: IncidentQuery) {
  const c = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await db.securityIncident.findMany({
    where: {
      ...(q.appealId ? { appealId: q.appealId } : {}),
      ...(c ? { OR: [{ createdAt: { lt: c.at } }, { createdAt: c.at, id: { lt: c.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: r.id,
      appealId: r.appealId,
      slot: r.slot,
      kind: r.kind,
      detector: r.detector,
      detail: r.detail ?? null,
      createdAt: r.createdAt.toISOString(),
    })),
    nextCursor:
      rows.length > q.limit && last
        ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url')
        : null,
  };
}
