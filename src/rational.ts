/**
 * Exact fractions over bigint, shared by the outcome rules and the money side (shares, per-learner
 * figures). Invariant: every `Rational` is reduced and its denominator is positive, so equal values
 * have equal fields. No floating point here except `toNumber`, which only the reporting indices
 * (Theil needs ln) use. A `Ratio` may share factors: for values only displayed or rounded.
 */

export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** num/den with den > 0, not necessarily reduced (reducing a long quotient only to print it is wasted work). */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

export const ZERO: Rational = { num: 0n, den: 1n };
export const ONE: Rational = { num: 1n, den: 1n };

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

export function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function rational(num: bigint, den = 1n): Rational {
  if (den === 0n) throw new RangeError('rational: zero denominator');
  const sign = den < 0n ? -1n : 1n;
  const divisor = gcd(num, den);
  return { num: (sign * num) / divisor, den: (sign * den) / divisor };
}

export function add(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mul(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

export function div(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError('rational: division by zero');
  return rational(a.num * b.den, a.den * b.num);
}

/** -1, 0 or 1. */
export function cmp(a: Rational, b: Rational): number {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Fixed-point text with `places` decimals, rounded half to even, e.g. 1/3 → "0.33", 5/8 → "0.62". */
export function toFixed(a: Rational, places: number): string {
  const scale = 10n ** BigInt(places);
  const scaled = a.num * scale;
  const negative = scaled < 0n;
  const magnitude = abs(scaled);
  let q = magnitude / a.den;
  const twiceRemainder = 2n * (magnitude - q * a.den);
  if (twiceRemainder > a.den || (twiceRemainder === a.den && q % 2n === 1n)) q += 1n;
  const digits = q.toString().padStart(places + 1, '0');
  const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return negative && q !== 0n ? `-${text}` : text;
}

/** Rounded to `places` decimals (half-even, exact) and returned as a number for JSON reports. */
export function toRoundedNumber(a: Rational, places: number): number {
  return Number(toFixed(a, places));
}

/**
 * Nearest double, for inputs to transcendental functions only. Scales so the quotient keeps
 * about 64 significant bits whatever the size of the operands.
 */
export function toNumber(a: Rational): number {
  return quotientToNumber(a.num, a.den);
}

/** num / den as a double without reducing the fraction first (a gcd of huge operands is slow). */
export function quotientToNumber(num: bigint, den: bigint): number {
  if (den === 0n) throw new RangeError('quotient: zero denominator');
  if (den < 0n) return quotientToNumber(-num, -den);
  if (num === 0n) return 0;
  const shift = bitLength(den) - bitLength(abs(num)) + 64;
  const quotient = shift >= 0 ? (num << BigInt(shift)) / den : num / (den << BigInt(-shift));
  return Number(quotient) * 2 ** -shift;
}

function bitLength(value: bigint): number {
  return value.toString(2).length;
}

/** "7/3", or "5" when the value is whole: how exact shares are explained. */
export function formatFraction(a: Rational): string {
  return a.den === 1n ? a.num.toString() : `${a.num}/${a.den}`;
}

const DECIMAL = /^(\d{1,9})(?:\.(\d{1,6}))?$/;

/**
 * A non-negative decimal string (at most 9 integer digits and 6 decimals, as the needs index is
 * stored) parsed exactly: "1.25" → 5/4. Anything else (signs, exponents, spaces) is undefined.
 */
export function parseDecimal(text: string): Rational | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const fraction = match[2] ?? '';
  return rational(BigInt(`${match[1] ?? '0'}${fraction}`), 10n ** BigInt(fraction.length));
}

export function min(a: Rational, b: Rational): Rational {
  return cmp(a, b) <= 0 ? a : b;
}

/** Largest integer ≤ the value. */
export function floor(a: Ratio): bigint {
  const q = a.num / a.den; // truncates toward zero
  return a.num < 0n && q * a.den !== a.num ? q - 1n : q;
}

/** Smallest integer ≥ the value. */
export function ceil(a: Ratio): bigint {
  return -floor({ num: -a.num, den: a.den });
}
