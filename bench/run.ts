// `npm run bench`: runs every benchmark, each in its own Node process (a clean heap and RSS, and one
// benchmark's crash or timeout cannot take the others down), then prints one table with each target,
// the measured figure and PASS/MISS. Each benchmark writes bench/results/<name>.json; this writes
// bench/results/summary.json. `npm run bench -- routing timers` runs some.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchResult, formatTable, machine, RESULTS_DIR, readResult, rssMB } from './lib.ts';

const BENCHES: { name: string; file: string; timeoutS: number }[] = [
  { name: 'image-check', file: 'image-check.ts', timeoutS: 120 },
  { name: 'reject', file: 'reject.ts', timeoutS: 60 },
  { name: 'intake', file: 'intake.ts', timeoutS: 240 },
  { name: 'intake-pool', file: 'intake-pool.ts', timeoutS: 480 },
  { name: 'routing', file: 'routing.ts', timeoutS: 180 },
  { name: 'timers', file: 'timers.ts', timeoutS: 330 },
  { name: 'database', file: 'database.ts', timeoutS: 300 },
  { name: 'capacity', file: 'capacity.ts', timeoutS: 300 },
  { name: 'document-view', file: 'document-view.ts', timeoutS: 240 },
  { name: 'card-reading', file: 'card-reading.ts', timeoutS: 300 },
];

const here = fileURLToPath(new URL('./', import.meta.url));
const root = path.resolve(here, '..');

function runOne(
  file: string,
  timeoutS: number,
): Promise<{ code: number | null; timedOut: boolean; tail: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(here, file)], {
      cwd: root,
      // the API in a benchmark runs with the allocator setting the npm start scripts give it
      env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const keep = (b: Buffer) => {
      tail = (tail + b.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, tail });
    });
  });
}

const only = process.argv.slice(2);
const selected = only.length ? BENCHES.filter((b) => only.includes(b.name)) : BENCHES;
const started = performance.now();
const results: BenchResult[] = [];
const failures: string[] = [];
const m = machine();
console.log(`machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryGB} GB, Node ${m.node}, ${m.platform}`);
for (const b of selected) {
  const t = performance.now();
  process.stdout.write(`running ${b.name}... `);
  const out = await runOne(b.file, b.timeoutS);
  const r = readResult(b.name);
  const fresh = r && Date.parse(r.finishedAt) >= Date.now() - (performance.now() - t) - 1000;
  if (out.code === 0 && r && fresh) {
    results.push(r);
    console.log(`${Math.round((performance.now() - t) / 1000)} s`);
  } else {
    failures.push(b.name);
    console.log(out.timedOut ? `timed out after ${b.timeoutS} s` : `failed (exit ${out.code})`);
    console.log(out.tail);
  }
}
const table = formatTable(results);
const totalS = Math.round((performance.now() - started) / 1000);
console.log(`\n${table}\n`);
for (const r of results) for (const n of r.notes) console.log(`- ${r.title}: ${n}`);
console.log(
  `\n${results.flatMap((r) => r.rows).filter((x) => x.pass).length} PASS, ${results.flatMap((r) => r.rows).filter((x) => !x.pass).length} MISS${failures.length ? `, failed to run: ${failures.join(', ')}` : ''}; ${totalS} s in all (runner RSS ${Math.round(rssMB())} MB)`,
);
writeFileSync(
  path.join(RESULTS_DIR, 'summary.json'),
  `${JSON.stringify({ machine: m, totalSeconds: totalS, failures, results }, null, 2)}\n`,
);
process.exit(failures.length ? 1 : 0);
