// Amounts are integer minor units + ISO 4217 code. The number of decimals is the currency's ISO 4217
// minor-unit exponent (JPY 0, EUR 2, KWD 3), from ONE table: CLDR, which Intl uses, disagrees with ISO for
// several currencies (it shows 0 decimals for IDR, HUF and IQD, ISO says 2, 2 and 3), and amounts arrive
// in minor units as the payment side counts them, so the ISO exponent is the one that places the point.
const KNOWN = new Set(Intl.supportedValuesOf('currency'));

export function isKnownCurrency(code: string): boolean {
  return KNOWN.has(code);
}

// ISO 4217 minor units of the currencies whose exponent is not 2 (everything else has 2).
// biome-ignore format: a table reads better packed
const ISO_EXPONENT: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0,
  VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** The ISO 4217 minor-unit exponent: JPY 0, EUR 2, IDR 2, HUF 2, KWD 3, IQD 3, CLF 4. */
export function currencyExponent(currency: string): number {
  return ISO_EXPONENT[currency] ?? 2;
}

/** Same as currencyExponent (kept for callers that read better with "decimals"). */
export function currencyDecimals(code: string): number {
  return currencyExponent(code);
}

/** 1234 JPY -> "1234"; 1234 EUR -> "12.34"; 1234 KWD -> "1.234"; exact, no floating point. */
export function minorToMajorString(minor: bigint | number, currency: string): string {
  const d = currencyExponent(currency);
  const v = BigInt(minor);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  if (d === 0) return `${neg ? '-' : ''}${abs}`;
  const s = abs.toString().padStart(d + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -d)}.${s.slice(-d)}`;
}

export interface Money {
  value: number;
  currency: string;
}

export function money(minor: bigint | number, currency: string): Money {
  return { value: Number(minor), currency: currency.trim() };
}
