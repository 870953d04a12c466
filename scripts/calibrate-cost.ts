// The "Cost" section of docs/calibration.md: CPU time of the checker against a plain decode. Split from
// scripts/calibrate-checks.ts, which calls costStudy() unless --no-cost.
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { DEFAULT_THRESHOLDS, inspectUpload } from '../src/modules/documents/checks.sharp.ts';

const jpeg = (p: Sharp) => p.jpeg({ quality: 92 }).toBuffer();
const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');

/** CPU milliseconds per call (all threads of this process), median of interleaved rounds. */
export let loadAtCost = '-';

export async function costStudy(fixtures: string): Promise<string> {
  const fixture = (name: string) => readFile(path.join(fixtures, name));
  loadAtCost = os.loadavg()[0]!.toFixed(1);
  sharp.cache(false); // repeated identical inputs must not be served from libvips' operation cache
  const photo = await fixture('2569067123_aca715a2ee_o.jpg');
  // a 12 MP test image with sensor-like noise, so that it does not compress (and decode) unrealistically well
  const noise = Buffer.alloc(4000 * 3000 * 3);
  let x = 7;
  for (let i = 0; i < noise.length; i += 1) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    noise[i] = 116 + ((x >> 16) % 24);
  }
  const grain = await sharp(noise, { raw: { width: 4000, height: 3000, channels: 3 } })
    .png()
    .toBuffer();
  const files: [string, Buffer][] = [
    ['3 MP (2000x1633)', await jpeg(sharp(photo).resize(2000))],
    ['6 MP (2725x2225, as shot)', photo],
    [
      '12 MP (4000x3000)',
      await jpeg(
        sharp(photo)
          .resize(4000, 3000, { fit: 'fill' })
          .composite([{ input: grain, blend: 'overlay' }]),
      ),
    ],
  ];
  const variants: [string, (b: Buffer) => Promise<unknown>][] = [
    ['baseline: sharp(buf).raw().toBuffer()', (b) => sharp(b).raw().toBuffer()],
    [
      'checks only (sanitise: false, ocrInput: false)',
      (b) =>
        inspectUpload({ buffer: b }, 'ID_FRONT', DEFAULT_THRESHOLDS, { sanitise: false, ocrInput: false }),
    ],
    [
      'checks + sanitised JPEG (ocrInput: false)',
      (b) => inspectUpload({ buffer: b }, 'ID_FRONT', DEFAULT_THRESHOLDS, { ocrInput: false }),
    ],
    ['full inspectUpload (defaults)', (b) => inspectUpload({ buffer: b }, 'ID_FRONT')],
  ];
  const reject: [string, Buffer][] = [
    ['giant-image.jpg (pixel bomb)', await fixture('giant-image.jpg')],
    [
      'GIF',
      await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#c33' } })
        .gif()
        .toBuffer(),
    ],
  ];
  const rounds = 5;
  const perCall = async (fn: () => Promise<unknown>, n: number) => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i += 1) await fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / n;
  };
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const lines: string[] = [];
  lines.push(`| file | ${variants.map(([n]) => n).join(' | ')} |`);
  lines.push(`| --- | ${variants.map(() => '---:').join(' | ')} |`);
  for (const [name, bytes] of files) {
    const samples: number[][] = variants.map(() => []);
    for (const [, fn] of variants) await fn(bytes); // warm up
    for (let r = 0; r < rounds; r += 1) {
      for (const [i, [, fn]] of variants.entries()) samples[i]!.push(await perCall(() => fn(bytes), 2));
    }
    const ms = samples.map(median);
    const base = ms[0]!;
    lines.push(`| ${name} | ${ms.map((m) => `${f(m, 0)} ms (${f(base / m, 2)}x)`).join(' | ')} |`);
  }
  const rejectLines = [];
  for (const [name, bytes] of reject) {
    const ms = await perCall(() => inspectUpload({ buffer: bytes }, 'ID_FRONT'), 10);
    rejectLines.push(`| ${name} | ${f(ms, 2)} ms |`);
  }
  return `${lines.join('\n')}\n\nRejections decided from size, magic bytes and header (CPU per call):\n\n| upload | cost |\n| --- | ---: |\n${rejectLines.join('\n')}`;
}
