// The project's shared/ folder (fixtures nobody here made): beside the clone, as CI lays it out, or the
// development machine's /work/shared. Tests name fixture folders through this file only.
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CANDIDATES = [path.resolve(ROOT, '../shared'), '/work/shared'];

export const SHARED_DIR =
  CANDIDATES.find((d) => existsSync(path.join(d, 'fixtures'))) ?? (CANDIDATES[0] as string);
export const REAL_WORLD_DIR = path.join(SHARED_DIR, 'fixtures/real-world');
export const REAL_CARDS_DIR = path.join(SHARED_DIR, 'fixtures/real-cards');
