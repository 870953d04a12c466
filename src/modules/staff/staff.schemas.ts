import { z } from 'zod';

export const STAFF_ROLES = ['REVIEWER', 'LEAD', 'FINANCE', 'ADMIN', 'SECURITY'] as const;
const Role = z.enum(STAFF_ROLES);
const Email = z
  .email()
  .max(254)
  .transform((s) => s.toLowerCase());
const Password = z.string().min(12, 'password: at least 12 characters').max(256);
const Languages = z
  .array(z.string().regex(/^[a-z]{2,3}$/, 'languages: ISO 639 codes such as en, zh'))
  .max(20);

export const ZLoginRequest = z.strictObject({
  email: z
    .string()
    .max(254)
    .transform((s) => s.trim().toLowerCase()),
  password: z.string().max(256),
  /** the 6-digit code of the authenticator app: required once the account enrolled TOTP */
  totpCode: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'totpCode: the 6 digits shown by the authenticator app')
    .optional(),
});

export const ZTotpEnrolment = z
  .object({
    secret: z.string().meta({ description: 'base32 TOTP seed (shown once; also inside otpauthUrl)' }),
    otpauthUrl: z.string().meta({ description: 'otpauth://totp/... for a QR code' }),
  })
  .meta({ id: 'TotpEnrolment' });

export const ZTotpConfirmRequest = z.strictObject({
  totpCode: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'totpCode: the 6 digits shown by the authenticator app'),
});

export const ZStaffUserView = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  roles: z.array(Role),
  active: z.boolean(),
  onLeaveUntil: z.string().nullable(),
  maxOpenCases: z.number().int(),
  languages: z.array(z.string()),
  openCases: z.number().int(),
  lastAssignedAt: z.string().nullable(),
  createdAt: z.string(),
  /** a TOTP second factor is enrolled and asked at every sign-in */
  totpEnabled: z.boolean(),
});

export const ZLoginResponse = z.object({
  token: z.string(),
  csrfToken: z.string(),
  user: z.object({ id: z.uuid(), email: z.string(), roles: z.array(Role) }),
});

export const ZCreateStaffRequest = z.strictObject({
  email: Email,
  name: z.string().trim().min(1).max(200),
  password: Password,
  roles: z.array(Role).min(1).max(STAFF_ROLES.length),
  maxOpenCases: z.number().int().min(0).max(500).optional(),
  languages: Languages.optional(),
});
export type TCreateStaffRequest = z.infer<typeof ZCreateStaffRequest>;

export const ZUpdateStaffRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    roles: z.array(Role).min(1).max(STAFF_ROLES.length).optional(),
    active: z.boolean().optional(),
    onLeaveUntil: z.iso.datetime({ offset: true }).nullable().optional(),
    maxOpenCases: z.number().int().min(0).max(500).optional(),
    languages: Languages.optional(),
    password: Password.optional(),
  })
  .refine((o) => Object.keys(o).length > 0, 'nothing to change');
export type TUpdateStaffRequest = z.infer<typeof ZUpdateStaffRequest>;

export const ZStaffParams = z.object({ id: z.uuid() });

export const ZListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.uuid().optional(),
  role: Role.optional(),
});
