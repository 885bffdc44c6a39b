/** Budget cycles: creation, reading, phase moves, the outcome and its recount (SPEC §2, §3). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { runCommand } from '../idempotency.js';
import { ListQuerySchema, pageOf } from '../schemas.js';
import type { RouteDeps } from '../app.js';
import { CsvFormatQuery, sendCsv, wantsCsv } from '../csv-response.js';
import { outcomeCsv } from '../../governance/outcome-csv.js';
import { CreateCycleSchema, PhaseSchema } from '../../governance/cycle.js';

const PhaseMoveSchema = z
  .object({
    phase: PhaseSchema,
    reason: z.string().trim().min(1).max(2000).optional().describe('with `cancelled` only: why the cycle is called off (kept in the ledger)'),
  })
  .strict()
  .refine((body) => body.reason === undefined || body.phase === 'cancelled', { message: 'a reason is given only when cancelling', path: ['reason'] });
import { CommunityParams, CycleParams, CycleSchema, OutcomeSchema, RecordedOutcomeSchema, presentCycle, presentOutcome } from './budgeting.schemas.js';

export const cycleRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const cycles = services.cycles;

  app.post('/v1/communities/:communityId/cycles', {
    schema: {
      tags: ['budgeting'],
      summary: 'Open a budget cycle (steward); reserves its budget',
      problems: {
        409: '`overdraw`: the community cannot cover the budget; `idempotency-in-progress`',
        422: '`invalid-schedule`: a time in the past, out of order, or supportsAt without a shortlist; `invalid-ballot-rules` (e.g. minSpendPercent on a non-knapsack ballot); `rule-not-supported-for-ballot`; `idempotency-key-reused`',
      },
      params: CommunityParams,
      body: CreateCycleSchema,
      response: { 201: CycleSchema },
    },
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
      summary: 'Move the cycle to its next phase (steward); `voting` freezes it, `closed` runs the tally, `cancelled` (before the tally) returns the reserved budget',
      params: CycleParams,
      body: PhaseMoveSchema,
      response: { 200: CycleSchema },
      problems: {
        409: '`phase-not-next`: not the next phase (or cancelling after the tally); `empty-ballot`: voting cannot open without an accepted proposal; `idempotency-in-progress`; `close-blocked`: the tally cannot allocate (the reserved budget is not all in `cycle:<id>`), nothing written; `proposals-not-finished`: `completed` waits for each selected proposal to be completed or cancelled (`proposals` names them)',
      },
    },
    handler: (request, reply) =>
      runCommand(services.idempotency, request, reply, 200, (ctx) => cycles.movePhase(ctx, request.params.cycleId, request.body.phase, { reason: request.body.reason }), presentCycle),
  });

  app.get('/v1/cycles/:cycleId/outcome', {
    schema: {
      tags: ['budgeting'],
      summary: 'The outcome of a closed cycle, with an explanation per proposal (JSON or CSV)',
      security: [],
      problems: { 409: '`no-outcome`: the cycle has not closed yet (while voting, `ballotsCast` and `voters` say how many so far)' },
      params: CycleParams,
      querystring: CsvFormatQuery,
      response: {
        200: {
          description: 'The outcome as JSON, or as CSV with `?format=csv` (or `Accept: text/csv`)',
          content: {
            'application/json': { schema: OutcomeSchema },
            'text/csv': { schema: z.string().describe('a `proposal` record per proposal (`cost` in integer minor units, `costReadable` as `EUR 1,500.00`), then `budget`, `spent` and one `note` record per note; text neutralized against formula injection') },
          },
        },
      },
    },
    handler: async (request, reply) => {
      const { cycleId, currency, outcome, titles } = await cycles.outcome(request.params.cycleId);
      if (wantsCsv(request.query.format, request.headers.accept)) return sendCsv(reply, `outcome-${cycleId}.csv`, outcomeCsv(outcome, currency, titles));
      return presentOutcome({ id: cycleId, currency }, outcome, titles);
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
