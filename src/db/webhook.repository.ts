/**
 * Webhook subscriptions, the outbox of messages and their deliveries. Queries only; no decisions.
 * Inserts of messages and deliveries ignore a repeat (the same message written twice by a retried
 * listener stays one message, one delivery per subscriber).
 */
import type { Queryable } from './database.js';
import type { WebhookDeliveryStatus } from './tables.js';
import { decodeCursor, toPage, type Page } from './pagination.js';

export interface WebhookRow {
  id: string;
  communityId: string | null;
  url: string;
  events: string[];
  secretSealed: string;
  createdBy: string;
  createdAt: Date;
}

export interface DeliveryRow {
  messageId: string;
  webhookId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
}

/** A due delivery with what sending it needs. */
export interface DueDelivery {
  messageId: string;
  webhookId: string;
  attempts: number;
  url: string;
  secretSealed: string;
  body: string;
}

export interface OutboxMessage {
  id: string;
  eventType: string;
  communityId: string | null;
  body: string;
}

export async function insertWebhook(db: Queryable, row: WebhookRow): Promise<void> {
  await db
    .insertInto('webhooks')
    .values({
      id: row.id,
      community_id: row.communityId,
      url: row.url,
      events: JSON.stringify(row.events),
      secret_sealed: row.secretSealed,
      created_by: row.createdBy,
      created_at: row.createdAt,
    })
    .execute();
}

function toWebhook(row: { id: string; community_id: string | null; url: string; events: string[]; secret_sealed: string; created_by: string; created_at: Date }): WebhookRow {
  return { id: row.id, communityId: row.community_id, url: row.url, events: row.events, secretSealed: row.secret_sealed, createdBy: row.created_by, createdAt: row.created_at };
}

export async function findWebhook(db: Queryable, id: string): Promise<WebhookRow | undefined> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toWebhook(row);
}

/** Subscriptions of one community (or, with `{ all: true }`, every one), ordered by id. */
export async function listWebhooks(db: Queryable, community: { communityId: string } | { all: true }, limit: number, cursor: string | undefined): Promise<Page<WebhookRow>> {
  const after = decodeCursor(cursor, ['uuid']);
  let query = db.selectFrom('webhooks').selectAll().orderBy('id').limit(limit + 1);
  if ('communityId' in community) query = query.where('community_id', '=', community.communityId);
  if (after !== undefined) query = query.where('id', '>', String(after[0]));
  const rows = await query.execute();
  const page = toPage(rows, limit, (row) => [row.id]);
  return { items: page.items.map(toWebhook), nextCursor: page.nextCursor };
}

/** Subscriptions that may receive messages of these communities (network-wide ones always). */
export async function webhooksFor(db: Queryable, communityIds: readonly string[]): Promise<{ id: string; communityId: string | null; events: string[] }[]> {
  let query = db.selectFrom('webhooks').select(['id', 'community_id', 'events']);
  query = communityIds.length === 0 ? query.where('community_id', 'is', null) : query.where((eb) => eb.or([eb('community_id', 'is', null), eb('community_id', 'in', [...communityIds])]));
  const rows = await query.execute();
  return rows.map((r) => ({ id: r.id, communityId: r.community_id, events: r.events }));
}

export async function deleteWebhook(db: Queryable, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** One message and a pending delivery of it to each subscriber, due at `at`. */
export async function enqueueMessage(db: Queryable, message: OutboxMessage, webhookIds: readonly string[], at: Date): Promise<void> {
  await db
    .insertInto('webhook_messages')
    .values({ id: message.id, event_type: message.eventType, community_id: message.communityId, body: message.body, created_at: at })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  await db
    .insertInto('webhook_deliveries')
    .values(webhookIds.map((webhookId) => ({ message_id: message.id, webhook_id: webhookId, status: 'pending' as const, next_attempt_at: at, created_at: at })))
    .onConflict((oc) => oc.columns(['message_id', 'webhook_id']).doNothing())
    .execute();
}

/** Pending deliveries due by `now`, soonest first; each one independent of the others. */
export async function dueDeliveries(db: Queryable, now: Date, limit: number): Promise<DueDelivery[]> {
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select(['d.message_id', 'd.webhook_id', 'd.attempts', 'w.url', 'w.secret_sealed', 'm.body'])
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', now)
    .orderBy('d.next_attempt_at')
    .orderBy('d.message_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ messageId: r.message_id, webhookId: r.webhook_id, attempts: r.attempts, url: r.url, secretSealed: r.secret_sealed, body: r.body }));
}

export async function recordAttempt(
  db: Queryable,
  key: { messageId: string; webhookId: string },
  outcome: { status: WebhookDeliveryStatus; attempts: number; at: Date; nextAttemptAt: Date | null; httpStatus: number | null; error: string | null },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: outcome.status, attempts: outcome.attempts, last_attempt_at: outcome.at, next_attempt_at: outcome.nextAttemptAt, last_status: outcome.httpStatus, last_error: outcome.error })
    .where('message_id', '=', key.messageId)
    .where('webhook_id', '=', key.webhookId)
    .execute();
}

/** A subscription's delivery log, newest first. */
export async function listDeliveries(db: Queryable, webhookId: string, limit: number, cursor: string | undefined): Promise<Page<DeliveryRow>> {
  const after = decodeCursor(cursor, ['timestamp', 'text']);
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
    .select(['d.message_id', 'd.webhook_id', 'm.event_type', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.last_attempt_at', 'd.last_status', 'd.last_error', 'd.created_at'])
    .where('d.webhook_id', '=', webhookId)
    .orderBy('d.created_at', 'desc')
    .orderBy('d.message_id', 'desc')
    .limit(limit + 1);
  if (after !== undefined) {
    const at = new Date(String(after[0]));
    const id = String(after[1]);
    query = query.where((eb) => eb.or([eb('d.created_at', '<', at), eb.and([eb('d.created_at', '=', at), eb('d.message_id', '<', id)])]));
  }
  const rows = await query.execute();
  const page = toPage(rows, limit, (row) => [row.created_at.toISOString(), row.message_id]);
  return {
    items: page.items.map((r) => ({
      messageId: r.message_id,
      webhookId: r.webhook_id,
      eventType: r.event_type,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      lastAttemptAt: r.last_attempt_at,
      lastStatus: r.last_status,
      lastError: r.last_error,
      createdAt: r.created_at,
    })),
    nextCursor: page.nextCursor,
  };
}

/** Every message in the outbox (tests and operators: what was announced). */
export async function listMessages(db: Queryable): Promise<OutboxMessage[]> {
  const rows = await db.selectFrom('webhook_messages').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, eventType: r.event_type, communityId: r.community_id, body: r.body }));
}
