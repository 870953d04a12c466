// Who and from where, for audit records written by routes: the principal, the client address (req.ip,
// which honours TRUST_PROXY) and the user agent. Never a token: a buyer is identified by the appeal id.
import type { Request } from 'express';
import type { Principal } from '../../platform/principal.ts';
import type { AuditActor } from './audit.service.ts';

export function actorOf(p: Principal | undefined): AuditActor {
  switch (p?.kind) {
    case 'staff':
      return { type: 'STAFF', id: p.userId, label: p.email };
    case 'buyer':
      return { type: 'BUYER', id: p.appealId, label: 'buyer' };
    case 'service':
      return { type: 'SERVICE', id: `risk-key-${p.keyIndex}`, label: 'risk system' };
    case 'provider':
      return { type: 'PROVIDER', id: `provider-key-${p.keyIndex}`, label: 'refund provider' };
    default:
      // the enum has no ANONYMOUS: an unauthenticated caller (e.g. a failed login) is recorded as SYSTEM
      // with this label, and the attempted account goes into `target`
      return { type: 'SYSTEM', id: null, label: 'anonymous' };
  }
}

/** Spread into an AuditEntry: `appendAudit(tx, { ...auditFromRequest(req), at, action, ... })`. */
export function auditFromRequest(req: Request): {
  actor: AuditActor;
  ip: string | null;
  userAgent: string | null;
} {
  return {
    actor: actorOf(req.principal),
    ip: req.ip ?? null,
    userAgent: req.get('user-agent') ?? null,
  };
}

/** Who and from where, as services receive it from their route (optional: jobs and tests pass nothing). */
export type AuditSource = ReturnType<typeof auditFromRequest>;
