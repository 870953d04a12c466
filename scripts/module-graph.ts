// The module graph of src/ from dependency-cruiser's JSON (issue 14): files collapsed to their part
// (src/modules/<name>, src/platform, src/http, src/web, the runtime), then
//   check    fail on a circle between modules that is not in KNOWN_CYCLE_EDGES (a ratchet: the known
//            edges are warned about on every run and must only ever be removed); lint runs this.
//   mermaid  print the module map as a Mermaid graph; with --write, replace the map in docs/architecture.md
//            (between the module-map markers). check warns when that map no longer matches the imports.
// Usage: tsx scripts/module-graph.ts check|mermaid [--write]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const DOC = 'docs/architecture.md';
const BEGIN = '<!-- module-map:begin (npm run deps:map -- --write) -->';
const END = '<!-- module-map:end -->';

/**
 * Module edges allowed to lie on a circle: none since issue 14 (the last ones went when the e-mail port,
 * the document store, the card-number rule and the mail reference moved to platform and SLA timers became
 * a subscriber). Kept as the ratchet's shape: never add an entry.
 */
export const KNOWN_CYCLE_EDGES: readonly string[] = [];

interface CruiseJson {
  modules: { source: string; dependencies: { resolved: string; coreModule?: boolean }[] }[];
}

export function partOf(file: string): string | null {
  const f = file.split(path.sep).join('/');
  const m = /^src\/modules\/([^/]+)\//.exec(f);
  if (m) return m[1]!;
  if (f.startsWith('src/platform/')) return 'platform';
  if (f.startsWith('src/http/')) return 'http';
  if (f.startsWith('src/web/')) return 'web';
  if (f.startsWith('workers/')) return 'workers';
  if (/^src\/[^/]+\.ts$/.test(f)) return 'runtime';
  return null;
}

export function moduleEdges(json: CruiseJson): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const m of json.modules) {
    const from = partOf(m.source);
    if (!from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    for (const d of m.dependencies) {
      const to = d.coreModule ? null : partOf(d.resolved);
      if (to && to !== from) edges.get(from)!.add(to);
    }
  }
  return edges;
}

function reaches(edges: Map<string, Set<string>>, from: string, target: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const n = stack.pop()!;
    if (n === target) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const t of edges.get(n) ?? []) stack.push(t);
  }
  return false;
}

/** The layers (not capability modules): platform, http, web, the runtime and workers wire modules together. */
const LAYERS = new Set(['platform', 'http', 'web', 'runtime', 'workers']);

/** Every edge a -> b between capability modules (src/modules/*) that lies on a circle (b reaches a again). */
export function cycleEdges(all: Map<string, Set<string>>): string[] {
  const edges = new Map(
    [...all]
      .filter(([a]) => !LAYERS.has(a))
      .map(([a, tos]) => [a, new Set([...tos].filter((b) => !LAYERS.has(b)))] as const),
  );
  const out: string[] = [];
  for (const [a, tos] of edges) for (const b of tos) if (reaches(edges, b, a)) out.push(`${a} -> ${b}`);
  return out.sort();
}

function cruise(): CruiseJson {
  const bin = path.join('node_modules', '.bin', 'depcruise');
  const out = execFileSync(bin, ['src', 'workers', '-c', '.dependency-cruiser.cjs', '-T', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as CruiseJson;
}

/** The map as Mermaid: every part but platform (which every part imports) and its edges. */
export function mermaid(edges: Map<string, Set<string>>): string {
  const lines = ['```mermaid', 'graph LR'];
  for (const [a, tos] of [...edges].sort(([x], [y]) => x.localeCompare(y))) {
    if (a === 'platform') continue;
    for (const b of [...tos].sort()) if (b !== 'platform') lines.push(`  ${a} --> ${b}`);
  }
  lines.push('```');
  return lines.join('\n');
}

function docMap(): string | null {
  const doc = readFileSync(DOC, 'utf8');
  const i = doc.indexOf(BEGIN);
  const j = doc.indexOf(END);
  return i < 0 || j < i ? null : doc.slice(i + BEGIN.length, j).trim();
}

const cmd = process.argv[2];
if (cmd === 'check') {
  const graph = moduleEdges(cruise());
  if (docMap() !== mermaid(graph))
    console.warn(
      `warn module-map: the map in ${DOC} no longer matches the imports: npm run deps:map -- --write`,
    );
  const found = cycleEdges(graph);
  const known = new Set(KNOWN_CYCLE_EDGES);
  const fresh = found.filter((e) => !known.has(e));
  const gone = KNOWN_CYCLE_EDGES.filter((e) => !found.includes(e));
  for (const e of found.filter((x) => known.has(x)))
    console.warn(`warn module-cycle: ${e} (known, issue 14: make it an event subscriber)`);
  for (const e of gone)
    console.warn(`note: ${e} no longer lies on a circle: remove it from KNOWN_CYCLE_EDGES`);
  for (const e of fresh) console.error(`error module-cycle: ${e} closes a circle between modules`);
  if (fresh.length) process.exit(1);
  console.log(`module graph: ${found.length} known circle edges, no new circle`);
} else if (cmd === 'mermaid') {
  const map = mermaid(moduleEdges(cruise()));
  if (process.argv.includes('--write')) {
    const doc = readFileSync(DOC, 'utf8');
    const i = doc.indexOf(BEGIN);
    const j = doc.indexOf(END);
    if (i < 0 || j < i) throw new Error(`${DOC} has no module-map markers`);
    writeFileSync(DOC, `${doc.slice(0, i + BEGIN.length)}\n${map}\n${doc.slice(j)}`);
    console.log(`wrote the module map into ${DOC}`);
  } else console.log(map);
} else {
  console.error('usage: tsx scripts/module-graph.ts check|mermaid');
  process.exit(2);
}
