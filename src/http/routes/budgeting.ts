/** Budget cycles, proposals, ballots, outcomes, receipts and recounts (SPEC §2, §3). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CreateCycleSchema, PhaseSchema } from '../../governance/cycle.js';
import { ProgressSchema, ReviewSchema, SubmitProposalSchema, type Proposal } from '../../governance/proposal.js';
import { BallotSchema } from '../../governance/ballot.js';
import type { CycleRecord } from '../../governance/cycle.js';
import type { RecordedOutcome } from '../../governance/outcome.js';
import { runCommand } from '../idempotency.js';
import { ListQuerySchema, pageOf, problemResponses, UuidSchema } from '../schemas.js';
import type { RouteDeps } from '../app.js';

const CycleSchema = z
  .object({
    id: z.uuid(),
    communityId: z.uuid(),
    title: z.string(),
    budget: z.string(),
    currency: z.string(),
    ballot: z.object({ type: z.string(), minSelections: z.number().int(), maxSelections: z.number().int().nullable(), points: z.number().int().nullable() }),
    rule: z.string(),
    completion: z.string().nullable(),
    phase: PhaseSchema,
    origin: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Cycle' });

const ProposalSchema = z
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

const ReceiptSchema = z.object({ stream: z.string(), seq: z.number().int(), hash: z.string() }).meta({ id: 'Receipt' });

/** Where a voter checks a receipt later: whether it counts, and its proofs. */
const ReceiptLinksSchema = z.object({ status: z.string(), proof: z.string(), inclusion: z.string() });

function receiptLinks(hash: string) {
  return { status: `/v1/receipts/${hash}`, proof: `/v1/receipts/${hash}/proof`, inclusion: `/v1/proofs/inclusion?entry=${hash}` };
}

const OutcomeProposalSchema = z.object({
  id: z.string(),
  key: z.string(),
  cost: z.string(),
  votes: z.string().describe('approvals, points or Borda score'),
  selected: z.boolean(),
  explanation: z.string(),
  round: z.number().int().nullable(),
});

const RecordedOutcomeSchema = z.object({
  cycleId: z.string(),
  rule: z.string(),
  completion: z.string().nullable(),
  budget: z.string(),
  spent: z.string(),
  selected: z.array(z.string()),
  proposals: z.array(OutcomeProposalSchema),
  notes: z.array(z.string()),
  ballotsCounted: z.number().int(),
  inputsHash: z.string(),
});

const OutcomeSchema = z
  .object({
    cycleId: z.uuid(),
    rule: z.string(),
    completion: z.string().nullable(),
    selected: z.array(z.string()),
    spent: z.string(),
    budget: z.string(),
    currency: z.string(),
    ballotsCounted: z.number().int(),
    inputsHash: z.string(),
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
  };
}

function presentProposal(p: Proposal) {
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

function presentOutcome(cycle: CycleRecord, outcome: RecordedOutcome, titles: Map<string, string>) {
  return {
    cycleId: cycle.id,
    rule: outcome.rule,
    completion: outcome.completion,
    selected: outcome.selected,
    spent: outcome.spent,
    budget: outcome.budget,
    currency: cycle.currency,
    ballotsCounted: outcome.ballotsCounted,
    inputsHash: outcome.inputsHash,
    notes: outcome.notes,
    proposals: outcome.proposals.map((p) => ({ ...p, title: titles.get(p.id) ?? '' })),
  };
}

export const budgetingRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const budgeting = services.budgeting;
  const CommunityParams = z.object({ communityId: UuidSchema });
  const CycleParams = z.object({ cycleId: UuidSchema });
  const ProposalParams = z.object({ proposalId: UuidSchema });

  app.post('/v1/communities/:communityId/cycles', {
    schema: { tags: ['budgeting'], summary: 'Open a budget cycle (steward); reserves its budget', params: CommunityParams, body: CreateCycleSchema, response: { 201: CycleSchema, ...problemResponses } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 201, (ctx) => budgeting.createCycle(ctx, request.params.communityId, request.body), presentCycle),
  });

  app.get('/v1/communities/:communityId/cycles', {
    schema: { tags: ['budgeting'], summary: "A community's cycles", params: CommunityParams, querystring: ListQuerySchema, response: { 200: pageOf(CycleSchema), ...problemResponses } },
    handler: async (request) => {
      await services.communities.get(request.params.communityId);
      const page = await budgeting.listCycles(request.params.communityId, request.query.limit, request.query.cursor);
      return { items: page.items.map(presentCycle), nextCursor: page.nextCursor };
    },
  });

  app.get('/v1/cycles/:cycleId', {
    schema: { tags: ['budgeting'], summary: 'Read a cycle', params: CycleParams, response: { 200: CycleSchema, ...problemResponses } },
    handler: async (request) => presentCycle(await budgeting.getCycle(request.params.cycleId)),
  });

  app.post('/v1/cycles/:cycleId/phase', {
    schema: {
      tags: ['budgeting'],
      summary: 'Move the cycle to its next phase (steward); `voting` freezes it, `closed` runs the tally',
      params: CycleParams,
      body: z.object({ phase: PhaseSchema }).strict(),
      response: { 200: CycleSchema, ...problemResponses },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => budgeting.movePhase(ctx, request.params.cycleId, request.body.phase), presentCycle),
  });

  app.post('/v1/cycles/:cycleId/proposals', {
    schema: { tags: ['budgeting'], summary: 'Submit a proposal (member, during proposals)', params: CycleParams, body: SubmitProposalSchema, response: { 201: ProposalSchema, ...problemResponses } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 201, (ctx) => budgeting.submitProposal(ctx, request.params.cycleId, request.body), presentProposal),
  });

  app.get('/v1/cycles/:cycleId/proposals', {
    schema: { tags: ['budgeting'], summary: "A cycle's proposals", params: CycleParams, response: { 200: z.object({ items: z.array(ProposalSchema) }), ...problemResponses } },
    handler: async (request) => {
      await budgeting.getCycle(request.params.cycleId);
      return { items: (await budgeting.listProposals(request.params.cycleId)).map(presentProposal) };
    },
  });

  app.get('/v1/proposals/:proposalId', {
    schema: {
      tags: ['budgeting'],
      summary: 'Read a proposal with its progress reports',
      params: ProposalParams,
      response: { 200: ProposalSchema.extend({ reports: z.array(z.object({ status: z.string(), report: z.string(), at: z.string() })) }), ...problemResponses },
    },
    handler: async (request) => ({
      ...presentProposal(await budgeting.getProposal(request.params.proposalId)),
      reports: await budgeting.listReports(request.params.proposalId),
    }),
  });

  app.post('/v1/proposals/:proposalId/review', {
    schema: { tags: ['budgeting'], summary: 'Accept or reject a proposal (steward, during review)', params: ProposalParams, body: ReviewSchema, response: { 200: ProposalSchema, ...problemResponses } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => budgeting.reviewProposal(ctx, request.params.proposalId, request.body), presentProposal),
  });

  app.post('/v1/proposals/:proposalId/withdraw', {
    schema: { tags: ['budgeting'], summary: 'Withdraw your own proposal before voting (author)', params: ProposalParams, response: { 200: ProposalSchema, ...problemResponses } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => budgeting.withdrawProposal(ctx, request.params.proposalId), presentProposal),
  });

  app.post('/v1/proposals/:proposalId/progress', {
    schema: { tags: ['budgeting'], summary: 'Report progress of a selected proposal (steward, during implementation)', params: ProposalParams, body: ProgressSchema, response: { 200: ProposalSchema, ...problemResponses } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => budgeting.reportProgress(ctx, request.params.proposalId, request.body), presentProposal),
  });

  app.put('/v1/cycles/:cycleId/ballot', {
    schema: {
      tags: ['budgeting'],
      summary: 'Cast or replace your ballot (member in the census, during voting); the last one counts',
      params: CycleParams,
      body: BallotSchema,
      response: { 200: z.object({ receipt: ReceiptSchema, links: ReceiptLinksSchema }), ...problemResponses },
    },
    handler: (request, reply) =>
      runCommand(services.idempotency, request, reply, 200, (ctx) => budgeting.castBallot(ctx, request.params.cycleId, request.body), (receipt) => ({ receipt, links: receiptLinks(receipt.hash) })),
  });

  app.get('/v1/cycles/:cycleId/signing', {
    schema: {
      tags: ['budgeting'],
      summary: 'The EIP-712 typed data to sign a ballot in this cycle (for communities that require signed ballots)',
      params: CycleParams,
      response: {
        200: z.object({
          domain: z.object({ name: z.string(), version: z.string(), chainId: z.number().int() }),
          types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
          primaryType: z.string(),
          message: z.object({ community: z.string(), cycle: z.string(), nonce: z.string(), ballot: z.string() }),
          required: z.boolean().nullable(),
        }),
        ...problemResponses,
      },
    },
    handler: async (request) => {
      const template = await budgeting.signingTemplate(request.params.cycleId);
      return { ...template, types: { Ballot: template.types.Ballot.map((f) => ({ ...f })) } };
    },
  });

  app.get('/v1/cycles/:cycleId/ballots/count', {
    schema: {
      tags: ['budgeting'],
      summary: 'How many ballots have been cast (the only thing visible while voting is open)',
      params: CycleParams,
      response: { 200: z.object({ ballots: z.number().int(), voters: z.number().int() }), ...problemResponses },
    },
    handler: async (request) => budgeting.ballotCount(request.params.cycleId),
  });

  app.get('/v1/cycles/:cycleId/outcome', {
    schema: { tags: ['budgeting'], summary: 'The outcome of a closed cycle, with an explanation per proposal', security: [], params: CycleParams, response: { 200: OutcomeSchema, ...problemResponses } },
    handler: async (request) => {
      const { cycle, outcome } = await budgeting.outcome(request.params.cycleId);
      const titles = new Map((await budgeting.listProposals(cycle.id)).map((p) => [p.id, p.title]));
      return presentOutcome(cycle, outcome, titles);
    },
  });

  app.post('/v1/cycles/:cycleId/recount', {
    schema: {
      tags: ['budgeting'],
      summary: 'Recompute the outcome from ledger entries alone and compare (auditor, admin)',
      params: CycleParams,
      response: {
        200: z.object({
          equal: z.boolean(),
          recorded: RecordedOutcomeSchema.nullable(),
          recomputed: RecordedOutcomeSchema.nullable(),
          ballotEntries: z.number().int(),
          problems: z.array(z.object({ stream: z.string(), seq: z.number().int(), reason: z.string() })),
        }),
        ...problemResponses,
      },
    },
    handler: async (request) => {
      return budgeting.recount(request.params.cycleId);
    },
  });

  app.get('/v1/cycles/:cycleId/voters', {
    schema: {
      tags: ['budgeting'],
      summary: 'The census: voter pseudonyms and the members behind them (auditors only)',
      params: CycleParams,
      querystring: ListQuerySchema,
      response: { 200: pageOf(z.object({ pseudonym: z.string(), memberId: z.string().nullable() })), ...problemResponses },
    },
    handler: async (request) => {
      await budgeting.getCycle(request.params.cycleId);
      return budgeting.voters(request.params.cycleId, request.query.limit, request.query.cursor);
    },
  });

  app.get('/v1/receipts/:hash', {
    schema: {
      tags: ['budgeting'],
      summary: "Is this receipt's ballot the one that counts?",
      security: [],
      params: z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits') }),
      response: {
        200: z.object({ receipt: ReceiptSchema, cycleId: z.string(), phase: z.string(), counted: z.boolean(), replacedBy: ReceiptSchema.nullable(), castAt: z.string(), links: ReceiptLinksSchema }),
        ...problemResponses,
      },
    },
    handler: async (request) => ({ ...(await budgeting.receipt(request.params.hash)), links: receiptLinks(request.params.hash) }),
  });
};
