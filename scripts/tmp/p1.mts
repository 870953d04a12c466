import { createPaddleReader } from '../../src/modules/documents/ocr.paddle.ts';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
const dir='/work/shared/fixtures/real-cards/';
let t=Date.now();
const r = await createPaddleReader({threads: 1});
console.log('create', Date.now()-t);
for (const f of process.argv.slice(2)) {
  const buf = await sharp(readFileSync(dir+f)).rotate().resize({width:1600,height:2400,fit:'inside'}).greyscale().jpeg({quality:85}).toBuffer();
  t=Date.now(); const lines = await r.readLines(buf);
  console.log(f, Date.now()-t, 'ms', JSON.stringify(lines.map(l=>[l.text,l.digits,+l.conf.toFixed(2)])));
}
