// No source file over 500 lines (the house rule): lint fails on any file of src/, workers/, scripts/,
// bench/ or test/ above the limit, except generated code and the test files listed in KNOWN_LONG_TESTS,
// a ratchet of test files that were already longer when the check came: each is warned about on every
// run, must only be removed (once split) and never added to.
// Usage: tsx scripts/file-size.ts
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const MAX_LINES = 500;
const ROOTS = ['src', 'workers', 'scripts', 'bench', 'test'];
const EXT = /\.(ts|mts|js|mjs|cjs|css|html)$/;
const SKIP = [/^src\/generated\//, /^test\/support\/openapi-types\.ts$/, /(^|\/)node_modules\//];

export const KNOWN_LONG_TESTS: readonly string[] = [
  'test/integration/authz-matrix.test.ts',
  'test/integration/inbound.test.ts',
  'test/integration/intake.test.ts',
  'test/integration/review.test.ts',
  'test/unit/checks.sharp.test.ts',
  'test/unit/notifications.templates.test.ts',
];

/** Files under root/dir, as paths relative to root. */
function* files(root: string, dir: string): Generator<string> {
  for (const e of readdirSync(path.posix.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (SKIP.some((r) => r.test(e.isDirectory() ? `${rel}/` : rel))) continue;
    if (e.isDirectory()) yield* files(root, rel);
    else if (EXT.test(e.name)) yield rel;
  }
}

export function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

export function check(root = '.'): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const long = new Set<string>();
  for (const r of ROOTS) {
    for (const rel of files(root, r)) {
      const n = lineCount(readFileSync(path.posix.join(root, rel), 'utf8'));
      if (n <= MAX_LINES) continue;
      long.add(rel);
      if (KNOWN_LONG_TESTS.includes(rel)) warnings.push(`${rel}: ${n} lines (known, split it)`);
      else errors.push(`${rel}: ${n} lines, over ${MAX_LINES}: split it`);
    }
  }
  for (const k of KNOWN_LONG_TESTS)
    if (!long.has(k)) errors.push(`${k} is ${MAX_LINES} lines or fewer now: remove it from KNOWN_LONG_TESTS`);
  return { errors, warnings };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { errors, warnings } = check();
  for (const w of warnings) console.warn(`warn  ${w}`);
  for (const e of errors) console.error(`error ${e}`);
  if (errors.length) process.exit(1);
  console.log(
    `file sizes: every file ${MAX_LINES} lines or fewer (${warnings.length} known long test files)`,
  );
}
