// An ADMIN's password reset: a random temporary password (16 characters from an unambiguous alphabet,
// ~80 bits), set through updateStaff so the same rules apply (hash, lockout cleared, every session of the
// account ended, STAFF_UPDATED audited with the field name only). The password is returned once and
// never logged or stored in clear.
import { randomInt } from 'node:crypto';
import type { Deps } from '../../platform/deps.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { updateStaff } from './staff.service.ts';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function temporaryPassword(length = 16): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  // groups of four are easier to read out and type
  return out.replace(/(.{4})(?=.)/g, '$1-');
}

export async function resetStaffPassword(
  deps: Pick<Deps, 'prisma' | 'clock'>,
  id: string,
  actorId: string,
  source?: AuditSource,
) {
  const password = temporaryPassword();
  const user = await updateStaff(deps, id, { password }, actorId, source);
  return { user, temporaryPassword: password };
}
