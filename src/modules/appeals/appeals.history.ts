// The append-only case history: who, when, from, to, why. Written in the transaction of the change.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Tx } from '../../platform/db.ts';

export type Actor =
  | { type: 'BUYER' }
  | { type: 'STAFF'; id: string }
  | { type: 'SERVICE'; id?: string }
  | { type: 'SYSTEM'; id?: string }
  | { type: 'PROVIDER'; id?: string };

export async function recordHistory(
  tx: Tx,
  e: {
    appealId: string;
    at: Date;
    actor: Actor;
    action: string;
    from?: Prisma.CaseHistoryCreateInput['fromStatus'];
    to?: Prisma.CaseHistoryCreateInput['toStatus'];
    reason?: string;
    data?: Prisma.InputJsonValue;
  },
): Promise<void> {
  await tx.caseHistory.create({
    data: {
      appealId: e.appealId,
      at: e.at,
      actorType: e.actor.type,
      actorId: 'id' in e.actor ? (e.actor.id ?? null) : null,
      action: e.action,
      fromStatus: e.from ?? null,
      toStatus: e.to ?? null,
      reason: e.reason ?? null,
      ...(e.data === undefined ? {} : { data: e.data }),
    },
  });
}
