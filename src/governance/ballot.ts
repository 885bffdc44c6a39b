/**
 * Ballots: the three request shapes and their validation against the cycle's frozen rules and the
 * proposals on its ballot. Checks run in a fixed order (shape, duplicates, on-ballot, counts,
 * points, cost) so the same ballot always gets the same refusal.
 */
import { z } from 'zod';
import { DomainError } from '../domain-error.js';
import type { TallyBallot } from '../rules/index.js';
import { PointsInputSchema, type BallotRules } from './cycle.js';
import type { RecordedBallotPayload } from '../events/index.js';

const Id = z.string().min(1).max(64);

/** Signed ballots add an EIP-712 signature and a nonce (see signed-ballot.ts). */
const Signature = {
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'a 65-byte signature as 0x + 130 hex digits').optional(),
  nonce: z.string().regex(/^\d{1,30}$/, 'a whole number as a decimal string, larger than your last one in this cycle').optional(),
};

export const BallotSchema = z.union([
  z.object({ approvals: z.array(Id).max(1000), ...Signature }).strict(),
  z.object({ points: z.record(Id, PointsInputSchema).describe('points per proposal id: JSON integers up to 2^53 − 1 or decimal strings'), ...Signature }).strict(),
  z.object({ ranking: z.array(Id).max(1000), ...Signature }).strict(),
]);
export type BallotInput = z.infer<typeof BallotSchema>;

/** A validated ballot over proposal ids, as recorded in the ledger (points as strings; schema in the event catalog). */
export type RecordedBallot = z.output<typeof RecordedBallotPayload>;

export interface BallotProposal {
  id: string;
  key: string;
  costMinor: bigint;
}

export function validateBallot(input: BallotInput, rules: BallotRules, budgetMinor: bigint, onBallot: ReadonlyMap<string, BallotProposal>): RecordedBallot {
  const expected = rules.type === 'cumulative' ? 'points' : rules.type === 'ordinal' ? 'ranking' : 'approvals';
  if (!(expected in input)) {
    throw new DomainError('ballot-type-mismatch', `this cycle uses ${rules.type} ballots: send {"${expected}": …}`, { ballotType: rules.type });
  }
  const chosen = 'points' in input ? Object.keys(input.points) : 'approvals' in input ? input.approvals : input.ranking;
  const seen = new Set<string>();
  for (const id of chosen) {
    if (seen.has(id)) throw new DomainError('duplicate-selection', `proposal ${id} appears twice on the ballot`, { proposalId: id });
    seen.add(id);
  }
  for (const id of chosen) {
    if (!onBallot.has(id)) throw new DomainError('not-on-ballot', `proposal ${id} is not on this cycle's ballot (unknown, rejected, withdrawn, not reviewed or not shortlisted)`, { proposalId: id });
  }
  const max = rules.maxSelections ?? onBallot.size;
  if (chosen.length < rules.minSelections) {
    throw new DomainError('too-few-selections', `choose at least ${rules.minSelections} proposal(s); this ballot has ${chosen.length}`, { min: rules.minSelections, got: chosen.length });
  }
  if (chosen.length > max) {
    throw new DomainError('too-many-selections', `choose at most ${max} proposal(s); this ballot has ${chosen.length}`, { max, got: chosen.length });
  }
  if ('points' in input) {
    // bigint throughout: limits and points may exceed 2^53
    const given = Object.entries(input.points).map(([id, p]) => [id, BigInt(p)] as const);
    let total = 0n;
    for (const [id, points] of given) {
      if (points <= 0n) throw new DomainError('invalid-points', `proposal ${id} got ${points} points; give each chosen proposal at least 1`, { proposalId: id });
      total += points;
    }
    const limit = BigInt(rules.points ?? '0');
    if (total > limit) {
      throw new DomainError('points-exceeded', `this ballot gives ${total} points; each voter has ${limit}`, { max: limit.toString(), got: total.toString() });
    }
    return { points: Object.fromEntries(given.map(([id, p]) => [id, p.toString()])) };
  }
  if (rules.type === 'knapsack') {
    const cost = chosen.reduce((sum, id) => sum + (onBallot.get(id)?.costMinor ?? 0n), 0n);
    if (cost > budgetMinor) {
      throw new DomainError('over-budget', `the chosen proposals cost ${cost} together; the budget is ${budgetMinor}`, { cost: cost.toString(), budget: budgetMinor.toString() });
    }
    checkMinimumSpend(rules, budgetMinor, onBallot, cost);
  }
  return 'approvals' in input ? { approvals: [...input.approvals] } : { ranking: [...chosen] };
}

/**
 * Knapsack `minSpendPercent` (Decidim's minimum, issue 13 item 5): the chosen proposals must cost at
 * least that share of the budget, rounded up to a whole minor unit — but never more than every
 * proposal on the ballot costs together, so a ballot that chooses them all is always accepted.
 */
export function minimumSpend(rules: BallotRules, budgetMinor: bigint, onBallot: ReadonlyMap<string, BallotProposal>): bigint {
  if (rules.type !== 'knapsack' || rules.minSpendPercent === undefined || rules.minSpendPercent === 0) return 0n;
  const share = (budgetMinor * BigInt(rules.minSpendPercent) + 99n) / 100n;
  const everything = [...onBallot.values()].reduce((sum, p) => sum + p.costMinor, 0n);
  return share < everything ? share : everything;
}

function checkMinimumSpend(rules: BallotRules, budgetMinor: bigint, onBallot: ReadonlyMap<string, BallotProposal>, cost: bigint): void {
  const minimum = minimumSpend(rules, budgetMinor, onBallot);
  if (cost >= minimum) return;
  const missing = minimum - cost;
  throw new DomainError(
    'below-minimum-spend',
    `this ballot spends ${cost} of the budget of ${budgetMinor}; choose proposals worth at least ${missing} more (the minimum is ${rules.minSpendPercent ?? 0}% of the budget: ${minimum})`,
    { spent: cost.toString(), minimum: minimum.toString(), missing: missing.toString(), minSpendPercent: rules.minSpendPercent ?? 0 },
  );
}

/** The rule's view of a recorded ballot: proposal keys instead of ids, points as bigint. */
export function toTallyBallot(ballot: RecordedBallot, keyOf: (proposalId: string) => string): TallyBallot {
  if ('points' in ballot) {
    return { points: Object.fromEntries(Object.entries(ballot.points).map(([id, p]) => [keyOf(id), BigInt(p)])) };
  }
  if ('ranking' in ballot) return { ranking: ballot.ranking.map(keyOf) };
  return { approvals: ballot.approvals.map(keyOf) };
}
