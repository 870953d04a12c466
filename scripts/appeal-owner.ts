// Lint (issue 14 point 1): only the appeals module writes the appeals table. Fails on any file under src/
// or workers/ outside src/modules/appeals/ that writes it, through Prisma (appeal.update / updateMany /
// upsert / create / delete ...) or through SQL (UPDATE / INSERT INTO / DELETE FROM appeals). Other modules
// call the appeals module's functions (appeals.transition.ts, appeals.flags.ts, ...).
// Usage: tsx scripts/appeal-owner.ts [root]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WRITES = [
  /\.appeal\.(update|updateMany|updateManyAndReturn|upsert|create|createMany|createManyAndReturn|delete|deleteMany)\s*\(/,
  /\bUPDATE\s+appeals\b/i,
  /\bINSERT\s+INTO\s+appeals\b/i,
  /\bDELETE\s+FROM\s+appeals\b/i,
];
const OWNER = 'src/modules/appeals/';

function* sources(root: string, dir: string): Generator<string> {
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (rel !== 'src/generated') yield* sources(root, rel);
    } else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !rel.startsWith('src/web/static/')) yield rel;
  }
}

/** "file:line: text" for every write of the appeals table outside its module. */
export function appealTableWriters(root: string): string[] {
  const out: string[] = [];
  for (const top of ['src', 'workers']) {
    for (const rel of sources(root, top)) {
      if (rel.startsWith(OWNER)) continue;
      readFileSync(path.join(root, rel), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (WRITES.some((re) => re.test(line))) out.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(process.argv[2] ?? '.');
  const found = appealTableWriters(root);
  for (const f of found) console.error(`error appeal-owner: ${f} (only ${OWNER} writes the appeals table)`);
  if (found.length) process.exit(1);
  console.log('appeal owner: only src/modules/appeals/ writes the appeals table');
}
