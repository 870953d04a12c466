// Docker does not run on this machine; this checks what can be checked of docker-compose.yml: that it
// parses, has the services the SPEC names, and that its environment lines up with the config schema.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { randomBytes } from 'node:crypto';
import { CONFIG_KEYS, loadConfig } from '../../src/config.ts';

const REQUIRED = /^\$\{([A-Z_]+):\?[^}]*\}$/;

/** What `docker compose` does with `${VAR:?message}`: the operator's value (here a freshly generated one). */
function interpolate(env: Record<string, string>, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => {
      const m = REQUIRED.exec(String(v));
      return [k, m ? (values[m[1]!] ?? '') : v];
    }),
  );
}

const operatorSecrets = {
  RISK_API_KEYS: randomBytes(32).toString('base64url'),
  REFUND_PROVIDER_KEYS: randomBytes(32).toString('base64url'),
  DOCUMENT_MASTER_KEY: `k1:${randomBytes(32).toString('base64')}`,
  APPEAL_TOKEN_SECRET: randomBytes(32).toString('base64url'),
  AUDIT_HMAC_KEY: randomBytes(32).toString('base64url'),
  ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
};

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('docker-compose.yml', () => {
  it('has PostgreSQL, Redis, the API with 2 replicas, the workers and a mail catcher', () => {
    const s = compose.services;
    expect(Object.keys(s)).toEqual(
      expect.arrayContaining(['postgres', 'redis', 'api', 'workers', 'mailpit']),
    );
    expect(s.api.deploy.replicas).toBe(2);
    expect(s.redis.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
    );
  });

  it('runs npm scripts that exist', () => {
    for (const name of ['api', 'workers', 'migrate']) {
      const cmd: string[] = compose.services[name].command;
      expect(cmd.slice(0, 2)).toEqual(['npm', 'run']);
      expect(pkg.scripts[cmd[2]!]).toBeTruthy();
    }
  });

  it('sets only variables the config knows, and a complete production config', () => {
    for (const name of ['api', 'workers', 'migrate']) {
      const env: Record<string, string> = compose.services[name].environment;
      for (const k of Object.keys(env)) expect(CONFIG_KEYS, `${name}: ${k}`).toContain(k);
      const c = loadConfig(interpolate(env, operatorSecrets));
      expect(c.NODE_ENV).toBe('production');
      expect(c.TRUST_PROXY).toBe(1);
      expect(new URL(c.DATABASE_URL!).hostname).toBe('postgres');
      expect(new URL(c.REDIS_URL!).hostname).toBe('redis');
      expect(new URL(c.SMTP_URL!).hostname).toBe('mailpit');
    }
  });

  it('points at ports the services listen on', () => {
    const env = compose.services.api.environment;
    expect(compose.services.api.expose).toContain(env.PORT);
    expect(new URL(env.SMTP_URL).port).toBe('1025');
  });

  it('ships no secret: every key comes from the operator (${VAR:?...}), so no sample value can start', () => {
    const env: Record<string, string> = compose.services.api.environment;
    for (const k of Object.keys(operatorSecrets)) expect(String(env[k]), k).toMatch(REQUIRED);
    // without them, `docker compose` refuses to start, and so would the config
    expect(() => loadConfig(interpolate(env, {}))).toThrow(/RISK_API_KEYS/);
  });
});
