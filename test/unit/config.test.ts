import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../../src/config.ts';

const COMPLETE_PRODUCTION = {
  NODE_ENV: 'production',
  DOCUMENT_MASTER_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  RISK_API_KEYS: 'real-key',
  REFUND_PROVIDER_KEYS: 'real-provider',
  APPEAL_TOKEN_SECRET: 'x'.repeat(40),
  DATABASE_URL: 'postgresql://db/appeal',
  REDIS_URL: 'redis://r:6379',
  PUBLIC_BASE_URL: 'https://appeals.example.com',
  SMTP_URL: 'smtp://mail:25',
  ADMIN_PASSWORD: 'a-real-long-password',
};

describe('config', () => {
  it('has development defaults for everything', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.PUBLIC_BASE_URL).toBe('http://localhost:3000');
    expect(c.RISK_API_KEYS).toEqual(['dev-risk-key']);
    expect(c.STORAGE_URL).toMatch(/^file:\/\/.*\/documents$/);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
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
    ])
      expect(msg).toContain(k);
  });

  it('accepts a complete production configuration', () => {
    const c = loadConfig(COMPLETE_PRODUCTION);
    expect(c.NODE_ENV).toBe('production');
  });

  it('refuses production with the card-number guard switched off (issue 15.6)', () => {
    expect(() => loadConfig({ ...COMPLETE_PRODUCTION, OCR_ENABLED: 'false' })).toThrow(/OCR_ENABLED/);
    expect(loadConfig({ ...COMPLETE_PRODUCTION, OCR_ENABLED: 'true' }).OCR_ENABLED).toBe(true);
  });

  it('rejects malformed values', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'not a url' })).toThrow(/PUBLIC_BASE_URL/);
    expect(() => loadConfig({ ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD/);
  });

  it('lists its keys', () => {
    expect(CONFIG_KEYS).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'BUSINESS_TIMEZONE', 'STORAGE_URL']),
    );
  });
});
