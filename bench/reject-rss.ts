// Child of bench/reject.ts: RSS growth while the 280-megapixel pixel bomb is rejected, in a process that
// did nothing else. The baseline is taken after sharp/libvips is loaded and one small image was checked,
// so library start-up does not count as growth. Prints one JSON line.
import sharp from 'sharp';
import { inspectUpload } from '../src/modules/documents/checks.sharp.ts';
import { GIANT } from './reject.ts';
import { rssMB, rssSampler, sleep } from './lib.ts';

const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
  .jpeg()
  .toBuffer();
await inspectUpload({ buffer: small }, 'ID_FRONT');
await sleep(100);
const baselineMB = rssMB();
const sampler = rssSampler(2);
const rejections = 20;
for (let i = 0; i < rejections; i++) {
  const r = await inspectUpload({ path: GIANT }, 'ID_FRONT');
  if (r.passed) throw new Error('the pixel bomb was accepted');
}
const peakMB = sampler.stop();
console.log(JSON.stringify({ baselineMB, peakMB, growthMB: peakMB - baselineMB, rejections }));
