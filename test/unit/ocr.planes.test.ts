// The planes the card reader reads besides the grey one (ocr.paddle.ts): the light-neutral plane of a
// colour card front and the negative.
import { describe, expect, it } from 'vitest';
import { lightNeutralPlane, negative } from '../../src/modules/documents/ocr.paddle.ts';

const rgb = (pixels: [number, number, number][]) => ({
  data: Buffer.from(pixels.flat()),
  width: pixels.length,
  height: 1,
});

describe('lightNeutralPlane', () => {
  it('keeps silver and white print bright and sends coloured artwork of the same luma to black', () => {
    // light grey digits (luma 190) over wheat green (luma ~190): equal in the grey plane
    const { plane, meanChroma } = lightNeutralPlane(
      rgb([
        [190, 190, 190],
        [170, 205, 120],
        [255, 255, 255],
      ]),
    );
    expect([...plane.data]).toEqual([190, 0, 255]);
    expect(meanChroma).toBeCloseTo(85 / 3, 5);
  });

  it('is the grey plane again on a grey image (mean chroma 0: the reader skips the pass)', () => {
    const { plane, meanChroma } = lightNeutralPlane(
      rgb([
        [10, 10, 10],
        [128, 128, 128],
      ]),
    );
    expect([...plane.data]).toEqual([10, 128]);
    expect(meanChroma).toBe(0);
  });
});

describe('negative', () => {
  it('inverts every pixel', () => {
    const g = { data: Buffer.from([0, 100, 255]), width: 3, height: 1 };
    expect([...negative(g).data]).toEqual([255, 155, 0]);
  });
});
