/**
 * Budgeting's HTTP shapes: the response schemas (each a named OpenAPI component) and the presenters
 * that turn domain records into them. Handlers live in cycles.ts, proposals.ts and ballots.ts.
 */
import { z } from 'zod';
import { PhaseSchema, type CycleRecord } from '../../governance/cycle.js';
import { nextScheduledAt } from '../../governance/schedule.js';
import type { Proposal } from '../../governance/proposal.js';
import type { RecordedOutcome } from '../../governance/outcome.js';
import { UuidSchema } from '../schemas.js';

export const CommunityParams = z.object({ communityId: UuidSchema });
export const CycleParams = z.object({ cycleId: UuidSchema });
export const ProposalParams = z.object({ proposalId: UuidSchema });

export const CycleSchema = z
  .object({
    id: z.uuid(),
    communityId: z.uuid(),
    title: z.string(),
    budget: z.string(),
    currency: z.string(),
    ballot: z.object({
      type: z.string(),
      minSelections: z.number().int(),
      maxSelections: z.number().int().nullable(),
      points: z.string().nullable().describe('cumulative: the points each voter distributes, a decimal string (it may exceed 2^53)'),
      minSpendPercent: z.number().int().optional().describe('knapsack: the least share of the budget a ballot spends'),
    }),
    rule: z.string(),
    completion: z.string().nullable(),
    phase: PhaseSchema,
    origin: z.string(),
    createdAt: z.string(),
    schedule: z
      .object({ reviewAt: z.string().optional(), supportsAt: z.string().optional(), votingAt: z.string().optional(), closeAt: z.string().optional() })
      .nullable()
      .describe('when the service moves the phase by itself (UTC); frozen once voting opens'),
    nextScheduledAt: z.string().nullable().describe('the next scheduled move still ahead of the cycle, if any'),
    shortlist: z.object({ size: z.number().int() }).nullable().describe('a supports phase: only the `size` most supported proposals reach the ballot'),
    ballotProposalIds: z.array(z.string()).nullable().describe('the proposals on the frozen ballot, once voting opened'),
  })
  .meta({ id: 'Cycle' });

export const ProposalSchema = z
  .object({
    id: z.uuid(),
    cycleId: z.uuid(),
    communityId: z.uuid(),
    key: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    cost: z.string(),
    category: z.string().nullable(),
    authorId: z.string().nullable(),
    status: z.string(),
    reason: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Proposal' });

export const ReceiptSchema = z.object({ stream: z.string(), seq: z.number().int(), hash: z.string() }).meta({ id: 'Receipt' });

/** Where a voter checks a receipt later: whether it counts, and its proofs. */
export const ReceiptLinksSchema = z.object({ status: z.string(), proof: z.string(), inclusion: z.string() });

export function receiptLinks(hash: string) {
  return { status: `/v1/receipts/${hash}`, proof: `/v1/receipts/${hash}/proof`, inclusion: `/v1/proofs/inclusion?entry=${hash}` };
}

export const OutcomeProposalSchema = z.object({
  id: z.string(),
  key: z.string(),
  cost: z.string(),
  votes: z.string().describe('approvals, points or Borda score'),
  selected: z.boolean(),
  explanation: z.string(),
  round: z.number().int().nullable(),
});

export const RecordedOutcomeSchema = z.object({
  cycleId: z.string(),
  rule: z.string(),
  completion: z.string().nullable(),
  budget: z.string(),
  spent: z.string(),
  selected: z.array(z.string()),
  proposals: z.array(OutcomeProposalSchema),
  notes: z.array(z.string()),
  ballotsCounted: z.number().int(),
  paperBallotsCounted: z.number().int().optional().describe('how many of the counted ballots were paper ballots (absent: none)'),
  inputsHash: z.string(),
  explanationFormat: z.literal(2).optional().describe('how explanations write money and name proposals; absent: format 1 (bare minor units, keys), outcomes recorded before amounts carried a currency'),
});

export const OutcomeSchema = z
  .object({
    cycleId: z.uuid(),
    rule: z.string(),
    completion: z.string().nullable(),
    selected: z.array(z.string()),
    spent: z.string(),
    budget: z.string(),
    currency: z.string(),
    ballotsCounted: z.number().int(),
    paperBallotsCounted: z.number().int().describe('how many of the counted ballots were paper ballots'),
    inputsHash: z.string(),
    explanationFormat: z.number().int().describe('1: explanations in bare minor units naming proposals by key (outcomes recorded before format 2); 2: amounts as `EUR 1,500.00`, proposals as `key "title"`'),
    notes: z.array(z.string()),
    proposals: z.array(OutcomeProposalSchema.extend({ title: z.string() })),
  })
  .meta({ id: 'Outcome' });

export function presentCycle(c: CycleRecord) {
  return {
    id: c.id,
    communityId: c.communityId,
    title: c.title,
    budget: c.budgetMinor.toString(),
    currency: c.currency,
    ballot: c.ballot,
    rule: c.rule,
    completion: c.completion,
    phase: c.phase,
    origin: c.origin,
    createdAt: c.createdAt,
    schedule: c.frozen?.schedule ?? c.schedule,
    nextScheduledAt: nextScheduledAt(c.phase, c.schedule),
    shortlist: c.shortlist,
    ballotProposalIds: c.frozen === null ? null : c.frozen.proposals.map((p) => p.id),
  };
}

export function presentProposal(p: Proposal) {
  return {
    id: p.id,
    cycleId: p.cycleId,
    communityId: p.communityId,
    key: p.key,
    title: p.title,
    description: p.description,
    cost: p.costMinor.toString(),
    category: p.category,
    authorId: p.authorId,
    status: p.status,
    reason: p.reason,
    createdAt: p.createdAt,
  };
}

export function presentOutcome(cycle: Pick<CycleRecord, 'id' | 'currency'>, outcome: RecordedOutcome, titles: Map<string, string>) {
  return {
    cycleId: cycle.id,
    rule: outcome.rule,
    completion: outcome.completion,
    selected: outcome.selected,
    spent: outcome.spent,
    budget: outcome.budget,
    currency: cycle.currency,
    ballotsCounted: outcome.ballotsCounted,
    paperBallotsCounted: outcome.paperBallotsCounted ?? 0,
    inputsHash: outcome.inputsHash,
    explanationFormat: outcome.explanationFormat ?? 1,
    notes: outcome.notes,
    proposals: outcome.proposals.map((p) => ({ ...p, title: titles.get(p.id) ?? '' })),
  };
}
