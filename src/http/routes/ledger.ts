/** Ledger reads (SPEC §5): stream heads, verification, JSON Lines export. */
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteDeps } from '../app.js';

const StreamQuerySchema = z.object({
  stream: z
    .string()
    .regex(/^(network|community:[0-9a-f-]{36})$/, '"network" or "community:<id>"')
    .optional(),
});

const VerifyResponseSchema = z
  .object({
    ok: z.boolean(),
    streams: z.number().int(),
    entries: z.number().int(),
    checkpoint: z.number().int().nullable().describe('the latest signed checkpoint, whose signature and stream heads were compared too'),
    problems: z.array(z.object({ stream: z.string(), seq: z.number().int().nullable(), reason: z.string(), detail: z.string() })),
    truncated: z.boolean(),
  })
  .meta({ id: 'VerifyReport' });

export const ledgerRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  app.get('/v1/ledger/streams', {
    schema: {
      tags: ['ledger'],
      summary: 'Every stream with its size and head hash',
      operationId: 'listStreamHeads',
      response: { 200: z.object({ streams: z.array(z.object({ stream: z.string(), size: z.number().int(), head: z.string() })) }) },
    },
    handler: async () => ({ streams: (await services.ledger.streamHeads()).map((h) => ({ stream: h.stream, size: h.size, head: h.headHash })) }),
  });

  app.get('/v1/ledger/verify', {
    schema: {
      tags: ['ledger'],
      summary: 'Recompute every hash and link, and compare each stream with its Merkle index and the latest signed checkpoint (all streams, or ?stream=)',
      operationId: 'verifyLedger',
      querystring: StreamQuerySchema,
      response: { 200: VerifyResponseSchema },
    },
    handler: async (request) => services.ledger.verify(request.query.stream),
  });

  app.get('/v1/ledger/export', {
    schema: {
      tags: ['ledger'],
      summary: 'Export as JSON Lines, one entry per line, in seq order per stream',
      operationId: 'exportLedger',
      querystring: StreamQuerySchema,
      produces: ['application/x-ndjson'],
    },
    handler: async (request, reply) => {
      if (request.query.stream !== undefined) await services.ledger.assertStreamExists(request.query.stream);
      const fileName = `agora-ledger-${(request.query.stream ?? 'all').replace(':', '-')}.jsonl`;
      void reply.type('application/x-ndjson; charset=utf-8').header('content-disposition', `attachment; filename="${fileName}"`);
      return reply.send(Readable.from(services.ledger.exportLines(request.query.stream)));
    },
  });
};
