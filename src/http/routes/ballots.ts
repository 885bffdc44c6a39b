/** Ballots: casting, signing template, the public count, the auditors' voter mapping, receipts (SPEC §2). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { runCommand } from '../idempotency.js';
import { ListQuerySchema, pageOf } from '../schemas.js';
import type { RouteDeps } from '../app.js';
import { BallotSchema } from '../../governance/ballot.js';
import { CycleParams, ReceiptLinksSchema, ReceiptSchema, receiptLinks } from './budgeting.schemas.js';

export const ballotRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const ballots = services.ballots;

  app.put('/v1/cycles/:cycleId/ballot', {
    // the idempotency record keeps neither the ballot nor a plain hash of it (issue 11.1)
    config: { secretBody: true },
    schema: {
      tags: ['budgeting'],
      summary: 'Cast or replace your ballot (member in the census, during voting); the last one counts',
      params: CycleParams,
      body: BallotSchema,
      response: { 200: z.object({ receipt: ReceiptSchema, links: ReceiptLinksSchema }) },
    },
    handler: (request, reply) =>
      runCommand(services.idempotency, request, reply, 200, (ctx) => ballots.castBallot(ctx, request.params.cycleId, request.body), (receipt) => ({ receipt, links: receiptLinks(receipt.hash) })),
  });

  app.get('/v1/cycles/:cycleId/ballot', {
    schema: {
      tags: ['budgeting'],
      summary: 'Your current ballot: its receipt, and its choices unless trustees hold the election key (`sealed: true`)',
      problems: { 404: '`no-ballot`: you have not cast a ballot in this cycle' },
      params: CycleParams,
      response: {
        200: z.object({
          receipt: ReceiptSchema,
          castAt: z.string(),
          sealed: z.boolean().describe('true: the choices are sealed to a key that trustees hold until the cycle closes'),
          ballot: z.union([z.object({ approvals: z.array(z.string()) }), z.object({ points: z.record(z.string(), z.string()) }), z.object({ ranking: z.array(z.string()) })]).nullable(),
        }),
      },
    },
    handler: async (request) => ballots.ownBallot({ principal: request.principal }, request.params.cycleId),
  });

  app.get('/v1/cycles/:cycleId/signing', {
    schema: {
      tags: ['budgeting'],
      summary: 'The EIP-712 typed data to sign a ballot in this cycle; with your member token every field but nonce and ballot is filled, your voter pseudonym included',
      params: CycleParams,
      response: {
        200: z.object({
          domain: z.object({ name: z.string(), version: z.string(), chainId: z.number().int() }),
          types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
          primaryType: z.string(),
          message: z.object({ community: z.string(), cycle: z.string(), voter: z.string(), nonce: z.string(), ballot: z.string() }),
          required: z.boolean().nullable(),
        }),
      },
    },
    handler: async (request) => {
      const principal = request.principal;
      const template = await ballots.signingTemplate(request.params.cycleId, principal.kind === 'member' ? principal.memberId : undefined);
      return { ...template, types: { Ballot: template.types.Ballot.map((f) => ({ ...f })) } };
    },
  });

  app.get('/v1/cycles/:cycleId/ballots/count', {
    schema: {
      tags: ['budgeting'],
      summary: 'How many ballots have been cast (the only thing visible while voting is open)',
      operationId: 'countBallots',
      params: CycleParams,
      response: { 200: z.object({ ballots: z.number().int(), voters: z.number().int() }) },
    },
    handler: async (request) => ballots.ballotCount(request.params.cycleId),
  });

  app.get('/v1/cycles/:cycleId/voters', {
    schema: {
      tags: ['budgeting'],
      summary: 'The census: voter pseudonyms and the members behind them (auditors only; 409 while voting)',
      problems: { 409: '`voting-open`: the mapping is hidden while the cycle is voting or tallying' },
      params: CycleParams,
      querystring: ListQuerySchema,
      response: { 200: pageOf(z.object({ pseudonym: z.string(), memberId: z.string().nullable() })) },
    },
    handler: async (request) => {
      await services.cycles.getCycle(request.params.cycleId);
      return ballots.voters(request.params.cycleId, request.query.limit, request.query.cursor);
    },
  });

  app.get('/v1/receipts/:hash', {
    schema: {
      tags: ['budgeting'],
      summary: "Is this receipt's ballot the one that counts? (`replacedBy` only for its voter)",
      security: [],
      params: z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits') }),
      response: {
        200: z.object({ receipt: ReceiptSchema, cycleId: z.string(), phase: z.string(), counted: z.boolean(), replacedBy: ReceiptSchema.nullable(), castAt: z.string(), links: ReceiptLinksSchema }),
      },
    },
    handler: async (request) => ({ ...(await ballots.receipt(request.params.hash, request.principal)), links: receiptLinks(request.params.hash) }),
  });
};
