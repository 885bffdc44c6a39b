/** Proposals: submission, review, withdrawal, progress reports (SPEC §2). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { runCommand } from '../idempotency.js';
import type { RouteDeps } from '../app.js';
import { CancelProposalSchema, ProgressSchema, ReviewSchema, SubmitProposalSchema } from '../../governance/proposal.js';
import { EditProposalSchema } from '../../governance/editing.js';
import { CycleParams, ProposalParams, ProposalSchema, presentProposal } from './budgeting.schemas.js';

export const proposalRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const proposals = services.proposals;

  app.post('/v1/cycles/:cycleId/proposals', {
    schema: { tags: ['budgeting'], summary: 'Submit a proposal (member, during proposals)', params: CycleParams, body: SubmitProposalSchema, response: { 201: ProposalSchema } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 201, (ctx) => proposals.submitProposal(ctx, request.params.cycleId, request.body), presentProposal),
  });

  app.get('/v1/cycles/:cycleId/proposals', {
    schema: { tags: ['budgeting'], summary: "A cycle's proposals", params: CycleParams, response: { 200: z.object({ items: z.array(ProposalSchema) }) } },
    handler: async (request) => {
      await services.cycles.getCycle(request.params.cycleId);
      return { items: (await proposals.listProposals(request.params.cycleId)).map(presentProposal) };
    },
  });

  app.get('/v1/proposals/:proposalId', {
    schema: {
      tags: ['budgeting'],
      summary: 'Read a proposal with its progress reports',
      params: ProposalParams,
      response: { 200: ProposalSchema.extend({ reports: z.array(z.object({ status: z.string(), report: z.string(), at: z.string() })) }) },
    },
    handler: async (request) => ({
      ...presentProposal(await proposals.getProposal(request.params.proposalId)),
      reports: await proposals.listReports(request.params.proposalId),
    }),
  });

  app.patch('/v1/proposals/:proposalId', {
    schema: {
      tags: ['budgeting'],
      summary: 'Edit your own proposal while the cycle takes proposals (author): title, description, cost, category; recorded with old and new values',
      problems: { 403: '`not-author`: only its author edits a proposal', 409: '`phase-closed`: the cycle is past `proposals`; `proposal-status`: the proposal was withdrawn' },
      params: ProposalParams,
      body: EditProposalSchema,
      response: { 200: ProposalSchema },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => proposals.editProposal(ctx, request.params.proposalId, request.body), presentProposal),
  });

  const SupportSchema = z
    .object({ proposalId: z.uuid(), supported: z.boolean().describe("whether the caller supports it now"), supports: z.number().int().describe('how many members support it') })
    .meta({ id: 'Support' });
  const supportProblems = { 409: '`phase-closed`: the cycle is not in `supports`; `proposal-status`: only accepted proposals are supported' };

  app.get('/v1/proposals/:proposalId/support', {
    schema: { tags: ['budgeting'], summary: 'Whether you support a proposal, and how many members do (member of its community)', params: ProposalParams, response: { 200: SupportSchema } },
    handler: (request) => proposals.supportOf(request.principal, request.params.proposalId),
  });

  app.put('/v1/proposals/:proposalId/support', {
    schema: { tags: ['budgeting'], summary: 'Support an accepted proposal during the supports phase (member); once per member, again is a no-op', problems: supportProblems, params: ProposalParams, response: { 200: SupportSchema } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => proposals.setSupport(ctx, request.params.proposalId, true), (r) => r),
  });

  app.delete('/v1/proposals/:proposalId/support', {
    schema: { tags: ['budgeting'], summary: 'Withdraw your support of a proposal during the supports phase (member)', problems: { 409: supportProblems[409] }, params: ProposalParams, response: { 200: SupportSchema } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => proposals.setSupport(ctx, request.params.proposalId, false), (r) => r),
  });

  app.post('/v1/proposals/:proposalId/review', {
    schema: { tags: ['budgeting'], summary: 'Accept or reject a proposal (steward, during review)', params: ProposalParams, body: ReviewSchema, response: { 200: ProposalSchema } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => proposals.reviewProposal(ctx, request.params.proposalId, request.body), presentProposal),
  });

  app.post('/v1/proposals/:proposalId/withdraw', {
    schema: { tags: ['budgeting'], summary: 'Withdraw your own proposal before voting (author)', params: ProposalParams, response: { 200: ProposalSchema } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => proposals.withdrawProposal(ctx, request.params.proposalId), presentProposal),
  });

  app.post('/v1/proposals/:proposalId/cancel', {
    schema: {
      tags: ['budgeting'],
      summary: 'Call off a selected proposal (steward, once the cycle closed): its unspent money returns to the community',
      params: ProposalParams,
      body: CancelProposalSchema,
      response: { 200: ProposalSchema },
      problems: { 409: '`proposal-status`: not a selected proposal still open (funded or in progress); `phase-closed`: the cycle is not closed or in implementation' },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => proposals.cancelProposal(ctx, request.params.proposalId, request.body), presentProposal),
  });

  app.post('/v1/proposals/:proposalId/progress', {
    schema: { tags: ['budgeting'], summary: 'Report progress of a selected proposal (steward, during implementation)', params: ProposalParams, body: ProgressSchema, response: { 200: ProposalSchema } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => proposals.reportProgress(ctx, request.params.proposalId, request.body), presentProposal),
  });
};
