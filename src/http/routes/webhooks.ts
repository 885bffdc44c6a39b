/**
 * Standard Webhooks subscriptions (issue 14 item 4): create (the secret is shown only here), list,
 * read, delete, and each subscription's delivery log. Admin: every hook (network-wide, or for one
 * community with `communityId`); steward: their own community's hooks only — another community's
 * hook is 404 to them. POST takes no Idempotency-Key: its answer holds the secret, which must never
 * be stored in an idempotency record.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/events.js';
import type { Webhook } from '../../services/webhooks.js';
import { ListQuerySchema, pageOf, UuidSchema } from '../schemas.js';
import type { RouteDeps } from '../app.js';

const EventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES).meta({ id: 'WebhookEventType', description: 'An event a webhook may subscribe to; ballots are never announced' });

const WebhookSchema = z
  .object({
    id: z.uuid(),
    communityId: z.uuid().nullable().describe('the community whose events it receives; null: every event of the network (admin only)'),
    url: z.string(),
    events: z.array(EventTypeSchema),
    createdAt: z.string(),
  })
  .meta({ id: 'Webhook' });

const DeliverySchema = z
  .object({
    messageId: z.string().describe('the `webhook-id` header of every attempt of this message'),
    eventType: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    lastStatus: z.number().int().nullable().describe("the receiver's HTTP status at the last attempt"),
    lastError: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });

const CreateWebhookSchema = z
  .object({
    url: z.string().min(1).max(2048).describe('http or https; loopback is accepted, private and link-local addresses only with WEBHOOK_ALLOW_PRIVATE=true'),
    events: z.array(EventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length),
    secret: z.string().max(200).optional().describe('`whsec_` + base64 of 24 to 64 random bytes; generated when left out'),
    communityId: z.uuid().optional().describe("admin: only this community's events; a steward's hook is always for its own community"),
  })
  .strict();

const WebhookParams = z.object({ webhookId: UuidSchema });

function present(w: Webhook) {
  return { id: w.id, communityId: w.communityId, url: w.url, events: w.events, createdAt: w.createdAt };
}

export const webhookRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const webhooks = services.webhooks;

  app.post('/v1/webhooks', {
    config: { idempotency: false },
    schema: {
      tags: ['webhooks'],
      summary: 'Subscribe a URL to events (admin; steward for its own community); the signing secret is shown only here',
      description:
        'Deliveries follow the Standard Webhooks specification: headers `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`, ' +
        'body `{type, timestamp, data}`. At-least-once, retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (with jitter), then failed. No Idempotency-Key: the answer carries the secret.',
      operationId: 'createWebhook',
      body: CreateWebhookSchema,
      response: { 201: WebhookSchema.extend({ secret: z.string().describe('`whsec_…`: verify signatures with it; it is not shown again') }) },
      problems: {
        403: "`forbidden`: a steward named another community",
        404: '`community-not-found`: no community with that id',
        422: '`webhook-url-refused`: not http(s), or an address the configuration refuses; `invalid-webhook-secret`',
      },
    },
    handler: async (request, reply) => {
      const created = await webhooks.create({ principal: request.principal }, request.body);
      void reply.code(201).header('cache-control', 'no-store');
      return { ...present(created.webhook), secret: created.secret };
    },
  });

  app.get('/v1/webhooks', {
    schema: { tags: ['webhooks'], summary: 'List webhooks (admin: all; steward: its community’s)', operationId: 'listWebhooks', querystring: ListQuerySchema, response: { 200: pageOf(WebhookSchema) } },
    handler: async (request) => {
      const page = await webhooks.list(request.principal, request.query.limit, request.query.cursor);
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  });

  app.get('/v1/webhooks/:webhookId', {
    schema: { tags: ['webhooks'], summary: 'Read a webhook', operationId: 'readWebhook', params: WebhookParams, response: { 200: WebhookSchema }, problems: { 404: '`webhook-not-found`' } },
    handler: async (request) => present(await webhooks.get(request.principal, request.params.webhookId)),
  });

  app.delete('/v1/webhooks/:webhookId', {
    schema: { tags: ['webhooks'], summary: 'Delete a webhook; its pending deliveries are dropped', operationId: 'deleteWebhook', params: WebhookParams, response: { 204: z.null().describe('Deleted') }, problems: { 404: '`webhook-not-found`' } },
    handler: async (request, reply) => {
      await webhooks.remove(request.principal, request.params.webhookId);
      return reply.code(204).send(null);
    },
  });

  app.get('/v1/webhooks/:webhookId/deliveries', {
    schema: {
      tags: ['webhooks'],
      summary: "A webhook's delivery log, newest first",
      operationId: 'listWebhookDeliveries',
      params: WebhookParams,
      querystring: ListQuerySchema,
      response: { 200: pageOf(DeliverySchema) },
      problems: { 404: '`webhook-not-found`' },
    },
    handler: async (request) => webhooks.deliveries(request.principal, request.params.webhookId, request.query.limit, request.query.cursor),
  });
};
