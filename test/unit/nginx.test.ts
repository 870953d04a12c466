// Docker and nginx do not run here; this checks deploy/nginx.conf for the rules the security review asked
// for: appeal-link paths never reach the access log, /metrics is not exposed, and the proxy hands the API
// exactly one X-Forwarded-For entry (TRUST_PROXY=1 in docker-compose.yml).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const conf = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8');
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));
const lines = conf.split('\n').filter((l) => !l.trim().startsWith('#'));

describe('deploy/nginx.conf', () => {
  it('logs /a/ requests only through a format without $request, $request_uri, $uri or the referrer', () => {
    const accessLogs = lines.filter((l) => l.trim().startsWith('access_log'));
    expect(accessLogs.length).toBeGreaterThan(0);
    // every access_log is conditional, and the /a/ condition uses the redacted format
    for (const l of accessLogs) expect(l).toMatch(/ if=\$log_(plain|redacted);/);
    const redacted = accessLogs.find((l) => l.includes('if=$log_redacted'))!;
    const format = /access_log \S+ (\S+)/.exec(redacted)![1]!;
    const def = new RegExp(`log_format ${format} ([^;]+);`).exec(conf)![1]!;
    expect(def).not.toMatch(/\$request\b|\$request_uri|\$uri|\$args|\$http_referer|\$query_string/);
    expect(conf).toMatch(/map \$uri \$log_plain \{ ~\^\/a\/ 0; default 1; \}/);
    expect(conf).toMatch(/map \$uri \$log_redacted \{ ~\^\/a\/ 1; default 0; \}/);
  });

  it('does not expose /metrics', () => {
    expect(conf).toMatch(/location = \/metrics \{ return 404; \}/);
  });

  it('replaces the client X-Forwarded-For with the one address it saw (one trusted hop)', () => {
    expect(conf).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
    expect(conf).not.toContain('$proxy_add_x_forwarded_for');
    expect(compose['x-app-env'].TRUST_PROXY).toBe('1');
  });
});
