/**
 * Whole non-negative numbers as written in `.pb` files. Budgets and costs are whole currency
 * units; a limit on digits keeps a hostile file from making huge bigints.
 */
export const MAX_DIGITS = 30;

const WHOLE = /^[0-9]+$/;
const DECIMAL = /^([0-9]+)[.,]([0-9]+)$/;

/** "12" → 12n; anything else (sign, decimals, spaces, too many digits) → undefined. */
export function parseWhole(text: string): bigint | undefined {
  if (text.length === 0 || text.length > MAX_DIGITS || !WHOLE.test(text)) return undefined;
  return BigInt(text);
}

/** "740793.05" → { whole: 740793n, exact: false }; whole numbers are exact. */
export function parseAmount(text: string): { whole: bigint; exact: boolean } | undefined {
  const whole = parseWhole(text);
  if (whole !== undefined) return { whole, exact: true };
  const m = DECIMAL.exec(text);
  if (!m || m[1]!.length > MAX_DIGITS || m[2]!.length > MAX_DIGITS) return undefined;
  return { whole: BigInt(m[1]!), exact: /^0+$/.test(m[2]!) };
}
