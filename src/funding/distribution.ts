/**
 * Distributions (SPEC §4): an amount from the pool split among communities by a formula, in whole
 * minor units by the largest-remainder method. Invariants: the parts always sum to the amount
 * exactly; a community with zero weight never receives a leftover unit; the result does not depend
 * on the order the communities are given in. Pure: previews (`dryRun`) and commits compute the same.
 */
import { assertNever } from '../governance/principal.js';
import { communityAccount, POOL } from './accounts.js';
import { formatFraction, gcd, mul, parseDecimal, rational, type Rational } from '../rational.js';
import { derivedTransferId } from './transfer-id.js';
import { MAX_MEMO_LENGTH, type TransferCommand } from './transfer.js';

export const DISTRIBUTION_FORMULAS = ['equal', 'per-learner', 'needs-weighted', 'base-plus-per-learner'] as const;
export type DistributionFormula = (typeof DISTRIBUTION_FORMULAS)[number];

export interface DistributionCommunity {
  id: string;
  learners: number;
  /** decimal string ≥ 0, e.g. "1.25" (at most 9 integer digits and 6 decimals) */
  needsIndex: string;
}

export interface DistributionInput {
  amountMinor: bigint;
  formula: DistributionFormula;
  /** what each community gets first under `base-plus-per-learner`; not allowed with other formulas */
  baseMinor?: bigint;
  communities: readonly DistributionCommunity[];
}

export interface DistributionPart {
  communityId: string;
  amountMinor: bigint;
  /** the community's weight: 1 (equal), its learners, or learners × needs index, e.g. "150" or "301/2" */
  weight: string;
  /** the exact share in minor units before rounding (base included), e.g. "1000/3" */
  exactShare: string;
  /** true when this part got one of the leftover minor units */
  remainderUnit: boolean;
}

/** Result codes in order of precedence. */
export const DISTRIBUTION_CODES = [
  /** the amount is zero or negative */
  'amount-not-positive',
  /** the list of communities is empty */
  'no-communities',
  /** a community appears twice */
  'duplicate-community',
  /** a learner count is not a whole number ≥ 0 */
  'invalid-learners',
  /** a needs index is not a decimal string ≥ 0 */
  'invalid-needs-index',
  /** base-plus-per-learner without a base ≥ 0, or a base given with another formula */
  'invalid-base',
  /** base × number of communities is more than the amount */
  'base-exceeds-amount',
  /** there is money to share by weight but every weight is zero */
  'no-weight',
] as const;

export type DistributionCode = (typeof DISTRIBUTION_CODES)[number];

export type DistributionResult =
  | { ok: true; formula: DistributionFormula; amountMinor: bigint; baseMinor: bigint; parts: DistributionPart[] }
  | { ok: false; code: DistributionCode; detail: string };

export function distribute(input: DistributionInput): DistributionResult {
  const reject = (code: DistributionCode, detail: string): DistributionResult => ({ ok: false, code, detail });
  const { amountMinor, formula, communities } = input;
  if (amountMinor <= 0n) return reject('amount-not-positive', 'the amount must be at least 1 minor unit');
  if (communities.length === 0) return reject('no-communities', 'there are no communities to distribute to');
  const ids = new Set<string>();
  const needs: Rational[] = [];
  for (const community of communities) {
    if (ids.has(community.id)) return reject('duplicate-community', `community ${community.id} is listed twice`);
    ids.add(community.id);
    if (!Number.isSafeInteger(community.learners) || community.learners < 0) {
      return reject('invalid-learners', `community ${community.id}: learners must be a whole number ≥ 0`);
    }
  }
  // Checked under every formula: a bad stored value is reported, not hidden by the formula in use.
  for (const community of communities) {
    const parsed = parseDecimal(community.needsIndex);
    if (parsed === undefined) {
      return reject('invalid-needs-index', `community ${community.id}: needs index ${JSON.stringify(community.needsIndex)} is not a decimal ≥ 0`);
    }
    needs.push(parsed);
  }
  const withBase = formula === 'base-plus-per-learner';
  if (withBase ? input.baseMinor === undefined || input.baseMinor < 0n : input.baseMinor !== undefined) {
    return reject('invalid-base', withBase ? 'base-plus-per-learner needs a base ≥ 0' : `a base only applies to base-plus-per-learner, not ${formula}`);
  }
  const baseMinor = input.baseMinor ?? 0n;
  const count = BigInt(communities.length);
  if (baseMinor * count > amountMinor) {
    return reject('base-exceeds-amount', `a base of ${baseMinor} for ${count} communities is more than the amount ${amountMinor}`);
  }
  const weights = communities.map((community, i) => weightOf(formula, community, needs[i] ?? rational(1n)));
  const scaled = toIntegers(weights);
  const totalWeight = scaled.reduce((sum, w) => sum + w, 0n);
  const shareable = amountMinor - baseMinor * count;
  if (shareable > 0n && totalWeight === 0n) return reject('no-weight', `every community has weight 0 under ${formula}`);

  const rows = communities.map((community, i) => {
    const weight = scaled[i] ?? 0n;
    const numerator = totalWeight === 0n ? 0n : shareable * weight;
    const floorMinor = totalWeight === 0n ? 0n : numerator / totalWeight;
    return {
      communityId: community.id,
      weight: formatFraction(weights[i] ?? rational(0n)),
      exactShare: formatFraction(rational(baseMinor * (totalWeight || 1n) + numerator, totalWeight || 1n)),
      amountMinor: baseMinor + floorMinor,
      remainder: numerator - floorMinor * totalWeight,
      remainderUnit: false,
    };
  });
  let leftover = shareable - rows.reduce((sum, row) => sum + (row.amountMinor - baseMinor), 0n);
  // Largest fractional remainder first; ties by ascending community id (code-unit order).
  const byRemainder = [...rows].sort((a, b) => (a.remainder === b.remainder ? compareIds(a.communityId, b.communityId) : a.remainder > b.remainder ? -1 : 1));
  for (const row of byRemainder) {
    if (leftover === 0n) break;
    row.amountMinor += 1n;
    row.remainderUnit = true;
    leftover -= 1n;
  }
  const parts = rows
    .sort((a, b) => compareIds(a.communityId, b.communityId))
    .map(({ communityId, amountMinor: part, weight, exactShare, remainderUnit }) => ({ communityId, amountMinor: part, weight, exactShare, remainderUnit }));
  return { ok: true, formula, amountMinor, baseMinor, parts };
}

function weightOf(formula: DistributionFormula, community: DistributionCommunity, needsIndex: Rational): Rational {
  switch (formula) {
    case 'equal':
      return rational(1n);
    case 'per-learner':
    case 'base-plus-per-learner':
      return rational(BigInt(community.learners));
    case 'needs-weighted':
      return mul(rational(BigInt(community.learners)), needsIndex);
    default:
      return assertNever(formula);
  }
}

/** Scales rational weights by the least common multiple of their denominators: same proportions, whole numbers. */
function toIntegers(weights: readonly Rational[]): bigint[] {
  let lcm = 1n;
  for (const w of weights) lcm = (lcm * w.den) / gcd(lcm, w.den);
  return weights.map((w) => (w.num * lcm) / w.den);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parts as JSON (amounts as strings, SPEC §5): the ledger payload and the `parts` of the HTTP answer. */
export function partsPayload(parts: readonly DistributionPart[]): { communityId: string; amount: string; weight: string; exactShare: string; remainderUnit: boolean }[] {
  return parts.map((p) => ({ communityId: p.communityId, amount: p.amountMinor.toString(), weight: p.weight, exactShare: p.exactShare, remainderUnit: p.remainderUnit }));
}

/**
 * pool → community:<id> for every non-zero part, with ids derived from the distribution id (and its
 * owner: distribution ids are scoped to who made them), so a retried distribution replays as
 * `exists`. The service applies them in one transaction: if one is refused (e.g. the pool would
 * overdraw), none is written.
 */
export function distributionTransfers(distributionId: string, currency: string, parts: readonly DistributionPart[], owner?: string): TransferCommand[] {
  return parts
    .filter((part) => part.amountMinor > 0n)
    .map((part) => ({
      transferId: owner === undefined ? derivedTransferId('distribution', distributionId, part.communityId) : derivedTransferId('distribution', owner, distributionId, part.communityId),
      from: POOL,
      to: communityAccount(part.communityId),
      amountMinor: part.amountMinor,
      currency,
      memo: `distribution ${distributionId}`.slice(0, MAX_MEMO_LENGTH),
      kind: 'distribution' as const,
    }));
}
