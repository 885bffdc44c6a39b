/**
 * Completions of Equal Shares (README): how unspent money is used after the first run.
 * - `none`: the first run, every voter starting with v = B/n.
 * - `add1-until-exhaustive`: rerun with v + 1, v + 2, … (one whole currency unit per voter, the
 *   `raiseStep` of the input in its own units) and stop
 *   at the first exhaustive outcome (no supported, unselected project fits in B − spent); if a run
 *   overspends B first, return the previous run (pabutools `voter_budget_increment=1`).
 * - `add1` (default): the same reruns, but keep going past exhaustive outcomes; stop when the next
 *   run would overspend B (return the last run within B) or once every supported project is
 *   selected (pabutools `exhaustion_by_budget_increase(..., budget_step=n, exhaustive_stop=False)`).
 * Each rerun is a full MES run from scratch; only the setup (grouped ballots) is shared.
 */
import { add, rational, type Rational } from '../rational.js';
import { runEqualShares, type MesRun, type MesSetup } from './equal-shares.js';
import { formatAmount } from './format.js';
import { RuleError } from './rule-error.js';
import type { Completion } from './types.js';

export const DEFAULT_MAX_RUNS = 100_000;

export interface CompletedRun {
  /** The returned run, with leftovers computed for explanations. */
  run: MesRun;
  /** Amount added to each voter's budget in the returned run (a multiple of the raise step). */
  increment: bigint;
  /** Number of MES runs performed. */
  runs: number;
  /** Why the loop ended. */
  stop: 'single-run' | 'exhaustive' | 'next-overspends' | 'all-selected' | 'nothing-to-fund';
  /** The spend of the first rejected run, when `stop` is `next-overspends`. */
  overspend?: bigint;
}

export function completeEqualShares(
  setup: MesSetup,
  budget: bigint,
  completion: Completion,
  step = 1n,
  maxRuns = DEFAULT_MAX_RUNS,
): CompletedRun {
  // With no voters nobody holds money: nothing but free projects (there are none) can be funded.
  if (setup.voters === 0n) {
    return { run: runEqualShares(setup, { num: 0n, den: 1n }, true), increment: 0n, runs: 1, stop: 'nothing-to-fund' };
  }
  const base = rational(budget, setup.voters);
  const at = (k: bigint): Rational => add(base, { num: k * step, den: 1n });
  if (completion === 'none') {
    return { run: runEqualShares(setup, base, true), increment: 0n, runs: 1, stop: 'single-run' };
  }

  const supported = setup.candidates.length + setup.free.length;
  let k = 0n;
  let runs = 0;
  for (;; k += 1n) {
    if (runs >= maxRuns) {
      throw new RuleError(
        'completion-too-long',
        `The ${completion} completion did not finish within ${formatAmount(BigInt(maxRuns))} reruns; are amounts in cents without a raise step?`,
        { runs: maxRuns },
      );
    }
    const run = runEqualShares(setup, at(k));
    runs += 1;
    if (run.spent > budget) {
      // The first run never overspends (total payments ≤ n·B/n), so k ≥ 1 here.
      return {
        run: runEqualShares(setup, at(k - 1n), true),
        increment: (k - 1n) * step,
        runs,
        stop: 'next-overspends',
        overspend: run.spent,
      };
    }
    if (completion === 'add1-until-exhaustive' && isExhaustive(setup, run, budget)) {
      return { run: runEqualShares(setup, at(k), true), increment: k * step, runs, stop: 'exhaustive' };
    }
    if (completion === 'add1' && run.selections.length === supported) {
      return { run: runEqualShares(setup, at(k), true), increment: k * step, runs, stop: 'all-selected' };
    }
  }
}

/** No supported, unselected project with a positive cost still fits in what the run left of B. */
export function isExhaustive(setup: MesSetup, run: MesRun, budget: bigint): boolean {
  const left = budget - run.spent;
  const chosen = new Set(run.selections.map((s) => s.project));
  return !setup.candidates.some((p) => !chosen.has(p) && setup.costs[p]! <= left);
}
