// Amounts are integer minor units + ISO 4217 code. The number of decimals comes from the currency
// (JPY 0, EUR 2, KWD 3) as Intl knows it.
const KNOWN = new Set(Intl.supportedValuesOf('currency'));

export function isKnownCurrency(code: string): boolean {
  return KNOWN.has(code);
}

export function currencyDecimals(code: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits ?? 2
  );
}

/** "1234" JPY -> "1234"; 1234 EUR -> "12.34"; 1234 KWD -> "1.234"; exact, no floating point. */
export function minorToMajorString(minor: bigint | number, currency: string): string {
  const d = currencyDecimals(currency);
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
