/**
 * One run of the Method of Equal Shares (README "equal-shares", cost utilities, approval-type
 * ballots), exact. Every voter starts with the same budget v; free supported projects are
 * selected at once; then each round selects the affordable project with the smallest ρ, where
 * Σ_{i∈S(p)} min(b_i, ρ·c(p)) = c(p), ties by ascending key, and each supporter pays min(b_i, ρ·c(p)).
 *
 * Why it is fast and still exact:
 * - identical ballots are grouped with a multiplicity (`MesSetup`, shared by every rerun);
 * - voters who paid for the same projects have equal budgets, so budgets live on *classes* of
 *   groups, split when some members of a class pay for a project and others do not, and kept in
 *   increasing budget order by merging rather than sorting;
 * - class budgets are bigint numerators over a common denominator, stored per "epoch" so a new
 *   payment unit does not rescale every class;
 * - ρ is first computed in doubles with a rigorous error bound; a comparison the bound cannot
 *   settle, and the winner of every round, are recomputed with bigints, so floating point only
 *   decides which exact work can be skipped, never the outcome (property-tested against a plain
 *   per-voter reference in rules-property.test.ts);
 * - a project's ρ from an earlier round is a lower bound (budgets only shrink), so a round skips
 *   projects whose bound is above the best ρ found (pabutools does the same).
 */
import { gcd, type Rational, type Ratio } from '../rational.js';

export interface MesSetup {
  keys: string[];
  costs: bigint[];
  keyRank: Int32Array;
  /** Number of ballots, empty ones included: the money is shared among all voters. */
  voters: bigint;
  /** Distinct non-empty ballots. */
  groupMult: Float64Array;
  /** supporterGroups[p] = groups approving p. */
  supporterGroups: Int32Array[];
  /** supportCount[p] = voters approving p. */
  supportCount: bigint[];
  /** Supported projects with cost > 0, in ascending key order. */
  candidates: number[];
  /** Supported projects with cost 0, in ascending key order: always selected first. */
  free: number[];
}

export interface MesSelection {
  project: number;
  /** 0 for free projects, then 1, 2, … */
  round: number;
  /** The most any supporter paid: ρ·c(p), in currency units (not reduced). */
  cap: Ratio;
  /** Supporters who paid all they had left (less than the cap). */
  paidInFull: bigint;
  /** Other projects with exactly the same ρ in this round (lost on the key). */
  tiedWith: number[];
}

export interface MesRun {
  voterBudget: Rational;
  selections: MesSelection[];
  spent: bigint;
  /** Per unselected project: what its supporters had left in total at the end (only with `withLeftovers`). */
  leftover?: Ratio[];
}

export function setupEqualShares(
  keys: string[],
  costs: bigint[],
  keyRank: Int32Array,
  approvalData: Int32Array,
  approvalStart: Int32Array,
): MesSetup {
  const m = keys.length;
  const ballots = Math.max(0, approvalStart.length - 1);
  // Group identical ballots: a numeric hash of the sorted indices, then an exact comparison.
  const buckets = new Map<number, number[]>();
  const groupStart: number[] = [];
  const groupEnd: number[] = [];
  const mult: number[] = [];
  for (let b = 0; b < ballots; b++) {
    const start = approvalStart[b]!;
    const end = approvalStart[b + 1]!;
    if (start === end) continue;
    let h = end - start;
    for (let j = start; j < end; j++) h = (Math.imul(h, 0x9e3779b1) + approvalData[j]!) | 0;
    const bucket = buckets.get(h);
    let g = -1;
    if (bucket) {
      for (const candidate of bucket) {
        if (sameRange(approvalData, groupStart[candidate]!, groupEnd[candidate]!, start, end)) {
          g = candidate;
          break;
        }
      }
    }
    if (g >= 0) {
      mult[g]! += 1;
      continue;
    }
    if (bucket) bucket.push(mult.length);
    else buckets.set(h, [mult.length]);
    groupStart.push(start);
    groupEnd.push(end);
    mult.push(1);
  }
  const lists: number[][] = Array.from({ length: m }, () => []);
  const supportCount: bigint[] = new Array<bigint>(m).fill(0n);
  const counts = new Float64Array(m);
  for (let g = 0; g < mult.length; g++) {
    for (let j = groupStart[g]!; j < groupEnd[g]!; j++) {
      const p = approvalData[j]!;
      lists[p]!.push(g);
      counts[p]! += mult[g]!;
    }
  }
  for (let p = 0; p < m; p++) supportCount[p] = BigInt(counts[p]!);
  const byKey = keys.map((_, i) => i).sort((a, b) => keyRank[a]! - keyRank[b]!);
  return {
    keys,
    costs,
    keyRank,
    voters: BigInt(ballots),
    groupMult: Float64Array.from(mult),
    supporterGroups: lists.map((l) => Int32Array.from(l)),
    supportCount,
    candidates: byKey.filter((p) => supportCount[p]! > 0n && costs[p]! > 0n),
    free: byKey.filter((p) => supportCount[p]! > 0n && costs[p]! === 0n),
  };
}

function sameRange(data: Int32Array, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (; a < aEnd; a++, b++) if (data[a] !== data[b]) return false;
  return true;
}

/** Runs MES once with every voter starting at `voterBudget` (a fraction of currency units). */
export function runEqualShares(setup: MesSetup, voterBudget: Rational, withLeftovers = false): MesRun {
  return new MesRunner(setup, voterBudget).run(withLeftovers);
}

/** Unit roundoff of IEEE doubles; error bounds below are generous multiples of it. */
const U = 2 ** -53;

type Exact = { kind: 'exact'; need: bigint; remaining: bigint };
type Evaluation = { kind: 'unaffordable' } | Exact | { kind: 'float'; lo: number; hi: number };

/**
 * The state of one run. Budget classes: class k holds classSize[k] voters, each with budget
 * budgets[k] / D_e where e = epoch[k] and D_e is the common denominator when the class was made;
 * factor[e] = D / D_e converts to the current denominator D, so paying a new cap only extends the
 * factors (one per epoch) instead of rescaling every class. floatBudget[k] is the same value as a
 * double, used to decide comparisons whose error bound leaves no doubt; anything closer is
 * decided with bigints, so the outcome is exact.
 */
class MesRunner {
  private D: bigint;
  private readonly factor: bigint[] = [1n];
  private readonly budgets: bigint[];
  private readonly epoch: number[] = [0];
  private readonly classSize: number[];
  private floatBudget = new Float64Array(0);
  private readonly classOf: Int32Array;
  private zeroClass = -1;
  /** Live classes in increasing budget order, kept sorted incrementally (see reorder()). */
  private live: number[] = [0];
  private capacity = 0;
  private rank = new Int32Array(0);
  private count = new Float64Array(0);
  private ranks = new Int32Array(0);
  private splitTo = new Int32Array(0);
  /**
   * The project being evaluated: ranks[0 .. touched) are the ranks of its classes, also set as
   * bits of `rankBits`, so the poorest-first walk reads them in order without sorting.
   */
  private touched = 0;
  private rankBits = new Int32Array(0);
  private word = 0;
  private bits = 0;
  /** Float costs and counts are exact below 2^53; beyond that every evaluation is exact. */
  private readonly floatSafe: boolean;

  constructor(
    private readonly setup: MesSetup,
    private readonly voterBudget: Rational,
  ) {
    const groups = setup.groupMult.length;
    this.D = voterBudget.den;
    this.budgets = [voterBudget.num];
    this.classOf = new Int32Array(groups);
    let total = 0;
    for (let g = 0; g < groups; g++) total += setup.groupMult[g]!;
    this.classSize = [total];
    this.grow(64);
    this.floatBudget[0] = ratio(voterBudget.num, voterBudget.den);
    const limit = 2n ** 53n;
    this.floatSafe = setup.costs.every((c) => c < limit) && setup.voters < limit;
  }

  run(withLeftovers: boolean): MesRun {
    const { costs, keyRank, supportCount } = this.setup;
    const selections: MesSelection[] = this.setup.free.map((project) => ({
      project,
      round: 0,
      cap: { num: 0n, den: 1n },
      paidInFull: 0n,
      tiedWith: [],
    }));
    let spent = 0n;
    const candidates = this.setup.candidates;
    // lowerBound[p] ≤ ρ(p) in every later round (budgets only shrink); initially 1/|S(p)|.
    const lowerBound = new Float64Array(costs.length);
    const alive = new Uint8Array(costs.length);
    for (const p of candidates) {
      lowerBound[p] = (1 / Number(supportCount[p]!)) * (1 - 4 * U);
      alive[p] = 1;
    }

    let round = 0;
    for (;;) {
      if (this.capacity < this.budgets.length) this.grow(this.budgets.length * 2);
      for (let r = 0; r < this.live.length; r++) this.rank[this.live[r]!] = r;
      const order = candidates.filter((p) => alive[p] === 1);
      order.sort((a, b) => lowerBound[a]! - lowerBound[b]!);

      // Evaluate each project unless its bound shows it cannot beat the best upper bound so far.
      let bestHi = Infinity;
      const found: { p: number; lo: number; hi: number; exact?: Exact }[] = [];
      for (const p of order) {
        if (lowerBound[p]! > bestHi) continue;
        const e = this.evaluate(p, this.floatSafe);
        if (e.kind === 'unaffordable') {
          alive[p] = 0; // its supporters cannot pay c(p), and budgets only shrink
          continue;
        }
        let lo: number;
        let hi: number;
        if (e.kind === 'float') {
          lo = e.lo;
          hi = e.hi;
        } else {
          const r = ratio(e.need, e.remaining * costs[p]! * this.D);
          lo = r * (1 - 8 * U);
          hi = r * (1 + 8 * U);
        }
        lowerBound[p] = lo;
        if (hi < bestHi) bestHi = hi;
        found.push(e.kind === 'exact' ? { p, lo, hi, exact: e } : { p, lo, hi });
      }
      const contenders = found.filter((f) => f.lo <= bestHi);
      if (contenders.length === 0) break;

      // Exact comparison among the contenders (usually just one): smallest ρ, ties by key.
      let winner = -1;
      let need = 0n;
      let remaining = 0n;
      let tied: number[] = [];
      for (const f of contenders) {
        const e = f.exact ?? this.evaluate(f.p, false);
        if (e.kind !== 'exact') throw new Error('equal shares: exact evaluation expected');
        if (winner < 0) {
          [winner, need, remaining, tied] = [f.p, e.need, e.remaining, []];
          continue;
        }
        // ρ = need / (remaining · c · D); D is common, so compare need / (remaining · c).
        const l = e.need * remaining * costs[winner]!;
        const r = need * e.remaining * costs[f.p]!;
        if (l < r) {
          [winner, need, remaining, tied] = [f.p, e.need, e.remaining, []];
        } else if (l === r) {
          if (keyRank[f.p]! < keyRank[winner]!) {
            tied.push(winner);
            [winner, need, remaining] = [f.p, e.need, e.remaining];
          } else {
            tied.push(f.p);
          }
        }
      }

      round += 1;
      alive[winner] = 0;
      spent += costs[winner]!;
      selections.push({
        project: winner,
        round,
        cap: { num: need, den: remaining * this.D },
        paidInFull: supportCount[winner]! - remaining,
        tiedWith: tied.sort((a, b) => keyRank[a]! - keyRank[b]!),
      });
      this.pay(winner, need, remaining);
    }

    const run: MesRun = { voterBudget: this.voterBudget, selections, spent };
    if (withLeftovers) run.leftover = this.leftovers(selections);
    return run;
  }

  /** What the supporters of each unselected project hold at the end (0 for the others). */
  private leftovers(selections: MesSelection[]): Ratio[] {
    const { supporterGroups, groupMult, costs } = this.setup;
    const { count, classOf } = this;
    const chosen = new Set(selections.map((s) => s.project));
    const touched: number[] = [];
    return costs.map((_, p) => {
      if (chosen.has(p)) return { num: 0n, den: 1n };
      for (const g of supporterGroups[p]!) {
        const k = classOf[g]!;
        if (count[k] === 0) touched.push(k);
        count[k]! += groupMult[g]!;
      }
      let total = 0n;
      for (const k of touched) {
        total += BigInt(count[k]!) * this.exactBudget(k);
        count[k] = 0;
      }
      touched.length = 0;
      return { num: total, den: this.D };
    });
  }

  /** Budget of class k over the current denominator D. */
  private exactBudget(k: number): bigint {
    const f = this.factor[this.epoch[k]!]!;
    return f === 1n ? this.budgets[k]! : this.budgets[k]! * f;
  }

  /**
   * ρ(p): count p's supporters per class, then walk the classes poorest first; the poor pay all
   * they have and the rest share what is left equally (pabutools' affordability loop). With
   * `useFloat`, each step is decided in doubles when the error bound allows and the whole
   * evaluation falls back to bigints at the first step that is too close to call.
   */
  private evaluate(p: number, useFloat: boolean): Evaluation {
    const { supporterGroups, groupMult, supportCount, costs } = this.setup;
    const { count, ranks, rank, classOf, live, rankBits } = this;
    let touched = 0;
    for (const g of supporterGroups[p]!) {
      const k = classOf[g]!;
      if (count[k] === 0) {
        const r = rank[k]!;
        ranks[touched++] = r;
        rankBits[r >> 5]! |= 1 << (r & 31);
      }
      count[k]! += groupMult[g]!;
    }
    this.touched = touched;
    let result: Evaluation | undefined;
    if (useFloat) result = this.walkFloat(Number(costs[p]!), Number(supportCount[p]!));
    if (result === undefined) result = this.walkExact(costs[p]!, supportCount[p]!);
    for (let j = 0; j < touched; j++) {
      const r = ranks[j]!;
      count[live[r]!] = 0;
      rankBits[r >> 5] = 0;
    }
    return result;
  }

  /** Restarts the poorest-first walk over the evaluated project's classes. */
  private walkStart(): void {
    this.word = 0;
    this.bits = this.rankBits[0]!;
  }

  /** The next class of the walk, in increasing budget order (the walk never asks past the last). */
  private walkNext(): number {
    while (this.bits === 0) this.bits = this.rankBits[++this.word]!;
    const low = this.bits & -this.bits;
    this.bits ^= low;
    return this.live[(this.word << 5) + 31 - Math.clz32(low)]!;
  }

  private walkFloat(cost: number, supporters: number): Evaluation | undefined {
    const { count, floatBudget } = this;
    let remaining = supporters;
    let contributed = 0;
    this.walkStart();
    for (let j = 0; j < this.touched; j++) {
      const k = this.walkNext();
      const rest = cost - contributed;
      const errRest = 2 * (j + 16) * U * contributed + U * (Math.abs(rest) + cost);
      const rhs = remaining * floatBudget[k]!;
      const errRhs = 16 * U * rhs;
      if (rest + errRest <= rhs - errRhs) {
        const denom = remaining * cost;
        const rho = rest / denom;
        const err = (errRest / denom) * (1 + 8 * U) + 8 * U * rho;
        return { kind: 'float', lo: rho - err, hi: rho + err };
      }
      if (rest - errRest <= rhs + errRhs) return undefined; // too close to call in doubles
      const n = count[k]!;
      contributed += n * floatBudget[k]!;
      remaining -= n;
    }
    return { kind: 'unaffordable' };
  }

  private walkExact(cost: bigint, supporters: bigint): Evaluation {
    const costD = cost * this.D;
    let remaining = supporters;
    let contributed = 0n;
    this.walkStart();
    for (let j = 0; j < this.touched; j++) {
      const k = this.walkNext();
      const budget = this.exactBudget(k);
      const rest = costD - contributed;
      if (rest <= remaining * budget) return { kind: 'exact', need: rest, remaining };
      const n = BigInt(this.count[k]!);
      contributed += n * budget;
      remaining -= n;
    }
    return { kind: 'unaffordable' };
  }

  /** Each supporter of p pays min(budget, q) with q = need / remaining (in units of 1/D). */
  private pay(p: number, need: bigint, remaining: bigint): void {
    const { supporterGroups, groupMult } = this.setup;
    // At most one new class per live class plus the zero class: grow once, before the loop.
    const needed = this.budgets.length + this.live.length + 1;
    if (this.capacity < needed) this.grow(needed * 2);
    const { classSize, classOf, splitTo } = this;
    const g0 = gcd(need, remaining);
    const q = need / g0;
    const scale = remaining / g0;
    if (scale !== 1n) {
      this.D *= scale;
      for (let e = 0; e < this.factor.length; e++) this.factor[e]! *= scale;
    }
    const epoch = this.factor.length;
    this.factor.push(1n);
    const floatD = Number(this.D);
    const parents: number[] = [];
    for (const g of supporterGroups[p]!) {
      const k = classOf[g]!;
      let child = splitTo[k]!;
      if (child < 0) {
        const left = this.exactBudget(k) - q;
        if (left <= 0n) {
          if (this.zeroClass < 0) this.zeroClass = this.newClass(0n, epoch, 0);
          child = this.zeroClass;
        } else {
          const x = Number(left);
          child = this.newClass(left, epoch, Number.isFinite(floatD) && Number.isFinite(x) ? x / floatD : ratio(left, this.D));
        }
        splitTo[k] = child;
        parents.push(k);
      }
      classOf[g] = child;
      classSize[k]! -= groupMult[g]!;
      classSize[child]! += groupMult[g]!;
    }
    this.live = this.reorder();
    for (const k of parents) splitTo[k] = -1;
  }

  private newClass(budget: bigint, epoch: number, float: number): number {
    const k = this.budgets.length;
    this.budgets.push(budget);
    this.epoch.push(epoch);
    this.classSize.push(0);
    this.floatBudget[k] = float;
    return k;
  }

  private grow(capacity: number): void {
    const old = this.floatBudget;
    this.capacity = capacity;
    this.rank = new Int32Array(capacity);
    this.count = new Float64Array(capacity);
    this.ranks = new Int32Array(capacity);
    this.rankBits = new Int32Array((capacity >> 5) + 2);
    const splitTo = new Int32Array(capacity).fill(-1);
    splitTo.set(this.splitTo);
    this.splitTo = splitTo;
    this.floatBudget = new Float64Array(capacity);
    this.floatBudget.set(old);
  }

  /**
   * New increasing-budget order after a payment. Classes that did not pay keep their relative
   * order; the classes split off the payers hold parent − q, so they keep their parents' relative
   * order; the zero-budget class comes first. One merge replaces a full sort.
   */
  private reorder(): number[] {
    const { live, splitTo, zeroClass, classSize } = this;
    const kept: number[] = [];
    const kids: number[] = [];
    for (const k of live) {
      if (k === zeroClass) continue;
      if (classSize[k]! > 0) kept.push(k);
      const child = splitTo[k]!;
      if (child >= 0 && child !== zeroClass) kids.push(child);
    }
    const out: number[] = zeroClass >= 0 && classSize[zeroClass]! > 0 ? [zeroClass] : [];
    let i = 0;
    let j = 0;
    while (i < kept.length && j < kids.length) {
      if (this.compareClasses(kept[i]!, kids[j]!) <= 0) out.push(kept[i++]!);
      else out.push(kids[j++]!);
    }
    while (i < kept.length) out.push(kept[i++]!);
    while (j < kids.length) out.push(kids[j++]!);
    return out;
  }

  private compareClasses(a: number, b: number): number {
    const x = this.floatBudget[a]!;
    const y = this.floatBudget[b]!;
    const margin = 16 * U * Math.max(x, y);
    if (x < y - margin) return -1;
    if (x > y + margin) return 1;
    const l = this.exactBudget(a);
    const r = this.exactBudget(b);
    return l < r ? -1 : l > r ? 1 : 0;
  }
}

/** num/den as a double (for ordering and error-bounded tests only); scales huge operands first. */
function ratio(num: bigint, den: bigint): number {
  let x = Number(num);
  let y = Number(den);
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    const shift = BigInt(Math.max(num.toString(16).length, den.toString(16).length) * 4 - 64);
    x = Number(num >> shift);
    y = Number(den >> shift);
  }
  return x / y;
}
