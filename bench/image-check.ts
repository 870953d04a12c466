// Benchmark 1: the checker (inspectUpload: every rule of the verdict) against a plain full decode
// (`sharp(buf).raw().toBuffer()`) of the same 3-12 MP JPEGs, with the same thread settings (sharp.concurrency
// and the libuv pool, both recorded). Rounds alternate (decode, check, intake, decode...) so drift hits all
// alike; the figure is the median round's throughput ratio. Target: >= 0.8x, on the verdict row. The second
// row is informational: it adds what the intake does after the verdict, storage work (a full-size sanitised
// JPEG encode) and the OCR input, and cannot reach 0.8x of one decode (the encode alone costs about that).
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import sharp from 'sharp';
import { inspectUpload } from '../src/modules/documents/checks.sharp.ts';
import { isMain, median, printResult, round, row, runBench } from './lib.ts';

const VERDICT_ONLY = { sanitise: false, ocrInput: false };

export const PHOTO = '/work/shared/fixtures/real-world/2569067123_aca715a2ee_o.jpg';

/** The real 2725x2225 photo and resized versions of it at 3, 6 and 12 megapixels (JPEG q90). */
export async function testImages(): Promise<{ name: string; bytes: Buffer; mp: number }[]> {
  const real = await readFile(PHOTO);
  const out = [{ name: 'real 2725x2225', bytes: real, mp: (2725 * 2225) / 1e6 }];
  for (const [w, h] of [
    [2000, 1500],
    [3000, 2000],
    [4000, 3000],
  ] as const) {
    const bytes = await sharp(real).resize(w, h, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
    out.push({ name: `${w}x${h}`, bytes, mp: (w * h) / 1e6 });
  }
  return out;
}

/** CPU time of every thread of this process (main and libuv pool) spent by the last timeRound, in ms. */
let lastCpuMs = 0;

async function timeRound(images: Buffer[], fn: (b: Buffer) => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (const b of images) await fn(b);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  lastCpuMs = (used.user + used.system) / 1000;
  return ms;
}

export async function run() {
  return runBench('image-check', '1. Image check vs decode', async () => {
    // the same libvips thread setting for the baseline and the checker (sharp's default: 1 thread per
    // pipeline on glibc without jemalloc, as here); BENCH_SHARP_CONCURRENCY overrides it for both
    if (process.env.BENCH_SHARP_CONCURRENCY) sharp.concurrency(Number(process.env.BENCH_SHARP_CONCURRENCY));
    const concurrency = sharp.concurrency();
    const set = await testImages();
    const images = set.map((s) => s.bytes);
    const decode = (b: Buffer) => sharp(b).raw().toBuffer();
    const check = async (b: Buffer) => {
      const r = await inspectUpload({ buffer: b }, 'ID_FRONT', undefined, VERDICT_ONLY);
      if (r.kind !== 'image') throw new Error(`checker did not accept a bench image: ${r.kind}`);
    };
    const intake = async (b: Buffer) => {
      const r = await inspectUpload({ buffer: b }, 'ID_FRONT');
      if (!r.sanitised || !r.ocrInput) throw new Error('checker produced no sanitised copy / OCR input');
    };
    // warm-up: libvips caches, JIT
    await timeRound(images, decode);
    await timeRound(images, check);
    await timeRound(images, intake);
    const rounds = Number(process.env.BENCH_IMAGE_ROUNDS ?? 15);
    const decodeMs: number[] = [];
    const checkMs: number[] = [];
    const intakeMs: number[] = [];
    const perImage: Record<string, { decodeMs: number[]; checkMs: number[]; intakeMs: number[] }> = {};
    for (const s of set) perImage[s.name] = { decodeMs: [], checkMs: [], intakeMs: [] };
    const cpu = { decode: [] as number[], check: [] as number[], intake: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      decodeMs.push(await timeRound(images, decode));
      cpu.decode.push(lastCpuMs);
      checkMs.push(await timeRound(images, check));
      cpu.check.push(lastCpuMs);
      intakeMs.push(await timeRound(images, intake));
      cpu.intake.push(lastCpuMs);
    }
    // per image, for the table's details
    for (const s of set) {
      for (let i = 0; i < 3; i++) {
        perImage[s.name]!.decodeMs.push(await timeRound([s.bytes], decode));
        perImage[s.name]!.checkMs.push(await timeRound([s.bytes], check));
        perImage[s.name]!.intakeMs.push(await timeRound([s.bytes], intake));
      }
    }
    const ratios = decodeMs.map((d, i) => d / checkMs[i]!);
    const ratio = median(ratios);
    const intakeRatios = decodeMs.map((d, i) => d / intakeMs[i]!);
    const intakeRatio = median(intakeRatios);
    const mpTotal = set.reduce((a, s) => a + s.mp, 0);
    // less sensitive to other processes on the machine than wall time: CPU time per round, all threads
    const cpuRatio = median(cpu.decode) / median(cpu.check);
    const cpuIntakeRatio = median(cpu.decode) / median(cpu.intake);
    return {
      rows: [
        row(
          'checker throughput / decode-only',
          '>= 0.8x',
          `${round(ratio)}x (${round(mpTotal / (median(checkMs) / 1000), 1)} vs ${round(mpTotal / (median(decodeMs) / 1000), 1)} MP/s)`,
          ratio,
          ratio >= 0.8,
        ),
        row(
          'informational: checker + sanitised copy + OCR input / decode-only',
          '(>= 0.8x)',
          `${round(intakeRatio)}x (${round(mpTotal / (median(intakeMs) / 1000), 1)} MP/s)`,
          intakeRatio,
          intakeRatio >= 0.8,
        ),
      ],
      details: {
        sharpConcurrency: concurrency,
        uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? 'default (4)',
        images: set.map((s) => ({ name: s.name, megapixels: round(s.mp), bytes: s.bytes.length })),
        rounds,
        roundDecodeMs: decodeMs.map((x) => round(x, 1)),
        roundCheckMs: checkMs.map((x) => round(x, 1)),
        roundIntakeMs: intakeMs.map((x) => round(x, 1)),
        ratios: ratios.map((x) => round(x, 3)),
        cpuMsMedian: {
          decode: round(median(cpu.decode), 1),
          check: round(median(cpu.check), 1),
          intake: round(median(cpu.intake), 1),
        },
        cpuRatio: round(cpuRatio, 3),
        cpuIntakeRatio: round(cpuIntakeRatio, 3),
        loadAverage1m: round(os.loadavg()[0]!, 2),
        intakeRatios: intakeRatios.map((x) => round(x, 3)),
        perImageMedianMs: Object.fromEntries(
          Object.entries(perImage).map(([k, v]) => [
            k,
            {
              decode: round(median(v.decodeMs), 1),
              check: round(median(v.checkMs), 1),
              intake: round(median(v.intakeMs), 1),
            },
          ]),
        ),
      },
      notes: [
        'check = inspectUpload(buffer, ID_FRONT, defaults, {sanitise: false, ocrInput: false}): every rule of the verdict',
        'check + sanitised copy + OCR input = inspectUpload with its defaults: adds storage work (a full-size JPEG encode) and the OCR JPEG; informational, the target applies to the verdict',
        `by CPU time (all threads, less sensitive to other load on the machine): check ${round(cpuRatio)}x, check + copy + OCR input ${round(cpuIntakeRatio)}x of the decode; 1-minute load average ${round(os.loadavg()[0]!, 1)} at the end`,
        `sharp.concurrency ${concurrency} and the libuv pool size ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'} for the decode and the checker alike`,
      ],
    };
  });
}

if (isMain(import.meta.url)) printResult(await run());
