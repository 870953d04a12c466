// One zod schema over process.env, parsed once at boot and frozen. Every variable has a development
// default; production refuses to start without the values that must never be defaults.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  isStrongMasterKey,
  isStrongSecret,
  parseTrustProxy,
  SHIPPED_SAMPLE_VALUES,
} from './config.secrets.ts';
import { assertHolidaysRegion, DEFAULT_HOLIDAYS_REGION } from './platform/holidays.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEV_MASTER_KEY = 'dev:ZGV2LW9ubHktbWFzdGVyLWtleS1kby1ub3QtdXNlISE='; // 32 bytes, development only
const DEV_RISK_KEY = 'dev-risk-key';
const DEV_PROVIDER_KEY = 'dev-provider-key';
const DEV_TOKEN_SECRET = 'dev-only-appeal-token-secret-change-me';
const DEV_AUDIT_KEY = 'dev-only-audit-hmac-key-change-me-0000000000';

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_BASE_URL: z.url().optional(),
    /** postgres://... ; unset = embedded PGlite under DATA_DIR */
    DATABASE_URL: z.string().optional(),
    /** redis://... ; unset = `npm start` launches a private redis-server */
    REDIS_URL: z.string().optional(),
    /** prefix for every BullMQ key (lets tests and tenants share one Redis) */
    QUEUE_PREFIX: z.string().default('appeal'),
    DATA_DIR: z.string().default(path.join(ROOT, 'data')),
    RISK_API_KEYS: csv.default([DEV_RISK_KEY]),
    REFUND_PROVIDER_KEYS: csv.default([DEV_PROVIDER_KEY]),
    /** HMAC secrets for signed provider callbacks (first signs, all verify: rotation); set = signature required */
    REFUND_PROVIDER_SIGNING_SECRETS: csv.default([]),
    /** smtp://user:pass@host:port ; unset = .eml files under DATA_DIR/mail */
    SMTP_URL: z.string().optional(),
    MAIL_FROM: z.string().default('Appeal desk <appeals@localhost>'),
    /** file:///dir or s3://bucket/prefix ; unset = file://DATA_DIR/documents */
    STORAGE_URL: z.string().optional(),
    /** S3 storage (STORAGE_URL=s3://...): the AWS SDK's own variables; unset keys = the SDK's default chain */
    AWS_REGION: z.string().optional(),
    AWS_ENDPOINT_URL_S3: z.url().optional(),
    AWS_ACCESS_KEY_ID: z.string().optional(),
    AWS_SECRET_ACCESS_KEY: z.string().optional(),
    /** path-style bucket addressing (http://host/bucket/key), for servers without virtual-host buckets */
    S3_FORCE_PATH_STYLE: bool.default(false),
    /** keyId:base64(32 bytes)[,keyId:base64...]; the first key wraps new documents, the rest still unwrap */
    DOCUMENT_MASTER_KEY: z.string().default(DEV_MASTER_KEY),
    /** HMAC key that turns an appeal's random nonce into its link token (>= 32 chars) */
    APPEAL_TOKEN_SECRET: z.string().min(32).default(DEV_TOKEN_SECRET),
    BUSINESS_TIMEZONE: z.string().default('Europe/London'),
    /** public holidays seeded from date-holidays: a country code with an optional state (GB-ENG, DE-BY, CN) */
    HOLIDAYS_REGION: z
      .string()
      .default(DEFAULT_HOLIDAYS_REGION)
      .refine(
        (r) => {
          try {
            assertHolidaysRegion(r);
            return true;
          } catch {
            return false;
          }
        },
        {
          message: 'unknown to date-holidays: a country code with an optional state, e.g. GB-ENG, DE-BY, CN',
        },
      ),
    ADMIN_EMAIL: z.email().default('admin@appeal.local'),
    ADMIN_PASSWORD: z.string().min(12).default('admin-password-dev'),
    APPEAL_TOKEN_TTL_DAYS: z.coerce.number().int().positive().default(30),
    SESSION_TTL_HOURS: z.coerce.number().positive().default(8),
    MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(10 * 1024 * 1024),
    /** orders above this amount (minor units, any currency) need a second approval by another lead */
    SECOND_APPROVAL_MINOR: z.coerce.number().int().positive().default(100_000),
    /** share of final decisions (APPROVED, REJECTED) drawn for a blind second review (issue 19.4) */
    QA_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.05),
    /** at most this many samples per calendar month of BUSINESS_TIMEZONE */
    QA_MONTHLY_CAP: z.coerce.number().int().min(0).default(50),
    /** seed of the draw (HMAC key); unset = derived from APPEAL_TOKEN_SECRET (review.qa.draw.ts) */
    QA_SEED: z.string().min(1).optional(),
    SLA_TARGET_DAYS: z.coerce.number().positive().default(3),
    SLA_WARN_DAYS: z.coerce.number().positive().default(4),
    SLA_BREACH_DAYS: z.coerce.number().positive().default(5),
    MAX_RESUBMISSIONS: z.coerce.number().int().positive().default(3),
    APPEAL_EXPIRY_DAYS: z.coerce.number().int().positive().default(14),
    RETENTION_DAYS: z.coerce.number().int().positive().default(90),
    OCR_ENABLED: bool.default(true),
    OCR_WORKERS: z.coerce.number().int().min(1).max(8).default(1),
    /** a recogniser helper thread per OCR worker (ocr.recogniser.ts): a page read on two cores, ~100 MB more RSS */
    OCR_LINE_HELPER: bool.default(true),
    /** upload-checking worker threads (documents.intake-pool.ts); 0 = one per core */
    INTAKE_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
    /** uploads allowed to wait for an intake thread; beyond it 503 SERVICE.BUSY at once; 0 = as many as threads */
    INTAKE_MAX_QUEUE: z.coerce.number().int().min(0).max(1000).default(0),
    /** the Retry-After of that 503 (the page waits this long, then sends the file again) */
    INTAKE_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(120).default(3),
    /**
     * hop count of reverse proxies in front ("1" behind the compose nginx) or their addresses/CIDRs, as
     * Express's "trust proxy" takes them; `true` (trust every X-Forwarded-For entry) is refused. Unset =
     * 0 outside production; production requires it to be set explicitly.
     */
    /** HMAC key of the audit chain; kept outside the database (>= 32 random bytes in production) */
    AUDIT_HMAC_KEY: z.string().min(32).default(DEV_AUDIT_KEY),
    /** where the signed audit head is exported (one new read-only file per export); default DATA_DIR/audit-heads */
    AUDIT_HEAD_DIR: z.string().optional(),
    /** Bearer token for GET /metrics; unset = /metrics is not served */
    METRICS_TOKEN: z.string().min(32).optional(),
    /**
     * webhook hosts (host or host:port) exempt from the https and public-address rules: development and
     * tests only (e.g. 127.0.0.1:8787); empty in production
     */
    WEBHOOK_ALLOW_HOSTS: csv.default([]),
    /** active webhook subscriptions allowed at once */
    MAX_WEBHOOKS: z.coerce.number().int().positive().default(20),
    /** staff without an enrolled TOTP second factor may not open identity documents (on in production) */
    STAFF_TOTP_REQUIRED: bool.default(false),
    /** a staff session unused this long ends (beside the absolute SESSION_TTL_HOURS) */
    STAFF_IDLE_MINUTES: z.coerce.number().positive().default(30),
    TRUST_PROXY: z
      .string()
      .transform((v, ctx) => {
        const parsed = parseTrustProxy(v);
        if (parsed === null) {
          ctx.addIssue({
            code: 'custom',
            message:
              'give the number of proxies in front (1 behind the compose nginx) or their addresses/CIDRs; ' +
              '"true" would let every client choose its own address through X-Forwarded-For',
          });
          return z.NEVER;
        }
        return parsed;
      })
      .optional(),
    // the e-mail channel (src/modules/inbound): unset INBOUND_SMTP_PORT = no listener (npm start picks a port)
    INBOUND_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    INBOUND_SMTP_HOST: z.string().default('127.0.0.1'),
    /** true: speak LMTP (behind a real MTA) instead of SMTP */
    INBOUND_LMTP: bool.default(false),
    /** the one address accepted at RCPT TO (plus its +<ref> sub-addresses); any other gets 550 */
    SECURITY_MAILBOX: z.email().default('security@appeal.local'),
    INBOUND_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(25 * 1024 * 1024),
    /** PEM files; both set = STARTTLS offered */
    INBOUND_TLS_KEY: z.string().optional(),
    INBOUND_TLS_CERT: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV !== 'production') return;
    const need = (ok: boolean, pathName: string, message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path: [pathName], message });
    };
    const strong =
      'at least 32 random bytes (e.g. `openssl rand -base64 32`), not a value shipped in the repository';
    need(
      c.DOCUMENT_MASTER_KEY !== DEV_MASTER_KEY &&
        c.DOCUMENT_MASTER_KEY.split(',').every((k) => isStrongMasterKey(k.trim())),
      'DOCUMENT_MASTER_KEY',
      `set a real master key in production: id:base64 of ${strong}`,
    );
    need(
      !c.RISK_API_KEYS.includes(DEV_RISK_KEY) && c.RISK_API_KEYS.every(isStrongSecret),
      'RISK_API_KEYS',
      `set real service keys in production: each ${strong}`,
    );
    need(
      !c.REFUND_PROVIDER_KEYS.includes(DEV_PROVIDER_KEY) && c.REFUND_PROVIDER_KEYS.every(isStrongSecret),
      'REFUND_PROVIDER_KEYS',
      `set real provider keys: each ${strong}`,
    );
    need(
      c.REFUND_PROVIDER_SIGNING_SECRETS.length > 0 && c.REFUND_PROVIDER_SIGNING_SECRETS.every(isStrongSecret),
      'REFUND_PROVIDER_SIGNING_SECRETS',
      `provider callbacks must be signed in production: each secret ${strong}`,
    );
    need(
      c.APPEAL_TOKEN_SECRET !== DEV_TOKEN_SECRET && isStrongSecret(c.APPEAL_TOKEN_SECRET),
      'APPEAL_TOKEN_SECRET',
      `set a real token secret in production: ${strong}`,
    );
    need(
      c.AUDIT_HMAC_KEY !== DEV_AUDIT_KEY && isStrongSecret(c.AUDIT_HMAC_KEY),
      'AUDIT_HMAC_KEY',
      `set the audit chain's key (kept outside the database): ${strong}`,
    );
    need(
      c.METRICS_TOKEN === undefined || isStrongSecret(c.METRICS_TOKEN),
      'METRICS_TOKEN',
      `a metrics token must be ${strong}`,
    );
    need(
      c.WEBHOOK_ALLOW_HOSTS.length === 0,
      'WEBHOOK_ALLOW_HOSTS',
      'the webhook allow-list is for development and tests only',
    );
    need(
      !c.PUBLIC_BASE_URL || isHttpsOrLoopback(c.PUBLIC_BASE_URL),
      'PUBLIC_BASE_URL',
      'production serves the appeal links over https (http only for a localhost demo)',
    );
    need(
      c.STAFF_TOTP_REQUIRED,
      'STAFF_TOTP_REQUIRED',
      'staff who see identity documents need a second factor in production',
    );
    need(c.OCR_ENABLED, 'OCR_ENABLED', 'the card-number guard (OCR) cannot be switched off in production');
    need(
      c.TRUST_PROXY !== undefined,
      'TRUST_PROXY',
      'say how many proxies are in front (0 = none, 1 behind the compose nginx) or their addresses',
    );
    need(Boolean(c.DATABASE_URL), 'DATABASE_URL', 'production needs PostgreSQL');
    need(Boolean(c.REDIS_URL), 'REDIS_URL', 'production needs Redis');
    need(Boolean(c.PUBLIC_BASE_URL), 'PUBLIC_BASE_URL', 'production needs the public URL for appeal links');
    need(Boolean(c.SMTP_URL), 'SMTP_URL', 'production sends real e-mail');
    need(
      !SHIPPED_SAMPLE_VALUES.includes(c.ADMIN_PASSWORD),
      'ADMIN_PASSWORD',
      'set a real first-admin password (not a value shipped in the repository)',
    );
  })
  .transform((c) => ({
    ...c,
    PUBLIC_BASE_URL: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ''),
    STORAGE_URL: c.STORAGE_URL ?? `file://${path.join(c.DATA_DIR, 'documents')}`,
    TRUST_PROXY: c.TRUST_PROXY ?? 0,
    AUDIT_HEAD_DIR: c.AUDIT_HEAD_DIR ?? path.join(c.DATA_DIR, 'audit-heads'),
  }));

function isHttpsOrLoopback(u: string): boolean {
  const url = new URL(u);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

export class ConfigError extends Error {}

/** Parses an environment into a frozen Config; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = ConfigSchema.safeParse(cleaned);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(r.data);
}

/** For process entry points: the Config, or a clear message and exit code 78 (EX_CONFIG). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(78);
    }
    throw e;
  }
}

/** The variable names the schema knows (used by the docker-compose consistency test). */
export const CONFIG_KEYS = Object.keys(ConfigSchema.in.shape) as string[];
