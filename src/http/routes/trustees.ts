/** Trustees (issue 11.3): registering a trustee key, and sending a decrypted key share to close a cycle. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { runCommand } from '../idempotency.js';
import type { RouteDeps } from '../app.js';
import { CycleParams } from './budgeting.schemas.js';
import { PhaseSchema } from '../../governance/cycle.js';

export const trusteeRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  app.put('/v1/me/trustee-key', {
    schema: {
      tags: ['budgeting'],
      summary: 'Register your X25519 public key as a trustee (network auditor, community auditor); `npm run trustee -- keygen` makes one',
      problems: { 403: '`not-a-trustee`: only auditors can be trustees' },
      body: z.object({ publicKey: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a raw X25519 public key: 64 hex digits') }).strict(),
      response: { 200: z.object({ trustee: z.string(), publicKey: z.string() }) },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => services.trustees.registerKey(ctx, request.body.publicKey), (r) => r),
  });

  app.post('/v1/cycles/:cycleId/key-shares', {
    schema: {
      tags: ['budgeting'],
      summary: 'Send your decrypted key share (as `npm run trustee -- decrypt-share` prints it); at the threshold the key is revealed and the cycle tallied',
      problems: {
        403: '`not-a-trustee`: you are not a trustee of this cycle',
        409: '`phase-closed`: the cycle is not tallying; `share-already-received`: your share is in; `paper-batch-pending`: a paper batch awaits its second steward',
        422: '`malformed-key-share`, `wrong-key-share`: not the share sealed to you for this cycle',
      },
      params: CycleParams,
      body: z.object({ share: z.string().min(1).max(1000) }).strict(),
      response: { 200: z.object({ cycleId: z.string(), phase: PhaseSchema, received: z.number().int(), threshold: z.number().int() }) },
    },
    handler: (request, reply) =>
      runCommand(services.idempotency, request, reply, 200, (ctx) => services.trustees.submitShare(ctx, request.params.cycleId, request.body.share), (r) => ({
        cycleId: r.cycle.id,
        phase: r.cycle.phase,
        received: r.received,
        threshold: r.threshold,
      })),
  });
};
