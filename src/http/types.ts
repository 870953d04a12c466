// What the auth middleware attaches to a request.
import type { Logger } from 'pino';

import type { Principal } from '../platform/principal.ts';

export type { Principal, StaffRole } from '../platform/principal.ts';

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
