// The perceptual-hash study of `npm run calibrate`: how far apart the hashes of one picture's harmless
// derivatives are, against the closest pair of different pictures (scripts/calibrate-checks.ts).
import { hammingDistance } from '../src/modules/documents/checks.sharp.ts';

/** what the study needs of a scored calibration sample */
export interface HashedSample {
  name: string;
  base: string;
  hash: string;
}

export function duplicateStudy(rows: HashedSample[]): { same: number; different: number; lines: string[] } {
  // "same picture": the original and its lossless-looking derivatives (re-encode, resize, mild blur,
  // mild darkening, small glare); "different": originals of different scenes.
  const sameNames = new Set([
    'original',
    'jpeg q40',
    'half size',
    'blur sigma 0.5',
    'blur sigma 1',
    'dark x0.7',
    'glare 3%',
  ]);
  let same = 0;
  const lines: string[] = [];
  const bases = [...new Set(rows.filter((r) => r.name === 'original').map((r) => r.base))];
  for (const base of bases) {
    const orig = rows.find((r) => r.base === base && r.name === 'original')!;
    const dists = rows
      .filter((r) => r.base === base && sameNames.has(r.name) && r !== orig)
      .map((r) => [r.name, hammingDistance(orig.hash, r.hash)] as const);
    same = Math.max(same, ...dists.map(([, d]) => d));
    lines.push(`| ${base} | ${dists.map(([n, d]) => `${n}: ${d}`).join(', ')} |`);
  }
  const originals = bases.map((b) => rows.find((r) => r.base === b && r.name === 'original')!);
  // Landscape_1 and Landscape_6 are the same photo in two orientations: after auto-orientation they are
  // duplicates, so the "different" comparison uses one of them.
  const distinct = [...originals, ...rows.filter((r) => r.base === 'Channel_digital_image_CMYK_color.jpg')];
  let different = 64;
  for (let i = 0; i < distinct.length; i += 1) {
    for (let j = i + 1; j < distinct.length; j += 1) {
      const a = distinct[i]!;
      const b = distinct[j]!;
      if (a.base.startsWith('CMYK') && b.base.startsWith('Channel')) continue;
      if (a.base.startsWith('Channel') && b.base.startsWith('CMYK')) continue;
      different = Math.min(different, hammingDistance(a.hash, b.hash));
    }
  }
  return { same, different, lines };
}
