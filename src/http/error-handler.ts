// The only place that turns errors into HTTP responses: {"error": {"code", "message", "details"}}.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError, ERROR_STATUS, type ErrorCode, isAppError, isDependencyDown } from '../platform/errors.ts';

export function statusFor(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Maps errors from libraries (body parser, multer, zod, database drivers) onto AppError codes. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof ZodError) {
    return new AppError(
      'REQUEST.INVALID',
      'The request is not valid.',
      err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  const e = err as { type?: string; code?: string; status?: number; name?: string; message?: string };
  if (e?.type === 'entity.parse.failed')
    return new AppError('REQUEST.MALFORMED_JSON', 'The body is not valid JSON.');
  if (e?.type === 'entity.too.large')
    return new AppError('UPLOAD.TOO_LARGE', 'The request body is too large.');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return new AppError('REQUEST.INVALID', 'Unsupported body encoding.');
  if (e?.name === 'MulterError') {
    if (e.code === 'LIMIT_FILE_SIZE')
      return new AppError('UPLOAD.TOO_LARGE', 'The file is larger than allowed.');
    return new AppError('UPLOAD.INVALID', `The upload is not valid (${e.code}).`, { multer: e.code });
  }
  if (isDependencyDown(err))
    return new AppError(
      'DEPENDENCY.UNAVAILABLE',
      'A service we depend on is unavailable; try again shortly.',
    );
  return new AppError('INTERNAL', 'Something went wrong on our side.');
}

export { isDependencyDown } from '../platform/errors.ts';

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appErr = toAppError(err);
  const status = statusFor(appErr.code);
  if (status >= 500) req.log?.error({ err, code: appErr.code }, 'request failed');
  else req.log?.info({ code: appErr.code }, 'request rejected');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const retryAfter = (appErr.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (status === 503 && typeof retryAfter === 'number') res.set('Retry-After', String(retryAfter));
  res.status(status).json(errorBody(appErr.code, appErr.message, appErr.details));
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `No route for ${req.method} ${req.path}.`));
};
