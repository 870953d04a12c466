import { readFileSync } from 'node:fs';
import { createOcrPool } from '../../src/modules/documents/ocr.ts';
import { lineReaderEngineFactory } from '../../src/modules/documents/ocr.engine.ts';
const dir='/work/shared/fixtures/real-cards/';
let t=Date.now();
const pool = createOcrPool({ workers: 1, maxQueue: 8, engineFactory: lineReaderEngineFactory(), timeoutMs: 30000 });
for (const f of process.argv.slice(2)) { t=Date.now(); const r = await pool.read(readFileSync(dir+f), { cardFront: true }); console.log(f, Date.now()-t, JSON.stringify(r)); }
await pool.close();
