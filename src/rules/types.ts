/**
 * The rules' public data shapes: what a tally reads (accepted proposals and effective ballots)
 * and the outcome it returns. Plain data only, so an auditor can rebuild the input from a ledger
 * export and recompute the outcome byte for byte. Money and votes are bigint, never floats.
 */
import type { Presentation } from './format.js';

/** How members voted. `knapsack` ballots are approval sets whose total cost fits the budget. */
export type BallotType = 'approval' | 'knapsack' | 'cumulative' | 'ordinal';

/** How unspent money is used after the first Equal Shares run (see `equal-shares-completion.ts`). */
export type Completion = 'add1' | 'add1-until-exhaustive' | 'none';

export type RuleSpec = { rule: 'greedy' } | { rule: 'equal-shares'; completion: Completion };

export interface TallyProject {
  /** Tie-breaking key, compared as a plain string (the pabulib `project_id`). */
  key: string;
  /** Whole currency units, ≥ 0. */
  cost: bigint;
}

export type TallyBallot =
  | { approvals: string[] } // approval, knapsack
  | { points: Record<string, bigint> } // cumulative
  | { ranking: string[] }; // ordinal, best first

export interface TallyInput {
  /** Whole currency units, ≥ 0. */
  budget: bigint;
  ballotType: BallotType;
  /** Accepted proposals. */
  projects: TallyProject[];
  /** Effective ballots only (the last one of each voter); empty ballots still count as voters. */
  ballots: TallyBallot[];
  /**
   * What the add1 completions add to each voter's budget per rerun, in the units of `budget`:
   * one whole currency unit. Default 1n (amounts in whole units, as in pabulib); pass 100n when
   * amounts are in cents.
   */
  raiseStep?: bigint;
}

export interface TallyOptions {
  /** Equal Shares completions: refuse (RuleError `completion-too-long`) after this many runs. Default 100,000. */
  maxRuns?: number;
  /** How explanations write money and name proposals; default `PLAIN` (bare numbers, keys). */
  presentation?: Presentation;
}

export interface ProposalOutcome {
  key: string;
  cost: bigint;
  /** Approvals (approval, knapsack), total points (cumulative) or Borda points (ordinal). */
  score: bigint;
  selected: boolean;
  /** One deterministic sentence a member understands. */
  explanation: string;
  /** Equal Shares: the round of the final run in which the proposal was selected (0 = free). */
  round?: number;
}

export interface Outcome {
  rule: RuleSpec;
  budget: bigint;
  spent: bigint;
  /** Keys in order of selection. */
  selected: string[];
  /** One entry per input project, in input order. */
  proposals: ProposalOutcome[];
  /** How the completion ended, tie-breaks, and other facts an auditor may want to read. */
  notes: string[];
}
