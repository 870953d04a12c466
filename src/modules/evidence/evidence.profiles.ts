// The limits of the card networks' dispute systems that an evidence pack must fit (issue 19 point 7; the
// sources are in README.md, "Evidence pack"). A megabyte here is 1,000,000 bytes: a pack that fits the
// decimal megabyte fits the binary one too.
export const PACK_PROFILES = ['generic', 'visa', 'mastercard', 'amex'] as const;
export type PackProfileName = (typeof PACK_PROFILES)[number];

export interface PackProfile {
  name: PackProfileName;
  /** the whole PDF, in bytes */
  maxBytes: number;
  /** resolution of every embedded image on the page it is drawn on */
  maxDpi: number;
  /** pages of the whole PDF, cover included; null = no limit */
  maxPages: number | null;
  /** what the cover says the pack was made for */
  label: string;
}

const MB = 1_000_000;

export const PROFILES: Record<PackProfileName, PackProfile> = {
  generic: { name: 'generic', maxBytes: 10 * MB, maxDpi: 300, maxPages: null, label: 'generic' },
  visa: { name: 'visa', maxBytes: 2 * MB, maxDpi: 200, maxPages: 100, label: 'Visa' },
  mastercard: { name: 'mastercard', maxBytes: 14 * MB, maxDpi: 300, maxPages: 18, label: 'Mastercard' },
  amex: { name: 'amex', maxBytes: 1 * MB, maxDpi: 200, maxPages: 100, label: 'American Express' },
};

/** Below this the pack gives up (422) rather than send pages nobody can read. */
export const MIN_DPI = 96;

export interface FitStep {
  /** the resolution images are drawn at in this attempt */
  dpi: number;
  /** JPEG quality */
  quality: number;
}

/**
 * The attempts, best first: the profile's resolution at falling JPEG quality, then lower resolutions
 * (x0.8 each) down to MIN_DPI. The first attempt whose PDF fits is sent. Pure, so the order is tested.
 */
export function fitSteps(maxDpi: number): FitStep[] {
  const steps: FitStep[] = [];
  const qualities = [85, 72, 60, 50];
  let dpi = maxDpi;
  for (;;) {
    for (const quality of qualities) steps.push({ dpi, quality });
    if (dpi <= MIN_DPI) break;
    dpi = Math.max(MIN_DPI, Math.floor(dpi * 0.8));
  }
  steps.push({ dpi: MIN_DPI, quality: 40 });
  return steps;
}
