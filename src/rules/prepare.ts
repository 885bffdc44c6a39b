/**
 * Validation and indexing shared by every rule: checks the input in the documented order
 * (RULE_ERROR_CODES), maps keys to dense indices and computes each project's score.
 * Scores: approval/knapsack count approvals; cumulative sums points; ordinal is Borda with
 * k = the number of projects in the tally, so rank r (1 = best) scores k − r + 1 and an unranked
 * project scores 0. Taking k from the tally, not from the ballot's length, gives every member's
 * first choice the same weight however many proposals they ranked.
 */
import { compareKeys } from './key-order.js';
import { RuleError } from './rule-error.js';
import type { RuleSpec, TallyBallot, TallyInput } from './types.js';

export interface PreparedTally {
  input: TallyInput;
  keys: string[];
  costs: bigint[];
  scores: bigint[];
  /** Number of ballots naming the project (approvals, points > 0 or ranked). */
  supporters: number[];
  /** keyRank[i] = position of keys[i] in ascending key order (tie-breaking as a number compare). */
  keyRank: Int32Array;
  /**
   * Equal Shares only: approval ballots as sorted project indices, flattened; ballot b is
   * approvalData[approvalStart[b] .. approvalStart[b + 1]), in one growing array, not one per ballot.
   */
  approvalData: Int32Array;
  approvalStart: Int32Array;
}

const ballotField = {
  approval: 'approvals',
  knapsack: 'approvals',
  cumulative: 'points',
  ordinal: 'ranking',
} as const;

export function prepareTally(input: TallyInput, rule: RuleSpec): PreparedTally {
  const { ballotType } = input;
  if (rule.rule === 'equal-shares' && ballotType !== 'approval' && ballotType !== 'knapsack') {
    throw new RuleError(
      'rule-not-supported-for-ballot',
      `Equal Shares needs approval or knapsack ballots; this vote used ${ballotType} ballots.`,
      { rule: rule.rule, ballotType },
    );
  }

  if (input.raiseStep !== undefined && input.raiseStep <= 0n) {
    throw new RuleError('invalid-amount', `The budget raise step ${input.raiseStep} must be positive.`, {
      raiseStep: String(input.raiseStep),
    });
  }
  if (input.budget < 0n) {
    throw new RuleError('invalid-amount', `The budget ${input.budget} is negative.`, { budget: String(input.budget) });
  }
  for (const p of input.projects) {
    if (p.cost < 0n) {
      throw new RuleError('invalid-amount', `Project ${p.key} has a negative cost ${p.cost}.`, { key: p.key });
    }
  }

  const m = input.projects.length;
  const index = new Map<string, number>();
  const keys: string[] = [];
  const costs: bigint[] = [];
  for (const p of input.projects) {
    if (index.has(p.key)) {
      throw new RuleError('duplicate-project', `Project key ${p.key} appears twice.`, { key: p.key });
    }
    index.set(p.key, keys.length);
    keys.push(p.key);
    costs.push(p.cost);
  }

  const field = ballotField[ballotType];

  // Approval and Borda scores stay below 2^53 (≤ projects × ballots), so they are counted as
  // doubles and converted once; cumulative points are summed as bigint.
  const counts = new Float64Array(m);
  const pointSums: bigint[] = new Array<bigint>(m).fill(0n);
  const supporters: number[] = new Array<number>(m).fill(0);
  const wantSets = rule.rule === 'equal-shares' && field === 'approvals';
  let approvalData = new Int32Array(wantSets ? 4 * input.ballots.length + 16 : 0);
  const approvalStart = new Int32Array(wantSets ? input.ballots.length + 1 : 0);
  let filled = 0;
  const seen = new Int32Array(m).fill(-1);
  const lookup = (key: string, b: number): number => {
    const i = index.get(key);
    if (i === undefined) {
      throw new RuleError('unknown-project', `Ballot ${b + 1} names "${key}", which is not a project of this vote.`, {
        ballot: b,
        key,
      });
    }
    if (seen[i] === b) {
      throw new RuleError('duplicate-choice', `Ballot ${b + 1} names "${key}" twice.`, { ballot: b, key });
    }
    seen[i] = b;
    return i;
  };

  const ballots = input.ballots;
  for (let b = 0; b < ballots.length; b++) {
    const ballot = ballots[b]!;
    if (!hasShape(ballot, field)) {
      throw new RuleError(
        'ballot-type-mismatch',
        `Ballot ${b + 1} is not a ${ballotType} ballot (expected a "${field}" field).`,
        { ballot: b },
      );
    }
    if (field === 'approvals') {
      const approvals = (ballot as { approvals: string[] }).approvals;
      if (wantSets && filled + approvals.length > approvalData.length) {
        const grown = new Int32Array(2 * (filled + approvals.length));
        grown.set(approvalData.subarray(0, filled));
        approvalData = grown;
      }
      for (let j = 0; j < approvals.length; j++) {
        const i = lookup(approvals[j]!, b);
        counts[i]! += 1;
        if (wantSets) {
          // Insertion sort as we go: ballots are short.
          let at = filled + j;
          while (at > filled && approvalData[at - 1]! > i) {
            approvalData[at] = approvalData[at - 1]!;
            at--;
          }
          approvalData[at] = i;
        }
      }
      if (wantSets) {
        filled += approvals.length;
        approvalStart[b + 1] = filled;
      }
    } else if (field === 'points') {
      for (const [key, points] of Object.entries((ballot as { points: Record<string, bigint> }).points)) {
        const i = lookup(key, b);
        if (typeof points !== 'bigint' || points < 0n) {
          throw new RuleError('invalid-amount', `Ballot ${b + 1} gives "${key}" ${String(points)} points.`, {
            ballot: b,
            key,
          });
        }
        pointSums[i]! += points;
        if (points > 0n) supporters[i]! += 1;
      }
    } else {
      // Rank r (0-based) scores m − r: the 1-based k − r + 1 of the module comment, never below 1.
      const ranking = (ballot as { ranking: string[] }).ranking;
      for (let r = 0; r < ranking.length; r++) {
        const i = lookup(ranking[r]!, b);
        counts[i]! += m - r;
        supporters[i]! += 1;
      }
    }
  }
  if (field === 'approvals') for (let i = 0; i < m; i++) supporters[i] = counts[i]!;
  const scores = field === 'points' ? pointSums : Array.from(counts, (c) => BigInt(c));

  const order = keys.map((_, i) => i).sort((a, b) => compareKeys(keys[a]!, keys[b]!));
  const keyRank = new Int32Array(m);
  order.forEach((i, r) => (keyRank[i] = r));

  return { input, keys, costs, scores, supporters, keyRank, approvalData, approvalStart };
}

function hasShape(ballot: TallyBallot, field: 'approvals' | 'points' | 'ranking'): boolean {
  if (typeof ballot !== 'object' || ballot === null || !(field in ballot)) return false;
  const value = (ballot as Record<string, unknown>)[field];
  if (field === 'points') return typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!Array.isArray(value)) return false;
  for (const k of value) if (typeof k !== 'string') return false;
  return true;
}
