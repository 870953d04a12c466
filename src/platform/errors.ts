// One error class for the whole code base. Modules throw AppError with a string code; only
// src/http/error-handler.ts turns codes into HTTP statuses (ERROR_STATUS below is that table's data).
// String codes survive process boundaries (queues, logs) where `instanceof` does not.

export const ERROR_STATUS = {
  'REQUEST.INVALID': 400,
  'REQUEST.MALFORMED_JSON': 400,
  'REQUEST.HEADERS_TOO_LARGE': 431,
  'AUTH.REQUIRED': 401,
  'AUTH.INVALID': 401,
  'AUTH.TOKEN_EXPIRED': 401,
  'AUTH.SESSION_EXPIRED': 401,
  'AUTH.FORBIDDEN': 403,
  'AUTH.CSRF': 403,
  'AUTH.LOCKED': 429,
  'AUTH.TOTP_REQUIRED': 401,
  'AUTH.TOTP_INVALID': 401,
  'AUTH.MFA_REQUIRED': 403,
  'AUTH.SIGNATURE_INVALID': 401,
  'TOTP.NOT_PENDING': 409,
  'WEBHOOK.URL_REFUSED': 400,
  'WEBHOOK.LIMIT_REACHED': 409,
  NOT_FOUND: 404,
  'APPEAL.NOT_FOUND': 404,
  'CASE.NOT_FOUND': 404,
  'DOCUMENT.NOT_FOUND': 404,
  'INBOUND.NOT_FOUND': 404,
  'INBOUND.INVALID_TRANSITION': 409,
  'DOCUMENT.PURGED': 410,
  'HANDOFF.NOT_FOUND': 404,
  'HANDOFF.USED': 410,
  'HANDOFF.EXPIRED': 410,
  'DOCUMENT.PREVIEW_UNAVAILABLE': 415,
  'REFUND.NOT_FOUND': 404,
  'WEBHOOK.NOT_FOUND': 404,
  'OUTBOX.NOT_FOUND': 404,
  'OUTBOX.NOT_RETRYABLE': 409,
  'STAFF.NOT_FOUND': 404,
  'PAYMENT_ERROR.NOT_FOUND': 404,
  'ORDER.CONFLICT': 409,
  'STAFF.EMAIL_TAKEN': 409,
  'APPEAL.INVALID_TRANSITION': 409,
  'APPEAL.MISSING_SLOTS': 409,
  'APPEAL.SLOT_NOT_REQUESTED': 409,
  'APPEAL.ID_TYPE_REQUIRED': 409,
  'CASE.NOT_ASSIGNEE': 403,
  'QA.NOT_FOUND': 404,
  'QA.OWN_DECISION': 403,
  'QA.ALREADY_DECIDED': 409,
  'CASE.SECOND_APPROVAL_SAME_PERSON': 409,
  'CASE.SECOND_APPROVAL_REQUIRED': 409,
  'CASE.ALREADY_ASSIGNED': 409,
  'CASE.NOT_ASSIGNED': 409,
  'CASE.ALREADY_DECIDED': 409,
  'CASE.REVIEWER_UNAVAILABLE': 409,
  'CASE.NOT_IN_REVIEW': 409,
  'CASE.UNKNOWN_REASON_CODES': 400,
  'CASE.REASON_REQUIRED': 400,
  'CASE.SLOTS_REQUIRED': 400,
  'CASE.SLOT_NOT_REQUIRED': 400,
  'HOLIDAY.NOT_FOUND': 404,
  'REFUND.INVALID_TRANSITION': 409,
  'REFUND.MISMATCH': 422,
  'IDEMPOTENCY.CONFLICT': 409,
  'UPLOAD.TOO_LARGE': 413,
  'UPLOAD.UNSUPPORTED_TYPE': 415,
  'UPLOAD.INVALID': 400,
  'DOCUMENT.CHECKS_FAILED': 422,
  'DOCUMENT.LAST4_MISMATCH': 422,
  'DOCUMENT.CARD_NUMBER_VISIBLE': 422,
  'DOCUMENT.CVV_VISIBLE': 422,
  'DOCUMENT.TOO_MANY_PAGES': 409,
  'EVIDENCE_PACK.NOT_APPROVED': 409,
  'EVIDENCE_PACK.PURGED': 410,
  'EVIDENCE_PACK.TOO_LARGE': 422,
  'EVIDENCE_PACK.CARD_NUMBER_VISIBLE': 422,
  'EVIDENCE_PACK.GUARD_UNAVAILABLE': 503,
  'VIEW.NOT_FOUND': 404,
  'VIEW.NOT_OWNER': 403,
  'VIEW.SHARE_LEAD_ONLY': 403,
  'VIEW.LIMIT_REACHED': 409,
  RATE_LIMITED: 429,
  'DEPENDENCY.UNAVAILABLE': 503,
  'SERVICE.BUSY': 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export function isAppError(e: unknown): e is AppError {
  return (
    e instanceof Error && typeof (e as AppError).code === 'string' && (e as AppError).code in ERROR_STATUS
  );
}

const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P03',
  'P1001',
  'P1017',
  'P2024',
]);
export function isDependencyDown(err: unknown): boolean {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    const c = cur as {
      code?: string;
      name?: string;
      message?: string;
      cause?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    if (c.code && DOWN_CODES.has(c.code)) return true;
    if (c.name === 'DriverAdapterError' && /connect|terminat|closed|timeout/i.test(c.message ?? ''))
      return true;
    if (
      /Connection is closed|connect ECONNREFUSED|Connection terminated|Server has closed the connection|timeout exceeded when trying to connect|Stream isn't writeable|enableOfflineQueue/i.test(
        c.message ?? '',
      )
    )
      return true;
    // Prisma wraps a driver failure in a known request error (P2010 for raw queries) with the adapter's
    // error under meta rather than as its cause
    cur = c.cause ?? c.meta?.driverAdapterError;
  }
  return false;
}
