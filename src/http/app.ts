/**
 * The app factory: fastify with zod schemas as the single source of validation, serialization and
 * the OpenAPI document; problem+json errors; bearer auth driven by the access matrix; idempotent
 * POSTs. It takes its dependencies and opens nothing itself, so tests build it around any database.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { sha256Hex } from '../ledger/hash.js';
import type { Services } from '../services/index.js';
import { registerAuth } from './auth.js';
import { registerErrorHandling } from './errors.js';
import { registerIdempotency } from './idempotency.js';
import { communityRoutes } from './routes/communities.js';
import { ledgerRoutes } from './routes/ledger.js';
import { budgetingRoutes } from './routes/budgeting.js';
import { fundingRoutes } from './routes/funding.js';
import { verifiabilityRoutes } from './routes/verifiability.js';
import { pabulibRoutes } from './routes/pabulib.js';

export interface AppOptions {
  db: Db;
  services: Services;
  adminToken: string;
  logger?: FastifyServerOptions['logger'];
  /** Default request body limit in bytes (routes may raise their own). */
  bodyLimit?: number;
  /** Requests per minute per token (per IP without one); unset or 0: no limit. */
  rateLimitPerMinute?: number;
}

export interface RouteDeps {
  db: Db;
  services: Services;
}

export const API_VERSION = '1.0.0';
const DEFAULT_BODY_LIMIT = 256 * 1024;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  if ((options.rateLimitPerMinute ?? 0) > 0) {
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute,
      timeWindow: 60_000,
      // Per token when there is one (a shared school IP must not lock out its members), else per IP.
      keyGenerator: (request) => {
        const auth = request.headers.authorization;
        return typeof auth === 'string' && auth.startsWith('Bearer ') ? `token:${sha256Hex(auth.slice(7))}` : `ip:${request.ip}`;
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
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerAuth(app, { db: options.db, adminToken: options.adminToken });
  registerIdempotency(app, options.db);

  app.get('/healthz', {
    schema: { tags: ['operations'], summary: 'Liveness', security: [], response: { 200: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });
  app.get('/openapi.json', { schema: { hide: true }, handler: async () => app.swagger() });

  const deps: RouteDeps = { db: options.db, services: options.services };
  await app.register(communityRoutes, deps);
  await app.register(ledgerRoutes, deps);
  await app.register(budgetingRoutes, deps);
  await app.register(fundingRoutes, deps);
  await app.register(verifiabilityRoutes, deps);
  await app.register(pabulibRoutes, deps);
  await app.ready();
  return app;
}
