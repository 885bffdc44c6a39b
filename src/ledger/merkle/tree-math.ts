/**
 * Integer helpers for tree shapes, loop-free (via base-2 strings) so no input can make them spin:
 * a bigint `-1n >> 1n` never reaches 0, so negative and zero inputs are refused up front.
 * Sizes and indices arrive as `number | bigint`; stored trees use safe integers (< 2^53), the
 * verifiers accept the RFC's full uint64 range.
 */
import { MerkleError, type MerkleErrorCode } from './errors.js';

export type TreeInteger = number | bigint;

const MAX_UINT64 = (1n << 64n) - 1n;

/** Number of bits needed to write x (0 for 0). */
export function bitLength(x: number | bigint): number {
  assertNonNegativeInteger(x);
  return x === 0 || x === 0n ? 0 : x.toString(2).length;
}

/** Number of one bits in x. */
export function popCount(x: number | bigint): number {
  assertNonNegativeInteger(x);
  let ones = 0;
  for (const digit of x.toString(2)) if (digit === '1') ones += 1;
  return ones;
}

/** Number of trailing zero bits of x, which must be positive (0 has no lowest set bit). */
export function trailingZeros(x: number | bigint): number {
  assertNonNegativeInteger(x);
  if (x === 0 || x === 0n) throw new Error('trailingZeros(0) is undefined');
  const bits = x.toString(2);
  return bits.length - 1 - bits.lastIndexOf('1');
}

/** The largest power of two strictly below n (RFC 9162's split point k), for n >= 2. */
export function largestPowerOfTwoBelow(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2) throw new Error(`no power of two split for ${n}`);
  return 2 ** (bitLength(n - 1) - 1);
}

/** A tree size or index of a stored tree as a safe integer, or a MerkleError with `code`. */
export function toSafeIndex(value: TreeInteger, code: MerkleErrorCode, what: string): number {
  if (typeof value === 'bigint') {
    if (value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  } else if (Number.isSafeInteger(value) && value >= 0) {
    return value;
  }
  throw new MerkleError(code, `${what} must be an integer in [0, 2^53), got ${String(value)}`);
}

/** A tree size or index as a uint64 bigint (the verifiers' domain), or a MerkleError with `code`. */
export function toUint64(value: TreeInteger, code: MerkleErrorCode, what: string): bigint {
  if (typeof value === 'bigint') {
    if (value >= 0n && value <= MAX_UINT64) return value;
  } else if (Number.isSafeInteger(value) && value >= 0) {
    return BigInt(value);
  }
  throw new MerkleError(code, `${what} must be an integer in [0, 2^64), got ${String(value)}`);
}

function assertNonNegativeInteger(x: number | bigint): void {
  const ok = typeof x === 'bigint' ? x >= 0n : Number.isSafeInteger(x) && x >= 0;
  if (!ok) throw new Error(`expected a non-negative integer, got ${String(x)}`);
}
