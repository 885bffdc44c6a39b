/**
 * The app factory: fastify with zod schemas as the single source of validation, serialization and
 * the OpenAPI document; problem+json errors; bearer auth driven by the access matrix; idempotent
 * POSTs. It takes its dependencies and opens nothing itself, so tests build it around any database.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import secureJson from 'secure-json-parse';
import { DomainError } from '../domain-error.js';
import { sha256Hex } from '../ledger/hash.js';
import type { Services } from '../services/index.js';
import { registerAuth } from './auth.js';
import { FAILED_AUTH_PER_MINUTE } from './failed-auth-limiter.js';
import { registerErrorHandling, sendProblem } from './errors.js';
import { problem } from './problem.js';
import { registerIdempotency } from './idempotency.js';
import { openapiObjectTransform, openapiRouteTransform, SESSION_COOKIE } from './openapi.js';
import { communityRoutes } from './routes/communities.js';
import { ledgerRoutes } from './routes/ledger.js';
import { cycleRoutes } from './routes/cycles.js';
import { proposalRoutes } from './routes/proposals.js';
import { ballotRoutes } from './routes/ballots.js';
import { fundingRoutes } from './routes/funding.js';
import { verifiabilityRoutes } from './routes/verifiability.js';
import { pabulibRoutes } from './routes/pabulib.js';
import { trusteeRoutes } from './routes/trustees.js';
import { paperBallotRoutes } from './routes/paper-ballots.js';
import { registerSecurityHeaders, registerWebApp } from './web.js';
import { sessionRoutes } from './routes/sessions.js';
import { identityRoutes } from './routes/identity.js';
import { webhookRoutes } from './routes/webhooks.js';
import { sessionCookieValue } from './session-auth.js';

export interface AppOptions {
  services: Services;
  adminToken: string;
  logger?: FastifyServerOptions['logger'];
  /** Default request body limit in bytes (routes may raise their own). */
  bodyLimit?: number;
  /** Requests per minute per token (per IP without one); unset or 0: no limit (failed authentications neither). */
  rateLimitPerMinute?: number;
  /** Failed authentications per IP per minute before 429, while rate limits are on; default 60. */
  failedAuthPerMinute?: number;
  /** The built web app (web/dist) to serve at `/`; unset or without index.html: API only. */
  webRoot?: string;
}

export interface RouteDeps {
  services: Services;
}

export const API_VERSION = '1.0.0';

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new DomainError('invalid-json', 'the body is empty; send a JSON object');
  try {
    return secureJson.parse(text, (key: string, value: unknown) => {
      if (!key.isWellFormed() || (typeof value === 'string' && !value.isWellFormed())) throw new BadText();
      return value;
    }, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    if (err instanceof BadText) throw new DomainError('invalid-json', 'the body holds text that is not valid Unicode (a lone surrogate)');
    throw new DomainError('invalid-json', `the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

class BadText extends Error {}
const DEFAULT_BODY_LIMIT = 256 * 1024;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Errors fastify raises before routing (a malformed URL, a path parameter too long) are
    // problem+json too, and never echo the request back.
    frameworkErrors: (error, _request, reply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      void sendProblem(reply, problem(status === 414 ? 'uri-too-long' : 'invalid-url', status === 414 ? 'a part of the path is too long' : 'the request URL is malformed', {}, status));
    },
  }).withTypeProvider<ZodTypeProvider>();

  // JSON bodies: fastify's prototype-poisoning protection, plus text must be well-formed Unicode (a
  // lone surrogate cannot be stored as UTF-8, so it would otherwise fail deep inside a write).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)), undefined);
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerSecurityHeaders(app);
  if ((options.rateLimitPerMinute ?? 0) > 0) {
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute,
      timeWindow: 60_000,
      // Per token or session when there is one (a shared school IP must not lock out its members), else per IP.
      keyGenerator: (request) => {
        const auth = request.headers.authorization;
        if (typeof auth === 'string' && auth.startsWith('Bearer ')) return `token:${sha256Hex(auth.slice(7))}`;
        const session = auth === undefined || auth === '' ? sessionCookieValue(request) : undefined;
        return session === undefined || session === '' ? `ip:${request.ip}` : `session:${sha256Hex(session)}`;
      },
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`too many requests: at most ${context.max} a minute; try again in ${Math.ceil(context.ttl / 1000)} s`), { statusCode: 429, code: 'FST_RATE_LIMITED' }),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Agora Ledger',
        version: API_VERSION,
        description:
          'Participatory budgeting and funding for networks of learning communities. Every change of state is an entry in an append-only, hash-chained ledger.',
      },
      servers: [{ url: '/', description: 'the service that serves this document' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The token returned once when the admin or a steward created you.' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: 'The session cookie set by `POST /v1/sessions`. Changes (POST, PUT, PATCH, DELETE) also need header `x-csrf-token`; with several memberships, `x-agora-principal` names the acting one.',
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
      tags: [
        { name: 'operations', description: 'Liveness and this document' },
        { name: 'sessions', description: 'Signing in with an invitation code; the session cookie' },
        { name: 'communities', description: 'Communities, members, funders and auditors' },
        { name: 'budgeting', description: 'Budget cycles, proposals, ballots, outcomes, receipts, pabulib' },
        { name: 'funding', description: 'Transfers, distributions, balances, equity' },
        { name: 'ledger', description: 'The hash-chained ledger: stream heads, verification, export' },
        { name: 'verifiability', description: 'Checkpoints, Merkle proofs, receipt proofs, anchors' },
        { name: 'webhooks', description: 'Standard Webhooks subscriptions and their delivery logs' },
      ],
    },
    transform: openapiRouteTransform,
    transformObject: openapiObjectTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const limited = (options.rateLimitPerMinute ?? 0) > 0;
  registerAuth(app, { access: options.services.access, adminToken: options.adminToken, sessions: options.services.sessions, failedAuthPerMinute: limited ? (options.failedAuthPerMinute ?? FAILED_AUTH_PER_MINUTE) : 0 });
  registerIdempotency(app, options.services.idempotency, (text) => options.services.secretBox.mac(text, 'idempotency:secret-body'));

  app.get('/healthz', {
    schema: { tags: ['operations'], summary: 'Liveness', operationId: 'getHealth', security: [], response: { 200: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });
  app.get('/openapi.json', {
    schema: {
      tags: ['operations'],
      summary: 'This document (OpenAPI 3.1)',
      operationId: 'getOpenApiDocument',
      response: { 200: z.record(z.string(), z.unknown()).describe('the OpenAPI 3.1 document') },
    },
    handler: async () => app.swagger() as unknown as Record<string, unknown>,
  });

  const deps: RouteDeps = { services: options.services };
  await app.register(sessionRoutes, deps);
  await app.register(communityRoutes, deps);
  await app.register(identityRoutes, deps);
  await app.register(ledgerRoutes, deps);
  await app.register(cycleRoutes, deps);
  await app.register(proposalRoutes, deps);
  await app.register(ballotRoutes, deps);
  await app.register(fundingRoutes, deps);
  await app.register(verifiabilityRoutes, deps);
  await app.register(pabulibRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(trusteeRoutes, deps);
  await app.register(paperBallotRoutes, deps);
  await registerWebApp(app, options.webRoot);
  await app.ready();
  return app;
}
