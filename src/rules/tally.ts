/**
 * `tally(input, rule)`: the outcome of a closed vote, a pure function of (rule, accepted
 * proposals, effective ballots). Validates the input (RuleError), runs the rule and writes one
 * deterministic sentence per proposal plus notes, so the recorded outcome can be recomputed and
 * compared byte for byte by an auditor.
 */
import { completeEqualShares, type CompletedRun } from './equal-shares-completion.js';
import { setupEqualShares, type MesSetup } from './equal-shares.js';
import { add, rational, type Rational } from '../rational.js';
import { formatAmount, listKeys, PLAIN, plural, type Presentation } from './format.js';
import { greedy } from './greedy.js';
import { prepareTally, type PreparedTally } from './prepare.js';
import type { Outcome, ProposalOutcome, RuleSpec, TallyInput, TallyOptions } from './types.js';

export function tally(input: TallyInput, rule: RuleSpec, options: TallyOptions = {}): Outcome {
  const prepared = prepareTally(input, rule);
  switch (rule.rule) {
    case 'greedy':
      return greedy(prepared, options.presentation);
    case 'equal-shares':
      return equalShares(prepared, rule, options);
  }
}

function equalShares(t: PreparedTally, rule: Extract<RuleSpec, { rule: 'equal-shares' }>, options: TallyOptions): Outcome {
  const setup = setupEqualShares(t.keys, t.costs, t.keyRank, t.approvalData, t.approvalStart);
  const done = completeEqualShares(setup, t.input.budget, rule.completion, t.input.raiseStep ?? 1n, options.maxRuns);
  return describe(t, setup, rule, done, options.presentation ?? PLAIN);
}

function describe(
  t: PreparedTally,
  setup: MesSetup,
  rule: Extract<RuleSpec, { rule: 'equal-shares' }>,
  done: CompletedRun,
  show: Presentation,
): Outcome {
  const { keys, costs, scores } = t;
  const { run } = done;
  const bySelection = new Map(run.selections.map((s) => [s.project, s]));
  const proposals: ProposalOutcome[] = keys.map((key, p) => {
    const cost = costs[p]!;
    const supporters = setup.supportCount[p]!;
    const s = bySelection.get(p);
    const base = { key, cost, score: scores[p]! };
    if (s) {
      let sentence: string;
      if (s.round === 0) {
        sentence = `selected at once: it costs nothing and ${plural(supporters, 'member', 'members')} voted for it`;
      } else {
        sentence = `selected in round ${s.round}: its ${plural(supporters, 'supporter', 'supporters')} paid at most ${show.share(s.cap, 'up')} each`;
        if (s.paidInFull > 0n) sentence += ` (${formatAmount(s.paidInFull)} of them paid all they had left)`;
        if (s.tiedWith.length > 0) {
          sentence += `; tied with ${listKeys(s.tiedWith.map((i) => show.name(keys[i]!)))} at the same share of the cost per supporter, ascending project key put it first`;
        }
      }
      return { ...base, selected: true, explanation: `${sentence}.`, round: s.round };
    }
    if (supporters === 0n) return { ...base, selected: false, explanation: 'nobody voted for it.' };
    const left = run.leftover?.[p] ?? { num: 0n, den: 1n };
    return {
      ...base,
      selected: false,
      explanation: `its ${plural(supporters, 'supporter', 'supporters')} could not afford it: they had ${show.share(left, 'down')} left in total and it costs ${show.money(cost)}.`,
    };
  });

  const selected = run.selections.map((s) => keys[s.project]!);
  return {
    rule,
    budget: t.input.budget,
    spent: run.spent,
    selected,
    proposals,
    notes: notes(t, setup, rule, done, show),
  };
}

function notes(t: PreparedTally, setup: MesSetup, rule: Extract<RuleSpec, { rule: 'equal-shares' }>, done: CompletedRun, show: Presentation): string[] {
  const { budget } = t.input;
  const { run } = done;
  const voters = setup.voters;
  const out: string[] = [];
  if (voters === 0n) {
    out.push('equal shares: there are no ballots, so no voter had money to fund anything.');
    return out;
  }
  const base = rational(budget, voters);
  out.push(
    `equal shares: each of ${plural(voters, 'voter', 'voters')} started with ${show.share(base, 'down')} (${show.money(budget)} / ${formatAmount(voters)}).`,
  );
  const raised = (k: bigint): Rational => add(base, { num: k, den: 1n });
  const step = show.money(t.input.raiseStep ?? 1n);
  switch (done.stop) {
    case 'single-run':
      out.push(`completion none: one run, ${plural(run.selections.length, 'proposal', 'proposals')} selected.`);
      break;
    case 'exhaustive':
      out.push(
        `completion ${rule.completion}: after ${plural(done.runs, 'run', 'runs')} with each voter's budget raised by ${step} at a time, the run at ${show.share(raised(done.increment), 'down')} per voter (+${show.money(done.increment)}) left no room for another supported proposal.`,
      );
      break;
    case 'next-overspends':
      out.push(
        `completion ${rule.completion}: after ${plural(done.runs, 'run', 'runs')} with each voter's budget raised by ${step} at a time, the run at ${show.share(raised(done.increment), 'down')} per voter (+${show.money(done.increment)}) was kept because the next one would spend ${show.money(done.overspend ?? 0n)} > budget ${show.money(budget)}.`,
      );
      break;
    case 'all-selected':
      out.push(
        `completion ${rule.completion}: after ${plural(done.runs, 'run', 'runs')} with each voter's budget raised by ${step} at a time, the run at ${show.share(raised(done.increment), 'down')} per voter (+${show.money(done.increment)}) selected every supported proposal.`,
      );
      break;
    case 'nothing-to-fund':
      break;
  }
  for (const s of run.selections) {
    if (s.tiedWith.length > 0) {
      out.push(
        `tie in round ${s.round}: ${listKeys([t.keys[s.project]!, ...s.tiedWith.map((i) => t.keys[i]!)].map(show.name), 1 + s.tiedWith.length)} cost their supporters the same share; ascending project key chose ${show.name(t.keys[s.project]!)}.`,
      );
    }
  }
  out.push(`spent ${show.money(run.spent)} of ${show.money(budget)} on ${plural(run.selections.length, 'proposal', 'proposals')}.`);
  return out;
}
