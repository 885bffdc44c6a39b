/**
 * The equity report (SPEC §3, §4, issue 14.1): one currency at a time; per community what it
 * received, per learner and per needs-weighted learner, and its turnout; across communities the Gini
 * and Theil T indices, the max/min ratio and who is below 80 % of the median, all of the report's
 * `basis` (per-learner funding, or needs-weighted per-learner funding, so a needs-weighted
 * distribution is not flagged as unfair by a per-learner yardstick), unweighted over communities.
 * Everything is exact (bigint, rationals) up to the final rounding, except Theil's logarithm.
 * Communities without a value on the basis (no learners; or a needs weight of 0) are left out of
 * the indices.
 */
import { add, cmp, div, gcd, mul, parseDecimal, quotientToNumber, rational, toFixed, toRoundedNumber, ZERO, type Rational } from '../rational.js';

export interface EquityRow {
  communityId: string;
  slug: string;
  name: string;
  learners: number;
  needsIndex: string;
  /** total minor units the community's account has received (grants and distributions), ≥ 0 */
  receivedMinor: bigint;
  /** created by a pabulib import */
  imported?: boolean;
  /** effective ballots over the community's cycles closed in the window */
  ballots?: number;
  /** their censuses (voters on the frozen rolls), summed */
  census?: number;
}

/** Which figure the indices compare across communities. */
export const EQUITY_BASES = ['per-learner', 'needs-weighted'] as const;
export type EquityBasis = (typeof EQUITY_BASES)[number];

export interface EquityOptions {
  /** ISO 4217 code of every amount in the report */
  currency?: string;
  /** default per-learner */
  basis?: EquityBasis;
  /** whether pabulib imports were included (they are left out unless asked for) */
  includesImported?: boolean;
  /** set when `received` is only this funder's money (direct grants plus its pro-rata share of the pool) */
  funderId?: string | null;
}

export interface EquityCommunity {
  communityId: string;
  slug: string;
  name: string;
  learners: number;
  needsIndex: string;
  /** minor units, e.g. "125000" */
  received: string;
  /** received / learners in minor units with 2 decimals (half-even), null without learners */
  perLearner: string | null;
  /** received / (learners × needs index), null when that is zero */
  needsWeightedPerLearner: string | null;
  imported: boolean;
  /** effective ballots over the cycles closed in the window */
  ballots: number;
  /** census of those cycles, summed */
  census: number;
  /** ballots ÷ census, 4 decimals half-even ("0.4667"); null without a closed cycle with a census */
  turnout: string | null;
}

export interface EquityReport {
  /** ISO 4217: every amount is in minor units of it */
  currency: string;
  /** the figure Gini, Theil, max/min, the median and "below 80 % of the median" are computed on */
  basis: EquityBasis;
  includesImported: boolean;
  funderId: string | null;
  /** sorted by slug, then id */
  communities: EquityCommunity[];
  /** 0 = equal … (n−1)/n = all to one; null without any community with learners; 6 decimals */
  gini: number | null;
  /** Theil T: 0 = equal … ln n = all to one; null like gini; 6 decimals */
  theil: number | null;
  /** largest / smallest per-learner value; null when the smallest is 0 or there is none; 6 decimals */
  maxMinRatio: number | null;
  /** median per-learner value, minor units with 2 decimals */
  medianPerLearner: string | null;
  /** median of the basis, minor units with 2 decimals */
  median: string | null;
  /** communities strictly below 80 % of the median, in the order of `communities` */
  belowEightyPercentOfMedian: string[];
  /** their share of the communities with learners; 6 decimals */
  shareBelowEightyPercentOfMedian: number | null;
}

const PLACES = 2;
const INDEX_PLACES = 6;
const TURNOUT_PLACES = 4;

/** ballots ÷ census as a 4-decimal string (half-even); null when the census is 0. */
export function turnoutOf(ballots: number, census: number): string | null {
  if (census <= 0) return null;
  return toFixed(rational(BigInt(ballots), BigInt(census)), TURNOUT_PLACES);
}

/** A community's exact value on a basis: received ÷ learners, or ÷ (learners × needs index); undefined when the divisor is 0. */
export function basisValue(community: Pick<EquityCommunity, 'received' | 'learners' | 'needsIndex'>, basis: EquityBasis): Rational | undefined {
  const learners = rational(BigInt(community.learners));
  const divisor = basis === 'per-learner' ? learners : mul(learners, parseDecimal(community.needsIndex) ?? ZERO);
  return divisor.num === 0n ? undefined : div(rational(BigInt(community.received)), divisor);
}

export function equityReport(rows: readonly EquityRow[], options: EquityOptions = {}): EquityReport {
  const basis = options.basis ?? 'per-learner';
  const sorted = [...rows].sort((a, b) => compareText(a.slug, b.slug) || compareText(a.communityId, b.communityId));
  const perLearners: Rational[] = [];
  const measured: { communityId: string; perLearner: Rational }[] = [];
  const communities = sorted.map((row): EquityCommunity => {
    if (row.receivedMinor < 0n) throw new Error(`equity: community ${row.communityId} received a negative amount`);
    const needsIndex = parseDecimal(row.needsIndex);
    if (needsIndex === undefined) throw new Error(`equity: community ${row.communityId} has needs index ${JSON.stringify(row.needsIndex)}`);
    const received = rational(row.receivedMinor);
    const learners = rational(BigInt(row.learners));
    const perLearner = row.learners > 0 ? div(received, learners) : undefined;
    const needsWeighted = mul(learners, needsIndex);
    const weighted = needsWeighted.num === 0n ? undefined : div(received, needsWeighted);
    if (perLearner !== undefined) perLearners.push(perLearner);
    const value = basis === 'per-learner' ? perLearner : weighted;
    if (value !== undefined) measured.push({ communityId: row.communityId, perLearner: value });
    const ballots = row.ballots ?? 0;
    const census = row.census ?? 0;
    return {
      communityId: row.communityId,
      slug: row.slug,
      name: row.name,
      learners: row.learners,
      needsIndex: row.needsIndex,
      received: row.receivedMinor.toString(),
      perLearner: perLearner === undefined ? null : toFixed(perLearner, PLACES),
      needsWeightedPerLearner: weighted === undefined ? null : toFixed(weighted, PLACES),
      imported: row.imported ?? false,
      ballots,
      census,
      turnout: turnoutOf(ballots, census),
    };
  });
  const medianPerLearner = medianOf(perLearners);
  const values = measured.map((m) => m.perLearner);
  const median = medianOf(values);
  // x < 0.8 × median, compared exactly.
  const threshold = median === undefined ? undefined : mul(median, rational(4n, 5n));
  const below = threshold === undefined ? [] : measured.filter((m) => cmp(m.perLearner, threshold) < 0).map((m) => m.communityId);
  const sortedValues = [...values].sort(cmp);
  const min = sortedValues[0];
  const max = sortedValues[sortedValues.length - 1];
  return {
    currency: options.currency ?? 'XXX',
    basis,
    includesImported: options.includesImported ?? false,
    funderId: options.funderId ?? null,
    communities,
    gini: values.length === 0 ? null : toRoundedNumber(gini(values), INDEX_PLACES),
    theil: values.length === 0 ? null : roundNumber(theil(values), INDEX_PLACES),
    maxMinRatio: min === undefined || max === undefined || min.num === 0n ? null : toRoundedNumber(div(max, min), INDEX_PLACES),
    medianPerLearner: medianPerLearner === undefined ? null : toFixed(medianPerLearner, PLACES),
    median: median === undefined ? null : toFixed(median, PLACES),
    belowEightyPercentOfMedian: below,
    shareBelowEightyPercentOfMedian: values.length === 0 ? null : toRoundedNumber(rational(BigInt(below.length), BigInt(values.length)), INDEX_PLACES),
  };
}

/**
 * Gini as mean absolute difference over mean: Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² μ), computed with the sorted
 * form (2 Σ i·x₍ᵢ₎ − (n+1) Σ x) / (n Σ x), i = 1…n ascending. All zero counts as equal: 0.
 */
export function gini(values: readonly Rational[]): Rational {
  const ys = commonScale(values).sort(compareBig);
  const n = BigInt(ys.length);
  const total = ys.reduce((sum, y) => sum + y, 0n);
  if (n === 0n || total === 0n) return ZERO;
  const ranked = ys.reduce((sum, y, i) => sum + BigInt(i + 1) * y, 0n);
  return rational(2n * ranked - (n + 1n) * total, n * total);
}

/** Theil T = (1/n) Σ sᵢ ln sᵢ with sᵢ = xᵢ / μ and 0·ln 0 = 0; all zero counts as equal: 0. */
export function theil(values: readonly Rational[]): number {
  const ys = commonScale(values);
  const n = ys.length;
  const total = ys.reduce((sum, y) => sum + y, 0n);
  if (n === 0 || total === 0n) return 0;
  let sum = 0;
  for (const y of ys) {
    // sᵢ = n·yᵢ / Σy, exact until this one conversion to a double for ln.
    const s = quotientToNumber(BigInt(n) * y, total);
    if (s > 0) sum += s * Math.log(s);
  }
  return Math.max(0, sum / n);
}

/** Above this size the common denominator costs more than it is worth (see `commonScale`). */
const MAX_EXACT_SCALE_BITS = 4096;
/** Fixed-point scale beyond it: errors of 10⁻⁴⁰ minor units per learner, far below the 6 decimals reported. */
const FIXED_SCALE = 10n ** 40n;

/**
 * Gini, Theil and the Lorenz curve do not change when every value is multiplied by the same
 * factor, so they run on whole numbers: each value times the least common multiple of the
 * denominators (exact). Summing rationals instead makes that multiple grow term by term, with a
 * gcd on every step (seconds for 10 000 communities). When the multiple passes 4096 bits
 * (thousands of communities with coprime learner counts), each value is taken to 40 decimals instead.
 */
function commonScale(values: readonly Rational[]): bigint[] {
  let lcm = 1n;
  for (const v of values) {
    lcm = (lcm / gcd(lcm, v.den)) * v.den;
    if (lcm.toString(16).length * 4 > MAX_EXACT_SCALE_BITS) return values.map((x) => (x.num * FIXED_SCALE) / x.den);
  }
  return values.map((x) => x.num * (lcm / x.den));
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Median; of an even count, the mean of the two middle values. */
export function medianOf(values: readonly Rational[]): Rational | undefined {
  const sorted = [...values].sort(cmp);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle];
  if (upper === undefined) return undefined;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[middle - 1] ?? upper;
  return div(add(lower, upper), rational(2n));
}

export interface LorenzPoint {
  /** cumulative share of communities, 0…1 */
  x: number;
  /** cumulative share of funding, 0…1 */
  y: number;
}

/**
 * The Lorenz curve of the report's basis over the communities that have a value on it, poorest
 * first, from (0, 0) to (1, 1); undefined when nothing was received (no shares to plot).
 */
export function lorenzCurve(report: EquityReport): LorenzPoint[] | undefined {
  const values = report.communities.map((c) => basisValue(c, report.basis)).filter((v): v is Rational => v !== undefined);
  const ys = commonScale(values).sort(compareBig);
  const total = ys.reduce((sum, y) => sum + y, 0n);
  if (total === 0n) return undefined;
  const points: LorenzPoint[] = [{ x: 0, y: 0 }];
  let running = 0n;
  ys.forEach((y, i) => {
    running += y;
    points.push({ x: (i + 1) / ys.length, y: quotientToNumber(running, total) });
  });
  return points;
}

function roundNumber(value: number, places: number): number {
  const rounded = Number(value.toFixed(places));
  return rounded === 0 ? 0 : rounded;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
