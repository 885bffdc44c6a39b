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
