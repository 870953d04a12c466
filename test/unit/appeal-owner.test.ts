import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appealTableWriters } from '../../scripts/appeal-owner.ts';

describe('lint: only the appeals module writes the appeals table', () => {
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function tree(files: Record<string, string>) {
    root = mkdtempSync(path.join(os.tmpdir(), 'owner-'));
    mkdirSync(path.join(root, 'workers'));
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      writeFileSync(path.join(root, f), text);
    }
  }

  it('finds Prisma and SQL writes outside src/modules/appeals/, and none inside it or in reads', () => {
    tree({
      'src/modules/appeals/appeals.flags.ts': 'await tx.appeal.update({ where: { id } });\n',
      'src/modules/review/x.ts':
        'const a = await tx.appeal.findUnique({ where: { id } });\nawait tx.appeal.update({ data: { needsLead: true } });\n',
      'src/modules/sla/y.ts': 'await tx.$executeRaw`\n  UPDATE appeals SET escalated = true`;\n',
      'workers/z.ts': 'SELECT * FROM appeals; -- a read\nINSERT INTO appeals (id) VALUES (1)\n',
      'src/generated/prisma/m.ts': 'prisma.appeal.update({})\n',
    });
    expect(
      appealTableWriters(root)
        .map((f) => f.split(': ')[0])
        .sort(),
    ).toEqual(['src/modules/review/x.ts:2', 'src/modules/sla/y.ts:2', 'workers/z.ts:2']);
  });

  it('holds on this codebase', () => {
    expect(appealTableWriters(path.resolve(__dirname, '../..'))).toEqual([]);
  });
});
