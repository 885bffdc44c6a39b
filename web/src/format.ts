/** Money in the community's currency, in major units (`€1,500.00`), and plain dates. */
const LOCALE = 'en';

function digits(currency: string): number {
  return new Intl.NumberFormat(LOCALE, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** "150000" minor units of EUR → "€1,500.00". Exact for any integer string (no float rounding). */
export function formatMoney(minor: string | bigint, currency: string): string {
  const value = BigInt(minor);
  const scale = digits(currency);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const factor = 10n ** BigInt(scale);
  const major = abs / factor;
  const fraction = (abs % factor).toString().padStart(scale, '0');
  const text = scale === 0 ? major.toString() : `${major}.${fraction}`;
  // Intl accepts decimal strings exactly (Intl.NumberFormat v3); the cast covers older lib types.
  const formatted = new Intl.NumberFormat(LOCALE, { style: 'currency', currency }).format(text as unknown as number);
  return negative ? `-${formatted}` : formatted;
}

/** "1500" or "1,500.5" typed in major units → minor units as a string, or undefined when not a sum. */
export function parseMajor(text: string, currency: string): string | undefined {
  const scale = digits(currency);
  const cleaned = text.trim().replace(/[,\s]/g, '');
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(cleaned);
  if (match === null) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > scale) return undefined;
  return (BigInt(match[1] ?? '0') * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, '0') || '0')).toString();
}

export function currencySymbolStep(currency: string): string {
  const scale = digits(currency);
  return scale === 0 ? '1' : `0.${'0'.repeat(scale - 1)}1`;
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso));
}

export function formatNumber(value: number, fractionDigits = 3): string {
  return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: fractionDigits }).format(value);
}
