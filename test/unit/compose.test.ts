// Docker does not run on this machine; this checks what can be checked of docker-compose.yml: that it
// parses, has the services the SPEC names, and that its environment lines up with the config schema.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS, loadConfig } from '../../src/config.ts';

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
      const c = loadConfig(env);
      expect(c.NODE_ENV).toBe('production');
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
});
