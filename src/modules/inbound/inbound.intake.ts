// The deps the e-mail channel's intake runs with (placing an unsorted file, processing a mail): the
// process's, without the second OCR reader (tesseract). That is how the channel has always run: only the
// My Appeal upload and the evidence pack ask the second reader about a number-like line the line reader
// gave no verdict on. Kept explicit here, not implied by a missing closure.
import type { Deps } from '../../platform/deps.ts';

export function withoutSecondReader(deps: Deps): Deps {
  return { ...deps, pools: { ...deps.pools, secondOcr: () => null } };
}
