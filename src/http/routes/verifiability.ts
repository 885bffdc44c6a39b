/** Checkpoints, Merkle proofs and receipt proofs (SPEC §6): public, except making a checkpoint. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { StoredCheckpoint } from '../../services/checkpoints.js';

import type { RouteDeps } from '../app.js';
import { failureSummary } from '../../anchoring/anchor-state.js';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');
const StreamName = z.string().regex(/^(network|community:[0-9a-f-]{36})$/, '"network" or "community:<id>"');
const Size = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const CheckpointSchema = z
  .object({
    number: z.number().int(),
    origin: z.string(),
    root: z.string(),
    size: z.number().int().describe('number of streams'),
    at: z.string(),
    note: z.string().describe('the C2SP signed note'),
    streams: z.array(z.object({ stream: z.string(), size: z.number().int(), root: z.string() })),
  })
  .meta({ id: 'Checkpoint' });

function present(c: StoredCheckpoint) {
  return { number: c.number, origin: c.origin, root: c.root, size: c.size, at: c.at, note: c.note, streams: c.streams };
}

const AnchorSchema = z
  .object({
    id: z.string(),
    checkpoint: z.number().int(),
    root: z.string(),
    chainId: z.number().int(),
    txHash: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    confirmations: z.number().int(),
    status: z.enum(['pending', 'submitted', 'confirmed', 'final', 'failed']),
    attempts: z.number().int(),
    lastError: z.string().nullable().describe('why the last step failed: an error code (unreachable, timeout, wrong-chain, rejected, bad-response, unexpected, tx-dropped, tx-vanished, tx-mismatch) and a fixed sentence; never the chain node\'s own message'),
    nextAttemptAt: z.string().nullable(),
  })
  .meta({ id: 'Anchor' });

/** An anchor's last error as the public sees it: the code of a failed chain step with a fixed sentence, never an upstream message. */
function publicLastError(lastError: string): string {
  const code = lastError.split(':', 1)[0] ?? '';
  return code.startsWith('tx-') ? lastError : failureSummary(code);
}

export const verifiabilityRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const { checkpoints, merkle, anchoring } = services;

  app.get('/v1/anchors', {
    schema: {
      tags: ['verifiability'],
      summary: 'Anchors of checkpoints on the EVM chain, newest first, with their state',
      security: [],
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.array(AnchorSchema) },
    },
    handler: async (request) =>
      (await anchoring.list(request.query.limit)).map((a) => ({
        id: a.id,
        checkpoint: a.checkpointNumber,
        root: a.root,
        chainId: a.chainId,
        txHash: a.txHash,
        blockNumber: a.blockNumber,
        confirmations: a.confirmations,
        status: a.status,
        attempts: a.attempts,
        lastError: a.lastError === null ? null : publicLastError(a.lastError),
        nextAttemptAt: a.nextAttemptAt === null ? null : new Date(a.nextAttemptAt).toISOString(),
      })),
  });

  app.get('/v1/anchors/:id/verify', {
    schema: {
      tags: ['verifiability'],
      summary: 'Re-read the anchor transaction from the chain and compare it with the checkpoint',
      security: [],
      params: z.object({ id: z.uuid() }),
      problems: { 502: 'The chain answered something unexpected (`wrong-chain`, `rejected`, `bad-response`)', 503: 'The chain is unreachable or did not answer in time (`unreachable`, `timeout`)' },
      response: { 200: z.object({ ok: z.boolean(), reason: z.string().optional(), blockNumber: z.number().int().optional() }) },
    },
    handler: async (request) => anchoring.verify(request.params.id),
  });

  app.post('/v1/checkpoints', {
    schema: {
      tags: ['verifiability'],
      summary: 'Sign a checkpoint over every stream head now (admin): 201 with the new one, or 200 with the latest when no stream moved since',
      response: { 200: CheckpointSchema, 201: CheckpointSchema },
    },
    handler: async (_request, reply) => {
      const { checkpoint, created } = await checkpoints.createIfChanged();
      return reply.code(created ? 201 : 200).send(present(checkpoint));
    },
  });

  app.get('/v1/checkpoints/latest', {
    schema: { tags: ['verifiability'], summary: 'The latest signed checkpoint', security: [], problems: { 404: '`checkpoint-not-found`: no checkpoint has been made yet' }, response: { 200: CheckpointSchema } },
    handler: async () => present(await checkpoints.latest()),
  });

  app.get('/v1/checkpoints/public-key', {
    schema: {
      tags: ['verifiability'],
      summary: 'The key that signs checkpoints (give `verifierKey` to the offline verifier)',
      security: [],
      response: { 200: z.object({ origin: z.string(), keyName: z.string(), keyId: z.string(), publicKey: z.string(), verifierKey: z.string() }) },
    },
    handler: async () => checkpoints.publicKey,
  });

  app.get('/v1/checkpoints/:number', {
    schema: { tags: ['verifiability'], summary: 'A checkpoint by number', security: [], params: z.object({ number: Size }), response: { 200: CheckpointSchema } },
    handler: async (request) => present(await checkpoints.byNumber(request.params.number)),
  });

  app.get('/v1/proofs/inclusion', {
    schema: {
      tags: ['verifiability'],
      summary: "Inclusion of an entry (by hash) in its stream's tree at a size (default: now)",
      security: [],
      querystring: z.object({ entry: Hex64, size: Size.optional() }),
      problems: { 404: '`entry-not-found`: no ledger entry has this hash', 422: '`bad-size`: the stream is not that large yet, or the entry is not within the first `size` entries' },
      response: {
        200: z.object({ stream: z.string(), entryHash: z.string(), leafIndex: z.number().int(), treeSize: z.number().int(), root: z.string(), proof: z.array(z.string()) }),
      },
    },
    handler: async (request) => merkle.inclusion(request.query.entry, request.query.size),
  });

  app.get('/v1/proofs/consistency', {
    schema: {
      tags: ['verifiability'],
      summary: 'Consistency of a stream between two sizes: the later tree extends the earlier one',
      security: [],
      querystring: z.object({ stream: StreamName, from: Size, to: Size }),
      problems: { 404: '`stream-not-found`: no such stream', 422: '`bad-size`: not 1 ≤ from ≤ to ≤ the current size' },
      response: {
        200: z.object({ stream: z.string(), from: z.number().int(), to: z.number().int(), fromRoot: z.string(), toRoot: z.string(), proof: z.array(z.string()) }),
      },
    },
    handler: async (request) => merkle.consistency(request.query.stream, request.query.from, request.query.to),
  });

  app.get('/v1/proofs/stream-head', {
    schema: {
      tags: ['verifiability'],
      summary: "Inclusion of a stream's head in a checkpoint",
      security: [],
      querystring: z.object({ stream: StreamName, checkpoint: Size }),
      problems: { 404: '`checkpoint-not-found` or `stream-not-found`: no such checkpoint, or the stream is not in it' },
      response: {
        200: z.object({
          checkpoint: z.number().int(),
          checkpointRoot: z.string(),
          stream: z.string(),
          size: z.number().int(),
          root: z.string(),
          leafIndex: z.number().int(),
          treeSize: z.number().int(),
          proof: z.array(z.string()),
        }),
      },
    },
    handler: async (request) => checkpoints.streamHead(request.query.checkpoint, request.query.stream),
  });

  app.get('/v1/receipts/:hash/proof', {
    schema: {
      tags: ['verifiability'],
      summary: 'A receipt as a self-contained offline proof (entry → stream → signed checkpoint)',
      security: [],
      params: z.object({ hash: Hex64 }),
      produces: ['text/plain'],
      problems: { 404: '`entry-not-found`: no ledger entry has this hash', 409: '`not-checkpointed`: the entry is newer than the latest checkpoint; ask again after the next one' },
    },
    handler: async (request, reply) => reply.type('text/plain; charset=utf-8').send(await checkpoints.receiptProof(request.params.hash)),
  });
};
