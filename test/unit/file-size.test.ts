import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { check, KNOWN_LONG_TESTS, lineCount, MAX_LINES } from '../../scripts/file-size.ts';

const lines = (n: number) => `${Array.from({ length: n }, (_, i) => `// ${i}`).join('\n')}\n`;

describe('lint: no source file over 500 lines', () => {
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function tree(files: Record<string, string>) {
    root = mkdtempSync(path.join(os.tmpdir(), 'fsize-'));
    for (const r of ['src', 'workers', 'scripts', 'bench', 'test']) mkdirSync(path.join(root, r));
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      writeFileSync(path.join(root, f), text);
    }
    // the ratchet's files exist in every tree, long, so only the files under test decide
    for (const k of KNOWN_LONG_TESTS) {
      mkdirSync(path.dirname(path.join(root, k)), { recursive: true });
      writeFileSync(path.join(root, k), lines(MAX_LINES + 1));
    }
  }

  it('counts lines with or without a final newline', () => {
    expect([lineCount(''), lineCount('a'), lineCount('a\n'), lineCount('a\nb')]).toEqual([0, 1, 1, 2]);
  });

  it('passes 500 lines and fails 501, in src and in a new test file; generated code is skipped', () => {
    tree({
      'src/ok.ts': lines(MAX_LINES),
      'src/modules/x/too-long.ts': lines(MAX_LINES + 1),
      'test/unit/new-long.test.ts': lines(MAX_LINES + 1),
      'src/generated/prisma/big.ts': lines(5000),
      'src/web/static/page.js': lines(MAX_LINES + 1),
    });
    const r = check(root);
    expect(r.errors.map((e) => e.split(':')[0]).sort()).toEqual([
      'src/modules/x/too-long.ts',
      'src/web/static/page.js',
      'test/unit/new-long.test.ts',
    ]);
    expect(r.warnings).toHaveLength(KNOWN_LONG_TESTS.length);
  });

  it('a known long test file that was split must leave the list', () => {
    tree({});
    writeFileSync(path.join(root, KNOWN_LONG_TESTS[0]!), lines(10));
    expect(check(root).errors).toEqual([expect.stringContaining('remove it from KNOWN_LONG_TESTS')]);
  });
});
