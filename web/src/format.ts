/**
 * Money in the community's currency, in major units, written for the reader's locale (`€1,500.00`
 * in English, `1.500,00 €` in German), and plain dates. The API and the ledger keep integer minor
 * units and a fixed, locale-free form (`EUR 1,500.00` in recorded explanations); only here, at the
 * reader, does the locale apply. Every function takes the locale as an optional last argument
 * (tests pass one); by default it is the browser's.
 */

/** The reader's locale: the browser's first preference; `en` where there is no browser. */
export function readerLocale(): string {
  // through globalThis: this module is also compiled (and unit-tested) without the DOM types
  const language = (globalThis as { navigator?: { language?: string } }).navigator?.language;
  return language === undefined || language === '' ? 'en' : language;
}

function digits(currency: string): number {
  // ISO 4217 minor-unit digits, as Intl knows them (JPY 0, EUR 2, KWD 3), whatever the locale
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** "150000" minor units of EUR → "€1,500.00" (en). Exact for any integer string (no float rounding). */
export function formatMoney(minor: string | bigint, currency: string, locale = readerLocale()): string {
  const value = BigInt(minor);
  const scale = digits(currency);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const factor = 10n ** BigInt(scale);
  const major = abs / factor;
  const fraction = (abs % factor).toString().padStart(scale, '0');
  const text = `${negative ? '-' : ''}${scale === 0 ? major.toString() : `${major}.${fraction}`}`;
  // Intl accepts decimal strings exactly (Intl.NumberFormat v3); the cast covers older lib types.
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: scale, maximumFractionDigits: scale }).format(text as unknown as number);
}

function separators(locale: string): { decimal: string; group: string } {
  const parts = new Intl.NumberFormat(locale).formatToParts(1234567.5);
  return { decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.', group: parts.find((p) => p.type === 'group')?.value ?? ',' };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What a reader typed in major units → minor units as a string, or undefined when it is not a sum.
 * Reads the locale's separators ("1,500.5" in English, "1.500,5" in German); a `.` that cannot be a
 * group separator ("12.5" typed in German) is read as the decimal point rather than dropped.
 */
export function parseMajor(text: string, currency: string, locale = readerLocale()): string | undefined {
  const scale = digits(currency);
  const { decimal, group } = separators(locale);
  const compact = text.trim().replace(/[\s\u00a0\u202f]/g, '');
  // groups of whitespace (fr, sv) are already gone from `compact`
  const grouped = new RegExp(`^\\d{1,3}(?:${escape(group)}\\d{3})+$`);
  let whole: string;
  let fraction = '';
  const at = compact.lastIndexOf(decimal);
  if (at >= 0) {
    whole = compact.slice(0, at).split(group).join('');
    fraction = compact.slice(at + 1);
  } else if (grouped.test(compact)) {
    whole = compact.split(group).join('');
  } else if (decimal !== '.' && compact.includes('.')) {
    [whole = '', fraction = ''] = compact.split('.', 2);
    if (compact.split('.').length > 2) return undefined;
  } else {
    whole = compact;
  }
  if (!/^\d{1,15}$/.test(whole) || !/^\d*$/.test(fraction)) return undefined;
  if (fraction.length > scale) return undefined;
  return (BigInt(whole) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, '0') || '0')).toString();
}

export function currencySymbolStep(currency: string): string {
  const scale = digits(currency);
  return scale === 0 ? '1' : `0.${'0'.repeat(scale - 1)}1`;
}

export function formatDate(iso: string, locale = readerLocale()): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso));
}

export function formatNumber(value: number, fractionDigits = 3, locale = readerLocale()): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: fractionDigits }).format(value);
}
