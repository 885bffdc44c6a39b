/**
 * Exact non-float rationals over bigint. A `Fraction` is always normalized: the denominator is
 * positive and shares no factor with the numerator, so equal values have equal fields. Hot loops
 * (equal-shares.ts) avoid this module and work on integers over a common denominator instead;
 * this is for setup, explanations and the reference checks.
 */

export interface Fraction {
  readonly num: bigint;
  readonly den: bigint;
}

/**
 * A quotient num/den with den > 0 that may share factors: for values that are only displayed
 * (reducing a several-hundred-bit quotient costs a slow bigint gcd for nothing).
 */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

export function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export function fraction(num: bigint, den: bigint = 1n): Fraction {
  if (den === 0n) throw new Error('fraction: zero denominator');
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

export const ZERO: Fraction = { num: 0n, den: 1n };

export function add(a: Fraction, b: Fraction): Fraction {
  return fraction(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Fraction, b: Fraction): Fraction {
  return fraction(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mul(a: Fraction, b: Fraction): Fraction {
  return fraction(a.num * b.num, a.den * b.den);
}

export function div(a: Fraction, b: Fraction): Fraction {
  if (b.num === 0n) throw new Error('fraction: division by zero');
  return fraction(a.num * b.den, a.den * b.num);
}

/** Sign of a − b, by cross-multiplication (denominators are positive). */
export function compare(a: Fraction, b: Fraction): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function min(a: Fraction, b: Fraction): Fraction {
  return compare(a, b) <= 0 ? a : b;
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
