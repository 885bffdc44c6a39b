/** Budget cycles: creation, reading, phase moves, the outcome and its recount (SPEC §2, §3). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { runCommand } from '../idempotency.js';
import { ListQuerySchema, pageOf } from '../schemas.js';
import type { RouteDeps } from '../app.js';
import { CreateCycleSchema, PhaseSchema } from '../../governance/cycle.js';
import { CommunityParams, CycleParams, CycleSchema, OutcomeSchema, RecordedOutcomeSchema, presentCycle, presentOutcome } from './budgeting.schemas.js';

export const cycleRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const cycles = services.cycles;

  app.post('/v1/communities/:communityId/cycles', {
    schema: { tags: ['budgeting'], summary: 'Open a budget cycle (steward); reserves its budget', params: CommunityParams, body: CreateCycleSchema, response: { 201: CycleSchema } },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 201, (ctx) => cycles.createCycle(ctx, request.params.communityId, request.body), presentCycle),
  });

  app.get('/v1/communities/:communityId/cycles', {
    schema: { tags: ['budgeting'], summary: "A community's cycles", params: CommunityParams, querystring: ListQuerySchema, response: { 200: pageOf(CycleSchema) } },
    handler: async (request) => {
      await services.communities.get(request.params.communityId);
      const page = await cycles.listCycles(request.params.communityId, request.query.limit, request.query.cursor);
      return { items: page.items.map(presentCycle), nextCursor: page.nextCursor };
    },
  });

  app.get('/v1/cycles/:cycleId', {
    schema: { tags: ['budgeting'], summary: 'Read a cycle', params: CycleParams, response: { 200: CycleSchema } },
    handler: async (request) => presentCycle(await cycles.getCycle(request.params.cycleId)),
  });

  app.post('/v1/cycles/:cycleId/phase', {
    schema: {
      tags: ['budgeting'],
      summary: 'Move the cycle to its next phase (steward); `voting` freezes it, `closed` runs the tally',
      params: CycleParams,
      body: z.object({ phase: PhaseSchema }).strict(),
      response: { 200: CycleSchema },
      problems: {
        409: '`close-blocked`: the tally cannot allocate (the reserved budget is not all in `cycle:<id>`), nothing written; `proposals-not-finished`: `completed` waits for each selected proposal to be completed or cancelled (`proposals` names them)',
      },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => cycles.movePhase(ctx, request.params.cycleId, request.body.phase), presentCycle),
  });

  app.get('/v1/cycles/:cycleId/outcome', {
    schema: { tags: ['budgeting'], summary: 'The outcome of a closed cycle, with an explanation per proposal', security: [], problems: { 409: '`no-outcome`: the cycle has not closed yet (while voting, `ballotsCast` and `voters` say how many so far)' }, params: CycleParams, response: { 200: OutcomeSchema } },
    handler: async (request) => {
      const { cycle, outcome } = await cycles.outcome(request.params.cycleId);
      const titles = new Map((await services.proposals.listProposals(cycle.id)).map((p) => [p.id, p.title]));
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
      },
    },
    handler: async (request) => {
      return cycles.recount(request.params.cycleId);
    },
  });
};
