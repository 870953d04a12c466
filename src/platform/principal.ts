// Who is calling, as the domain sees it: staff roles and the principal the auth middleware resolves
// (src/http/auth.ts). Plain types, so modules need nothing from src/http/ to speak of them.
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
