// Pure rules of staff accounts: login lockout and reviewer availability.

/** Failed logins tolerated before the account locks. */
export const MAX_FAILED_LOGINS = 5;
export const BASE_LOCK_MS = 60_000;
export const MAX_LOCK_MS = 15 * 60_000;

/**
 * After the 5th consecutive failure the account locks for 1 minute, doubling with every further failure
 * (each new failure can only happen after the previous lock ran out) up to 15 minutes. Returns the instant
 * the lock ends, or null while under the limit.
 */
export function lockUntil(failedLogins: number, now: Date): Date | null {
  if (failedLogins < MAX_FAILED_LOGINS) return null;
  const ms = Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** (failedLogins - MAX_FAILED_LOGINS));
  return new Date(now.getTime() + ms);
}

/** Whole seconds until `until` (at least 1), for Retry-After. */
export function retryAfterSeconds(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

/** On leave at `now`: onLeaveUntil set and still in the future. */
export function isOnLeave(onLeaveUntil: Date | null, now: Date): boolean {
  return onLeaveUntil !== null && onLeaveUntil.getTime() > now.getTime();
}
