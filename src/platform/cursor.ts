// Opaque cursors for lists ordered by (createdAt, id): base64url of [ISO instant, id]. A cursor that does
// not decode is the client's bad input (400), never a 500.
import { AppError } from './errors.ts';

export interface TimeIdCursor {
  createdAt: Date;
  id: string;
}

export function encodeTimeIdCursor(r: TimeIdCursor): string {
  return Buffer.from(JSON.stringify([r.createdAt.toISOString(), r.id])).toString('base64url');
}

export function decodeTimeIdCursor(c: string): TimeIdCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw new AppError('REQUEST.INVALID', 'The cursor is not valid.', [
      { path: 'cursor', message: 'invalid' },
    ]);
  }
}
