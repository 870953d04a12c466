// What the auth middleware attaches to a request.
import type { Logger } from 'pino';

export type StaffRole = 'REVIEWER' | 'LEAD' | 'FINANCE' | 'ADMIN' | 'SECURITY';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'service'; keyIndex: number }
  | { kind: 'provider'; keyIndex: number }
  | { kind: 'buyer'; appealId: string; via: 'bearer' | 'cookie' }
  | {
      kind: 'staff';
      userId: string;
      email: string;
      name: string;
      roles: StaffRole[];
      sessionId: string;
      csrfToken: string;
      /** a TOTP second factor is enrolled (every session of the account was opened with a code) */
      totp: boolean;
      via: 'bearer' | 'cookie';
    };

declare global {
  namespace Express {
    interface Request {
      principal: Principal;
      log: Logger;
      id: string | number | object;
      /** the JSON body's bytes, kept only where a signature covers them (app.ts express.json verify) */
      rawBody?: Buffer;
    }
  }
}
