/**
 * The lifecycle of tokens and identities (issue 9 item 7) and proven signing addresses (issue 11
 * item 5): rotate your token, deactivate a member, funder or network auditor, prove an address.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { RegisterAddressSchema } from '../../governance/community.js';
import { runCommand } from '../idempotency.js';
import { UuidSchema } from '../schemas.js';
import type { RouteDeps } from '../app.js';
import { MemberSchema, presentMember } from './communities.js';

const Deactivated = z.null().describe('Deactivated (also when it already was): the token answers 401, sessions ended');

export const identityRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const identity = services.identity;

  app.post('/v1/me/token', {
    schema: {
      tags: ['communities'],
      summary: 'Rotate your token (member, funder, network auditor): the new one is shown once, the old one answers 401 at once, your sessions end',
      operationId: 'rotateToken',
      response: {
        200: z.object({
          token: z.string().optional().describe('the new bearer token, shown only in this answer'),
          tokenIssued: z.literal(true).optional().describe('present in a replayed answer (Idempotency-Key): the token was issued and is not shown again'),
        }),
      },
    },
    handler: (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return runCommand(services.idempotency, request, reply, 200, (ctx) => identity.rotateToken(ctx), (r) => r);
    },
  });

  app.delete('/v1/members/:memberId', {
    schema: {
      tags: ['communities'],
      summary: "Deactivate a member (this community's steward for members, the admin for anyone): token 401, out of future censuses, past ballots kept",
      operationId: 'deactivateMember',
      params: z.object({ memberId: UuidSchema }),
      response: { 204: Deactivated },
    },
    handler: async (request, reply) => {
      await identity.deactivateMember({ principal: request.principal }, request.params.memberId);
      return reply.code(204).send(null);
    },
  });

  app.delete('/v1/funders/:funderId', {
    schema: {
      tags: ['funding'],
      summary: 'Deactivate a funder (admin): token 401, sessions ended; its money stays where it is',
      operationId: 'deactivateFunder',
      params: z.object({ funderId: UuidSchema }),
      response: { 204: Deactivated },
    },
    handler: async (request, reply) => {
      await identity.deactivateFunder({ principal: request.principal }, request.params.funderId);
      return reply.code(204).send(null);
    },
  });

  app.delete('/v1/auditors/:auditorId', {
    schema: {
      tags: ['ledger'],
      summary: 'Deactivate a network auditor (admin): token 401, sessions ended',
      operationId: 'deactivateAuditor',
      params: z.object({ auditorId: UuidSchema }),
      response: { 204: Deactivated },
    },
    handler: async (request, reply) => {
      await identity.deactivateAuditor({ principal: request.principal }, request.params.auditorId);
      return reply.code(204).send(null);
    },
  });

  app.get('/v1/me/address/challenge', {
    schema: {
      tags: ['communities'],
      summary: 'A one-time message to sign (EIP-191, personal_sign) with the address you register (member); a new one replaces the last',
      operationId: 'readAddressChallenge',
      response: { 200: z.object({ message: z.string(), expiresAt: z.string() }) },
    },
    handler: async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return identity.addressChallenge({ principal: request.principal });
    },
  });

  app.put('/v1/me/address', {
    schema: {
      tags: ['communities'],
      summary: 'Register the Ethereum address that signs your ballots, with its signature of your challenge (member)',
      body: RegisterAddressSchema,
      response: { 200: MemberSchema },
    },
    handler: (request, reply) =>
      runCommand(services.idempotency, request, reply, 200, (ctx) => identity.proveAddress(ctx, request.body.address, request.body.signature), (m) => presentMember(m, request.principal)),
  });
};
