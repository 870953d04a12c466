import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../../src/config.ts';

const strong = () => randomBytes(32).toString('base64url');
const PROD = {
  NODE_ENV: 'production',
  DOCUMENT_MASTER_KEY: `k1:${randomBytes(32).toString('base64')}`,
  RISK_API_KEYS: strong(),
  REFUND_PROVIDER_KEYS: `${strong()},${randomBytes(32).toString('hex')}`,
  REFUND_PROVIDER_SIGNING_SECRETS: `${strong()},${strong()}`,
  APPEAL_TOKEN_SECRET: strong(),
  AUDIT_HMAC_KEY: strong(),
  DATABASE_URL: 'postgresql://db/appeal',
  REDIS_URL: 'redis://r:6379',
  PUBLIC_BASE_URL: 'https://appeals.example.com',
  SMTP_URL: 'smtp://mail:25',
  ADMIN_PASSWORD: 'a-real-long-password',
  TRUST_PROXY: '1',
  STAFF_TOTP_REQUIRED: 'true',
};

describe('config', () => {
  it('has development defaults for everything', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.PUBLIC_BASE_URL).toBe('http://localhost:3000');
    expect(c.RISK_API_KEYS).toEqual(['dev-risk-key']);
    expect(c.REFUND_PROVIDER_SIGNING_SECRETS).toEqual([]); // development: unsigned provider callbacks
    expect(c.STORAGE_URL).toMatch(/^file:\/\/.*\/documents$/);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('takes a holidays region date-holidays knows and refuses others at boot', () => {
    expect(loadConfig({}).HOLIDAYS_REGION).toBe('GB-ENG');
    expect(loadConfig({ HOLIDAYS_REGION: 'DE-BY' }).HOLIDAYS_REGION).toBe('DE-BY');
    expect(() => loadConfig({ HOLIDAYS_REGION: 'XX' })).toThrow(/HOLIDAYS_REGION/);
  });

  it('parses lists and numbers', () => {
    const c = loadConfig({ RISK_API_KEYS: 'a, b ,c', PORT: '8080', PUBLIC_BASE_URL: 'https://x.example/' });
    expect(c.RISK_API_KEYS).toEqual(['a', 'b', 'c']);
    expect(c.PORT).toBe(8080);
    expect(c.PUBLIC_BASE_URL).toBe('https://x.example');
  });

  it('refuses production with development secrets, naming every missing value', () => {
    let err: unknown;
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const k of [
      'DOCUMENT_MASTER_KEY',
      'RISK_API_KEYS',
      'DATABASE_URL',
      'REDIS_URL',
      'SMTP_URL',
      'APPEAL_TOKEN_SECRET',
      'REFUND_PROVIDER_SIGNING_SECRETS',
    ])
      expect(msg).toContain(k);
  });

  it('accepts a complete production configuration', () => {
    const c = loadConfig(PROD);
    expect(c.NODE_ENV).toBe('production');
    expect(c.TRUST_PROXY).toBe(1);
  });

  it('production refuses weak keys, http links, OCR off, an implicit proxy setting and shipped samples', () => {
    const refused = (over: Record<string, string | undefined>, key: string) => {
      const env = { ...PROD, ...over };
      for (const [k, v] of Object.entries(over)) if (v === undefined) delete env[k as keyof typeof env];
      expect(() => loadConfig(env), `${key} ${JSON.stringify(over)}`).toThrow(new RegExp(key));
    };
    refused({ RISK_API_KEYS: 'k' }, 'RISK_API_KEYS');
    refused({ RISK_API_KEYS: `${strong()},short` }, 'RISK_API_KEYS');
    refused({ RISK_API_KEYS: 'x'.repeat(64) }, 'RISK_API_KEYS');
    refused({ RISK_API_KEYS: 'compose-risk-key' }, 'RISK_API_KEYS');
    refused({ REFUND_PROVIDER_KEYS: 'p' }, 'REFUND_PROVIDER_KEYS');
    refused({ REFUND_PROVIDER_SIGNING_SECRETS: undefined }, 'REFUND_PROVIDER_SIGNING_SECRETS');
    refused({ REFUND_PROVIDER_SIGNING_SECRETS: `${strong()},short` }, 'REFUND_PROVIDER_SIGNING_SECRETS');
    refused({ REFUND_PROVIDER_SIGNING_SECRETS: 's'.repeat(64) }, 'REFUND_PROVIDER_SIGNING_SECRETS');
    refused({ APPEAL_TOKEN_SECRET: 'x'.repeat(40) }, 'APPEAL_TOKEN_SECRET');
    refused({ APPEAL_TOKEN_SECRET: 'compose-only-appeal-token-secret-0123456789' }, 'APPEAL_TOKEN_SECRET');
    refused({ DOCUMENT_MASTER_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}` }, 'DOCUMENT_MASTER_KEY');
    refused(
      { DOCUMENT_MASTER_KEY: 'compose:Y29tcG9zZS1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXM=' },
      'DOCUMENT_MASTER_KEY',
    );
    refused({ PUBLIC_BASE_URL: 'http://appeals.example.com' }, 'PUBLIC_BASE_URL');
    refused({ OCR_ENABLED: 'false' }, 'OCR_ENABLED');
    refused({ STAFF_TOTP_REQUIRED: undefined }, 'STAFF_TOTP_REQUIRED');
    refused({ TRUST_PROXY: undefined }, 'TRUST_PROXY');
    refused({ ADMIN_PASSWORD: 'compose-admin-password' }, 'ADMIN_PASSWORD');
    refused({ AUDIT_HMAC_KEY: undefined }, 'AUDIT_HMAC_KEY');
    refused({ METRICS_TOKEN: 'm'.repeat(40) }, 'METRICS_TOKEN');
    refused({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1:8080' }, 'WEBHOOK_ALLOW_HOSTS');
    // a localhost demo may keep http
    expect(loadConfig({ ...PROD, PUBLIC_BASE_URL: 'http://localhost:8080' }).PUBLIC_BASE_URL).toBe(
      'http://localhost:8080',
    );
  });

  it('TRUST_PROXY is a hop count or address list, never the blind "true"', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
  });

  it('refuses production with the card-number guard switched off (issue 15.6)', () => {
    expect(() => loadConfig({ ...PROD, OCR_ENABLED: 'false' })).toThrow(/OCR_ENABLED/);
    expect(loadConfig({ ...PROD, OCR_ENABLED: 'true' }).OCR_ENABLED).toBe(true);
  });

  it('reads a page on two recogniser lanes unless OCR_LINE_HELPER=false', () => {
    expect(loadConfig({}).OCR_LINE_HELPER).toBe(true);
    expect(loadConfig({ OCR_LINE_HELPER: 'false' }).OCR_LINE_HELPER).toBe(false);
    expect(() => loadConfig({ OCR_LINE_HELPER: 'sometimes' })).toThrow(/OCR_LINE_HELPER/);
  });

  it('rejects malformed values', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'not a url' })).toThrow(/PUBLIC_BASE_URL/);
    expect(() => loadConfig({ ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD/);
  });

  it('reads the quality-sampling settings (issue 19.4)', () => {
    const d = loadConfig({});
    expect([d.QA_SAMPLE_RATE, d.QA_MONTHLY_CAP, d.QA_SEED]).toEqual([0.05, 50, undefined]);
    const c = loadConfig({ QA_SAMPLE_RATE: '0.2', QA_MONTHLY_CAP: '7', QA_SEED: 'seed-1' });
    expect([c.QA_SAMPLE_RATE, c.QA_MONTHLY_CAP, c.QA_SEED]).toEqual([0.2, 7, 'seed-1']);
    expect(() => loadConfig({ QA_SAMPLE_RATE: '1.5' })).toThrow(/QA_SAMPLE_RATE/);
    expect(() => loadConfig({ QA_MONTHLY_CAP: '-1' })).toThrow(/QA_MONTHLY_CAP/);
  });

  it('lists its keys', () => {
    expect(CONFIG_KEYS).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'REDIS_URL',
        'BUSINESS_TIMEZONE',
        'STORAGE_URL',
        'QA_SAMPLE_RATE',
        'QA_MONTHLY_CAP',
        'QA_SEED',
      ]),
    );
  });
});
