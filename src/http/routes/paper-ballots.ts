/** Paper ballots with four eyes (issue 13.7): a steward enters a batch, another steward confirms it (or one rejects it). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { runCommand } from '../idempotency.js';
import type { RouteDeps } from '../app.js';
import { CycleParams } from './budgeting.schemas.js';
import { PointsInputSchema } from '../../governance/cycle.js';
import type { PaperBatchRecord } from '../../services/paper-ballots.js';

const Id = z.string().min(1).max(64);
const PaperBallot = z.union([
  z.object({ approvals: z.array(Id).max(1000) }).strict(),
  z.object({ points: z.record(Id, PointsInputSchema) }).strict(),
  z.object({ ranking: z.array(Id).max(1000) }).strict(),
]);

const PaperBatchSchema = z
  .object({
    cycleId: z.string(),
    batchId: z.string(),
    status: z.enum(['pending', 'confirmed', 'rejected']),
    ballots: z.number().int().describe('how many paper ballots the batch holds (sealed until the cycle closes)'),
    sheetSha256: z.string(),
    note: z.string().nullable(),
    submittedBy: z.string(),
    decidedBy: z.string().nullable(),
    reason: z.string().nullable(),
    receipt: z.object({ stream: z.string(), seq: z.number().int(), hash: z.string() }),
    createdAt: z.string(),
  })
  .meta({ id: 'PaperBatch' });

function present(b: PaperBatchRecord) {
  return {
    cycleId: b.cycleId,
    batchId: b.batchId,
    status: b.status,
    ballots: b.ballotCount,
    sheetSha256: b.sheetSha256,
    note: b.note,
    submittedBy: b.submittedBy,
    decidedBy: b.decidedBy,
    reason: b.reason,
    receipt: { stream: b.stream, seq: b.seq, hash: b.hash },
    createdAt: b.createdAt,
  };
}

const BatchParams = CycleParams.extend({ batchId: Id });

export const paperBallotRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const paper = services.paperBallots;

  app.post('/v1/cycles/:cycleId/paper-batches', {
    // the ballots are secret like online ones: the idempotency record keeps no copy
    config: { secretBody: true },
    schema: {
      tags: ['budgeting'],
      summary: 'Enter a batch of paper ballots (steward, while voting or tallying); pending until another steward confirms it',
      problems: { 409: '`phase-closed`: not voting or tallying; `paper-batch-exists`: this batchId was entered already' },
      params: CycleParams,
      body: z
        .object({
          batchId: Id.regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, underscore, hyphen'),
          ballots: z.array(PaperBallot).min(1).max(10_000),
          sheetSha256: z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 of the scanned tally sheet: 64 lowercase hex digits'),
          note: z.string().max(2000).optional(),
        })
        .strict(),
      response: { 201: PaperBatchSchema },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 201, (ctx) => paper.submit(ctx, request.params.cycleId, request.body), present),
  });

  app.get('/v1/cycles/:cycleId/paper-batches', {
    schema: { tags: ['budgeting'], summary: "A cycle's paper batches and their status", params: CycleParams, response: { 200: z.object({ items: z.array(PaperBatchSchema) }) } },
    handler: async (request) => ({ items: (await paper.list(request.params.cycleId)).map(present) }),
  });

  app.post('/v1/cycles/:cycleId/paper-batches/:batchId/confirm', {
    schema: {
      tags: ['budgeting'],
      summary: 'Confirm a pending paper batch (a steward other than the one who entered it): its ballots count',
      problems: { 403: '`same-steward`: the steward who entered the batch cannot confirm it', 404: '`paper-batch-not-found`', 409: '`paper-batch-decided`, `phase-closed`' },
      params: BatchParams,
      response: { 200: PaperBatchSchema },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => paper.decide(ctx, request.params.cycleId, request.params.batchId), present),
  });

  app.post('/v1/cycles/:cycleId/paper-batches/:batchId/reject', {
    schema: {
      tags: ['budgeting'],
      summary: 'Reject a pending paper batch with a reason (steward): its ballots never count',
      problems: { 404: '`paper-batch-not-found`', 409: '`paper-batch-decided`, `phase-closed`' },
      params: BatchParams,
      body: z.object({ reason: z.string().trim().min(1).max(2000) }).strict(),
      response: { 200: PaperBatchSchema },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => paper.decide(ctx, request.params.cycleId, request.params.batchId, request.body.reason), present),
  });
};
