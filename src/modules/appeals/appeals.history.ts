// The append-only case history: who, when, from, to, why. Written in the transaction of the change.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Tx } from '../../platform/db.ts';

export type Actor =
  | { type: 'BUYER' }
  | { type: 'STAFF'; id: string }
  | { type: 'SERVICE'; id?: string }
  | { type: 'SYSTEM'; id?: string }
  | { type: 'PROVIDER'; id?: string };

export interface HistoryEntry {
  appealId: string;
  at: Date;
  actor: Actor;
  action: string;
  from?: Prisma.CaseHistoryCreateInput['fromStatus'];
  to?: Prisma.CaseHistoryCreateInput['toStatus'];
  reason?: string;
  data?: Prisma.InputJsonValue;
}

/** The actor's id as stored (null for the buyer and for actors without one). */
export function actorIdOf(actor: Actor): string | null {
  return 'id' in actor ? (actor.id ?? null) : null;
}

export async function recordHistory(tx: Tx, e: HistoryEntry): Promise<void> {
  await tx.caseHistory.create({
    data: {
      appealId: e.appealId,
      at: e.at,
      actorType: e.actor.type,
      actorId: actorIdOf(e.actor),
      action: e.action,
      fromStatus: e.from ?? null,
      toStatus: e.to ?? null,
      reason: e.reason ?? null,
      ...(e.data === undefined ? {} : { data: e.data }),
    },
  });
}

/** recordHistory for several entries, in one statement (in the given order: their ids ascend with it). */
export async function recordHistoryMany(tx: Tx, es: readonly HistoryEntry[]): Promise<void> {
  if (es.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO case_history (appeal_id, at, actor_type, actor_id, action, from_status, to_status, reason, data)
    SELECT appeal_id, at, actor_type, actor_id, action, from_status, to_status, reason, data FROM unnest(
      ${es.map((e) => e.appealId)}::uuid[], ${es.map((e) => e.at.toISOString())}::timestamptz[],
      ${es.map((e) => e.actor.type)}::text[]::"ActorType"[],
      ${es.map((e) => actorIdOf(e.actor))}::text[],
      ${es.map((e) => e.action)}::text[], ${es.map((e) => e.from ?? null)}::text[]::"AppealStatus"[],
      ${es.map((e) => e.to ?? null)}::text[]::"AppealStatus"[], ${es.map((e) => e.reason ?? null)}::text[],
      ${es.map((e) => (e.data === undefined ? null : JSON.stringify(e.data)))}::jsonb[])
      WITH ORDINALITY AS u(appeal_id, at, actor_type, actor_id, action, from_status, to_status, reason, data, n)
    ORDER BY n`;
}
