/**
 * From frozen ballot and effective ballots to a recorded outcome, and back. The outcome is a pure
 * function of (rules, proposals on the ballot, effective ballots): the same function runs at close
 * and at a recount from ledger entries alone, and `inputsHash` pins exactly what it read.
 */
import { canonicalJson, sha256Hex } from '../ledger/index.js';
import { tally, type Outcome, type RuleSpec, type TallyInput } from '../rules/index.js';
import type { z } from 'zod';
import type { FrozenBallotPayload, RecordedOutcomePayload } from '../events/index.js';
import { toTallyBallot, type RecordedBallot } from './ballot.js';
import { CURRENT_EXPLANATION_FORMAT, explanationPresentation, type ExplanationFormat } from './explanation-format.js';
import { isPaperVoter } from './sealed-ballot.js';

/** What `cycle.voting-opened` freezes (its schema is in the event catalog). */
export type FrozenBallot = z.output<typeof FrozenBallotPayload>;

export interface CastBallot {
  voter: string;
  ballot: RecordedBallot;
}

/** The outcome `cycle.closed` records (its schema is in the event catalog). */
export type RecordedOutcome = z.output<typeof RecordedOutcomePayload>;

export function ruleSpec(frozen: Pick<FrozenBallot, 'rule' | 'completion'>): RuleSpec {
  return frozen.rule === 'greedy' ? { rule: 'greedy' } : { rule: 'equal-shares', completion: frozen.completion ?? 'add1' };
}

/** The last ballot of each voter, given ballots in ledger order. */
export function effectiveBallots(cast: readonly CastBallot[]): CastBallot[] {
  const last = new Map<string, CastBallot>();
  for (const ballot of cast) last.set(ballot.voter, ballot);
  return [...last.values()].sort((a, b) => (a.voter < b.voter ? -1 : a.voter > b.voter ? 1 : 0));
}

/** The explanation format of a recorded outcome (absent: 1, recorded before amounts carried a currency). */
export function explanationFormatOf(outcome: RecordedOutcome): ExplanationFormat {
  return outcome.explanationFormat ?? 1;
}

export function inputsHash(frozen: FrozenBallot, effective: readonly CastBallot[], format: ExplanationFormat = 1): string {
  const inputs = {
    budget: frozen.budget,
    ballotType: frozen.ballot.type,
    rule: frozen.rule,
    completion: frozen.completion,
    unitMinor: frozen.unitMinor,
    // from format 2 the explanations also read the currency and the titles
    ...(format === 1 ? {} : { currency: frozen.currency }),
    projects: frozen.proposals.map((p) => (format === 1 || p.title === undefined ? { key: p.key, cost: p.cost } : { key: p.key, cost: p.cost, title: p.title })),
    ballots: effective.map((b) => ({ voter: b.voter, ...b.ballot })),
  };
  return sha256Hex(canonicalJson(inputs));
}

/**
 * Applies the cycle's rule to its effective ballots (ballots in any order; the last per voter
 * counts), writing the explanations in `format` (new outcomes: the current one; a recount: the
 * recorded outcome's).
 */
export function computeOutcome(frozen: FrozenBallot, cast: readonly CastBallot[], format: ExplanationFormat = CURRENT_EXPLANATION_FORMAT): RecordedOutcome {
  const effective = effectiveBallots(cast);
  const byId = new Map(frozen.proposals.map((p) => [p.id, p]));
  const keyOf = (id: string): string => byId.get(id)?.key ?? id;
  const input: TallyInput = {
    budget: BigInt(frozen.budget),
    ballotType: frozen.ballot.type,
    projects: frozen.proposals.map((p) => ({ key: p.key, cost: BigInt(p.cost) })),
    ballots: effective.map((b) => toTallyBallot(b.ballot, keyOf)),
    raiseStep: BigInt(frozen.unitMinor),
  };
  const titles = new Map(frozen.proposals.flatMap((p) => (p.title === undefined ? [] : [[p.key, p.title] as const])));
  const outcome: Outcome = tally(input, ruleSpec(frozen), { presentation: explanationPresentation(format, frozen.currency, titles) });
  const idOf = new Map(frozen.proposals.map((p) => [p.key, p.id]));
  return {
    cycleId: frozen.cycleId,
    rule: frozen.rule,
    completion: frozen.completion,
    budget: outcome.budget.toString(),
    spent: outcome.spent.toString(),
    selected: outcome.selected.map((key) => idOf.get(key) ?? key),
    proposals: outcome.proposals.map((p) => ({
      id: idOf.get(p.key) ?? p.key,
      key: p.key,
      cost: p.cost.toString(),
      votes: p.score.toString(),
      selected: p.selected,
      explanation: p.explanation,
      round: p.round ?? null,
    })),
    notes: outcome.notes,
    ballotsCounted: effective.length,
    ...paperCount(effective),
    inputsHash: inputsHash(frozen, effective, format),
    ...(format === 1 ? {} : { explanationFormat: format }),
  };
}

/** How many counted ballots were paper ballots; absent when none were, so older outcomes recount byte for byte. */
function paperCount(effective: readonly CastBallot[]): { paperBallotsCounted?: number } {
  const paper = effective.filter((b) => isPaperVoter(b.voter)).length;
  return paper === 0 ? {} : { paperBallotsCounted: paper };
}

/** Byte-for-byte comparison of two recorded outcomes (canonical JSON). */
export function sameOutcome(a: RecordedOutcome, b: RecordedOutcome): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
