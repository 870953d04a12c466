// The line reader's second lane (ocr.recogniser.ts): a page's lines shared between the reader's own
// recogniser session and a helper thread's. Reading with the helper gives the same lines as reading
// alone, the helper does take lines, and a helper that has gone leaves the read to the own session.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPaddleReader,
  decodeImage,
  emptyTimings,
  type PaddleReader,
  paddleModelDir,
} from '../../src/modules/documents/ocr.paddle.ts';
import {
  createRecogniser,
  prepareLine,
  type Recogniser,
  recogniseAll,
  startRecHelper,
} from '../../src/modules/documents/ocr.recogniser.ts';
import { REAL_CARDS_DIR } from '../support/shared.ts';

// a passport page: 30+ text lines, the kind of document the helper is for
const PAGE = path.join(REAL_CARDS_DIR, 'pp_td3_orig.jpg');

describe('recogniser helper', () => {
  let alone: PaddleReader;
  let paired: PaddleReader;
  let own: Recogniser;
  beforeAll(async () => {
    [alone, paired, own] = await Promise.all([
      createPaddleReader(),
      createPaddleReader({ helper: true }),
      createRecogniser(paddleModelDir(), 1),
    ]);
    // the reader is ready before its helper; reads before that run on one lane
    expect(await paired.helperStarted()).toBe(true);
    expect(await alone.helperStarted()).toBe(false);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([alone?.close(), paired?.close(), own?.release()]);
  });

  it('reads the same lines as the reader alone, a share of them on the helper thread', async () => {
    const bytes = await readFile(PAGE);
    const t1 = emptyTimings();
    const t2 = emptyTimings();
    const one = await alone.readLines(bytes, { timings: t1 });
    const two = await paired.readLines(bytes, { timings: t2 });
    expect(one.length).toBeGreaterThan(20);
    expect(two).toEqual(one);
    expect(t1.helperLines).toBe(0);
    expect(t2.helperLines).toBeGreaterThan(0);
    expect(t2.helperLines).toBeLessThan(t2.lines);
  }, 60_000);

  it('reads every line on its own session once the helper has exited', async () => {
    const { grey } = await decodeImage(await readFile(PAGE));
    const boxes = [0, 1, 2, 3].map((i) => ({ x: 10, y: 40 + i * 60, w: 400, h: 40 }));
    const expected = await recogniseAll(
      boxes.map((b) => prepareLine(grey, b, null)),
      own,
      null,
    );
    const helper = await startRecHelper(paddleModelDir());
    await helper.close();
    const got = await recogniseAll(
      boxes.map((b) => prepareLine(grey, b, null)),
      own,
      helper,
    );
    expect(got.byHelper).toBe(0);
    expect(got.texts).toEqual(expected.texts);
    expect(expected.byHelper).toBe(0);
  }, 60_000);
});
