import { readFileSync } from 'node:fs';
import { createPaddleReader } from '../../src/modules/documents/ocr.paddle.ts';
import { inspectUpload } from '../../src/modules/documents/checks.sharp.ts';
const dir='/work/shared/fixtures/real-cards/';
const r = await createPaddleReader({threads: 1});
for (const f of process.argv.slice(2)) {
  const ins = await inspectUpload({path: dir+f}, 'CARD_FRONT' as never);
  for (const inv of [false, true]) { const lines = await r.readLines(ins.ocrInput!, {invert: inv});
  console.log(f, inv, JSON.stringify(lines.map(l=>[l.text,l.digits,+l.conf.toFixed(2), l.h])));}
}
