/**
 * Minor units per whole currency unit (ISO 4217 exponent). Amounts are integer minor units; the
 * equal-shares completions step voter budgets by one *whole* unit, so they need this factor.
 */
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
const THREE_DECIMAL = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

export function currencyExponent(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0;
  if (THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

export function currencyUnitMinor(currency: string): bigint {
  return 10n ** BigInt(currencyExponent(currency));
}

/**
 * An amount as a person reads it, in one fixed, locale-free form: the ISO 4217 code, a space,
 * the whole units grouped by commas, and the currency's minor-unit digits (`EUR 1,500.00`,
 * `JPY 1,500`, `KWD 1.500`, `PLN -12.05`). Ledger entries and the recount use this form, so it
 * must never depend on the machine's locale; the web app formats for its reader instead.
 */
export function formatMoney(minor: bigint, currency: string): string {
  const digits = currencyExponent(currency);
  const negative = minor < 0n;
  const magnitude = negative ? -minor : minor;
  const unit = 10n ** BigInt(digits);
  const whole = (magnitude / unit).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits === 0 ? '' : `.${(magnitude % unit).toString().padStart(digits, '0')}`;
  return `${currency} ${negative ? '-' : ''}${whole}${fraction}`;
}
