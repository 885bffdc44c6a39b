/**
 * Budget cycles: creation input, ballot rules, and the phase machine (SPEC §7). Phases move forward
 * one step at a time: `proposals → review → (supports, when the cycle has a shortlist) → voting →
 * (tallying, while trustees' key shares are awaited) → closed → implementation → completed`, and a
 * cycle may be `cancelled` from any phase before `closed`. When voting opens, ballot rules, rule,
 * budget, the proposals on the ballot and the census are frozen (the service records them in the
 * ledger); nothing about them changes until the cycle closes.
 */
import { z } from 'zod';
import { DomainError } from '../domain-error.js';
import { BallotTypeSchema, CompletionSchema, RuleNameSchema } from './community.js';
import type { FrozenBallot, RecordedOutcome } from './outcome.js';
import { ScheduleSchema, validateSchedule, type Schedule } from './schedule.js';

export const ShortlistSchema = z.object({ size: z.number().int().min(1).max(1000) }).strict().meta({ id: 'Shortlist' });

export const PHASES = ['proposals', 'review', 'supports', 'voting', 'tallying', 'closed', 'implementation', 'completed', 'cancelled'] as const;
export type Phase = (typeof PHASES)[number];
export const PhaseSchema = z.enum(PHASES);

export const MoneyStringSchema = z.string().regex(/^\d{1,18}$/, 'whole minor units as a decimal string, e.g. "125000" for 1250.00');
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "EUR"');

/**
 * Whole points in a request (a cycle's limit, a cumulative ballot's points): a JSON integer up to
 * 2^53 − 1, or a decimal string of up to 30 digits for anything larger. Answers and ledger entries
 * always carry a decimal string (SPEC §5: never a JSON number above 2^53); a JSON number beyond
 * 2^53 − 1 is refused, since a JSON reader may already have rounded it.
 */
export const PointsInputSchema = z.union([
  z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  z.string().regex(/^-?\d{1,30}$/, 'a whole number as a decimal string of at most 30 digits, e.g. "100000000000000000000"'),
]);

export const BallotRulesSchema = z
  .object({
    type: BallotTypeSchema,
    minSelections: z.number().int().min(0).max(1000).optional(),
    maxSelections: z.number().int().min(1).max(1000).optional(),
    points: PointsInputSchema.optional().describe('cumulative: points each voter may distribute, at least 1 (answers show it as a decimal string)'),
    minSpendPercent: z.number().int().min(0).max(100).optional().describe('knapsack: a ballot must spend at least this share of the budget (Decidim uses 70)'),
  })
  .strict();
export type BallotRulesInput = z.infer<typeof BallotRulesSchema>;

/** Trustees (issue 11.3): community auditors (member ids) or network auditors (auditor ids), k of n. */
export const TrusteesSchema = z
  .object({
    members: z.array(z.uuid()).min(2).max(50).describe('member ids (with the auditor role in this community) or network auditor ids'),
    threshold: z.number().int().min(2).max(50).describe('how many trustees must send their key share to close the cycle'),
  })
  .strict();

export const CreateCycleSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    budget: MoneyStringSchema,
    currency: CurrencySchema,
    ballot: BallotRulesSchema,
    rule: RuleNameSchema,
    completion: CompletionSchema.optional(),
    schedule: ScheduleSchema.optional().describe('times at which the service moves the phase by itself (actor `system`)'),
    shortlist: ShortlistSchema.optional().describe('a supports phase before voting: only the `size` most supported proposals reach the ballot'),
    trustees: TrusteesSchema.optional(),
  })
  .strict();
export type CreateCycleInput = z.infer<typeof CreateCycleSchema>;

export interface BallotRules {
  type: z.infer<typeof BallotTypeSchema>;
  minSelections: number;
  /** null: as many as there are proposals on the ballot */
  maxSelections: number | null;
  /** cumulative only: the points each voter distributes, as a decimal string (it may exceed 2^53) */
  points: string | null;
  /** knapsack only: the least share of the budget (0–100) a ballot must spend; absent: no minimum */
  minSpendPercent?: number;
}

export interface Cycle {
  id: string;
  communityId: string;
  title: string;
  budgetMinor: bigint;
  currency: string;
  ballot: BallotRules;
  rule: 'greedy' | 'equal-shares';
  completion: 'add1' | 'add1-until-exhaustive' | 'none' | null;
  phase: Phase;
  /** how the cycle came to be: created here, or imported from a pabulib file */
  origin: 'native' | 'pabulib';
  createdAt: string;
  /** when the service moves the phase by itself (null: only stewards move it) */
  schedule: Schedule | null;
  /** with a shortlist the cycle has a supports phase; only the `size` most supported reach the ballot */
  shortlist: { size: number } | null;
}

/** A cycle as stored: with its frozen ballot once voting opened and its outcome once it closed. */
export interface CycleRecord extends Cycle {
  frozen: FrozenBallot | null;
  outcome: RecordedOutcome | null;
  proposalCounter: number;
}

/** Validates ballot rules against the rule and builds a new cycle in `proposals`. */
export function newCycle(input: CreateCycleInput, communityId: string, id: string, at: string): Cycle {
  const ballot = ballotRules(input.ballot);
  if (input.rule === 'equal-shares' && ballot.type !== 'approval' && ballot.type !== 'knapsack') {
    throw new DomainError('rule-not-supported-for-ballot', `equal-shares needs approval or knapsack ballots, not ${ballot.type}`, { rule: input.rule, ballotType: ballot.type });
  }
  if (input.rule !== 'equal-shares' && input.completion !== undefined) {
    throw new DomainError('invalid-ballot-rules', 'completion only applies to the equal-shares rule');
  }
  const shortlist = input.shortlist === undefined ? null : { size: input.shortlist.size };
  const schedule = input.schedule === undefined ? null : validateSchedule(input.schedule, { now: at, hasShortlist: shortlist !== null });
  return {
    id,
    communityId,
    title: input.title,
    budgetMinor: BigInt(input.budget),
    currency: input.currency,
    ballot,
    rule: input.rule,
    completion: input.rule === 'equal-shares' ? (input.completion ?? 'add1') : null,
    phase: 'proposals',
    origin: 'native',
    createdAt: at,
    schedule,
    shortlist,
  };
}

export function ballotRules(input: BallotRulesInput): BallotRules {
  const minSelections = input.minSelections ?? (input.type === 'cumulative' ? 0 : 1);
  const maxSelections = input.maxSelections ?? null;
  if (maxSelections !== null && minSelections > maxSelections) {
    throw new DomainError('invalid-ballot-rules', `minSelections (${minSelections}) is more than maxSelections (${maxSelections})`);
  }
  if (input.type === 'cumulative' && input.points === undefined) {
    throw new DomainError('invalid-ballot-rules', 'cumulative ballots need "points": how many points each voter distributes');
  }
  if (input.type !== 'cumulative' && input.points !== undefined) {
    throw new DomainError('invalid-ballot-rules', '"points" only applies to cumulative ballots');
  }
  if (input.minSpendPercent !== undefined && input.type !== 'knapsack') {
    throw new DomainError('invalid-ballot-rules', '"minSpendPercent" only applies to knapsack ballots');
  }
  const points = input.points === undefined ? null : BigInt(input.points);
  if (points !== null && points < 1n) {
    throw new DomainError('invalid-ballot-rules', `cumulative ballots need at least 1 point per voter, not ${points}`);
  }
  return { type: input.type, minSelections, maxSelections, points: points === null ? null : points.toString(), ...(input.minSpendPercent === undefined ? {} : { minSpendPercent: input.minSpendPercent }) };
}

/** What the phase machine needs to know about a cycle. */
export interface PhaseFacts {
  phase: Phase;
  /** the cycle has a supports stage (`shortlist`) between review and voting */
  hasShortlist: boolean;
  /** the election key is held by trustees: closing waits in `tallying` for their shares */
  hasTrustees: boolean;
}

/** Phases a cycle may be cancelled from: everything before the tally is final. */
export const CANCELLABLE_PHASES: readonly Phase[] = ['proposals', 'review', 'supports', 'voting', 'tallying'];

/** The phase a steward (or the schedule) may ask for next, or null when there is none. */
export function nextPhase(facts: PhaseFacts): Phase | null {
  switch (facts.phase) {
    case 'proposals':
      return 'review';
    case 'review':
      return facts.hasShortlist ? 'supports' : 'voting';
    case 'supports':
      return 'voting';
    case 'voting':
      return 'closed';
    case 'tallying':
      // leaves only when enough trustees' key shares are in (POST /v1/cycles/{id}/key-shares)
      return null;
    case 'closed':
      return 'implementation';
    case 'implementation':
      return 'completed';
    case 'completed':
    case 'cancelled':
      return null;
  }
}

/**
 * A requested move and the phase it leads to: the next phase only, or `cancelled` before the
 * tally; asking to close a cycle whose key trustees hold leads to `tallying`.
 */
export function decidePhaseMove(facts: PhaseFacts, requested: Phase): Phase {
  const current = facts.phase;
  if (requested === 'cancelled') {
    if (CANCELLABLE_PHASES.includes(current)) return 'cancelled';
    throw new DomainError('phase-not-next', `a ${current} cycle cannot be cancelled: cancelling is possible before the tally (${CANCELLABLE_PHASES.join(', ')})`, { phase: current, next: nextPhase(facts) });
  }
  const next = nextPhase(facts);
  if (requested !== next) {
    const why =
      next === null
        ? current === 'tallying'
          ? 'the cycle is tallying: it closes when enough trustees have sent their key shares'
          : `the cycle is ${current}; there is no phase after it`
        : `the cycle is in ${current}; the next phase is ${next}, not ${requested}`;
    throw new DomainError('phase-not-next', why, { phase: current, next });
  }
  return next === 'closed' && facts.hasTrustees ? 'tallying' : next;
}

export function requirePhase(cycle: Pick<Cycle, 'phase'>, allowed: readonly Phase[], action: string): void {
  if (!allowed.includes(cycle.phase)) {
    throw new DomainError('phase-closed', `${action} is only possible while the cycle is in ${allowed.join(' or ')}; it is in ${cycle.phase}`, { phase: cycle.phase });
  }
}

/** How rule, completion and ballot rules travel in ledger payloads (amounts as strings). */
export function cycleRulesPayload(cycle: Cycle) {
  return {
    budget: cycle.budgetMinor.toString(),
    currency: cycle.currency,
    ballot: ballotRulesPayload(cycle.ballot),
    rule: cycle.rule,
    completion: cycle.completion,
    // absent rather than null, so cycles without them keep their exact entry bytes
    ...(cycle.schedule === null ? {} : { schedule: cycle.schedule }),
    ...(cycle.shortlist === null ? {} : { shortlist: cycle.shortlist }),
  };
}

/** Ballot rules as ledger payloads carry them (`minSpendPercent` only when set). */
export function ballotRulesPayload(ballot: BallotRules) {
  return {
    type: ballot.type,
    minSelections: ballot.minSelections,
    maxSelections: ballot.maxSelections,
    points: ballot.points,
    ...(ballot.minSpendPercent === undefined ? {} : { minSpendPercent: ballot.minSpendPercent }),
  };
}
