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
  REFUND_PROVIDER_SIGNING_SECRETS: randomBytes(32).toString('base64url'),
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

  it('keeps documents in an S3-compatible bucket that the compose file creates, shared by no volume', () => {
    const s = compose.services;
    expect(s.s3.image).toMatch(/^versity\/versitygw:/);
    for (const svc of Object.values(s) as { image?: string }[]) expect(svc.image ?? '').not.toMatch(/minio/i);
    const cmd: string[] = s.s3.command;
    const port = cmd[cmd.indexOf('--port') + 1]!.replace(/^:/, '');
    expect(s.s3.expose).toContain(port);
    for (const name of ['api', 'workers', 'migrate']) {
      const env: Record<string, string> = s[name].environment;
      const c = loadConfig(interpolate(env, operatorSecrets));
      const storage = new URL(c.STORAGE_URL);
      expect(storage.protocol, name).toBe('s3:');
      const endpoint = new URL(c.AWS_ENDPOINT_URL_S3!);
      expect([endpoint.hostname, endpoint.port]).toEqual(['s3', port]);
      expect(c.S3_FORCE_PATH_STYLE).toBe(true);
      // the app signs with the keys the server was started with
      expect(c.AWS_ACCESS_KEY_ID).toBe(cmd[cmd.indexOf('--access') + 1]);
      expect(c.AWS_SECRET_ACCESS_KEY).toBe(cmd[cmd.indexOf('--secret') + 1]);
      // the bucket the init job creates is the one STORAGE_URL names
      expect(s['storage-init'].command.join(' ')).toContain(`--bucket ${storage.hostname} `);
      expect(s['storage-init'].environment.AWS_ACCESS_KEY_ID).toBe(c.AWS_ACCESS_KEY_ID);
    }
    for (const name of ['api', 'workers']) {
      expect(s[name].volumes, name).toBeUndefined();
      expect(s[name].depends_on['storage-init'].condition).toBe('service_completed_successfully');
    }
    expect(Object.keys(compose.volumes)).not.toContain('documents');
  });
});
