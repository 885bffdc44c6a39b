/**
 * Number formatting for explanations. Explanations are recorded in the ledger and recomputed by
 * auditors, so the format is fixed here (no locale APIs): thousands separated by ",", two decimals
 * for shares of money, rounded in the direction that keeps the sentence true.
 *
 * How money and proposals are written is a `Presentation` the caller chooses: `PLAIN` (bare
 * numbers in the units of the budget, proposals by key) is what the rules write on their own and
 * what outcomes recorded before amounts carried a currency used; the service passes one that
 * writes `EUR 1,500.00` and `P1 "Title"` (src/governance/explanation-format.ts).
 */
import { ceil, floor, type Ratio } from '../rational.js';

/** How an explanation writes money and names proposals. Counts (votes, voters, runs) stay plain numbers. */
export interface Presentation {
  /** an amount of money, in the units of the budget */
  money: (value: bigint) => string;
  /** a fraction of money in the units of the budget: `up` for "at most" sentences, `down` for "only had" */
  share: (value: Ratio, round: 'up' | 'down') => string;
  /** a proposal, by its key */
  name: (key: string) => string;
}

/** Bare numbers and keys: the rules' own form (and that of outcomes recorded before format 2). */
export const PLAIN: Presentation = { money: formatAmount, share: formatShare, name: (key) => key };

/** 1234567n → "1,234,567". */
export function formatAmount(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString();
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return negative ? `-${out}` : out;
}

/** A money fraction with two decimals: `up` for "at most" sentences, `down` for "only had". */
export function formatShare(value: Ratio, round: 'up' | 'down'): string {
  const scaled = { num: value.num * 100n, den: value.den };
  const cents = round === 'up' ? ceil(scaled) : floor(scaled);
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const whole = formatAmount(abs / 100n);
  const rest = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${rest}`;
}

/** "1 vote" / "2 votes". */
export function plural(count: bigint | number, one: string, many: string): string {
  return `${formatAmount(BigInt(count))} ${count === 1n || count === 1 ? one : many}`;
}

/** "P1", "P1 and P2", "P1, P2 and 3 others". */
export function listKeys(keys: readonly string[], max = 3): string {
  if (keys.length <= max) {
    if (keys.length <= 1) return keys.join('');
    return `${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]}`;
  }
  const more = keys.length - max;
  return `${keys.slice(0, max).join(', ')} and ${more} ${more === 1 ? 'other' : 'others'}`;
}
