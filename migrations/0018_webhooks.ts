/**
 * Standard Webhooks (issue 14 item 4): subscriptions, the outbox of messages written in the same
 * transaction as the ledger entries they announce, and one delivery row per message × subscriber
 * that the delivery job works through. A subscription's signing secret is kept only sealed
 * (src/services/secret-box.ts). Runtime privileges come from `ledger_grant_runtime` (migration
 * 0008), which covers every table; none of these is append-only. PostgreSQL 15 features only.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table webhooks (
      id             uuid primary key,
      community_id   uuid references communities (id),
      url            text not null,
      events         jsonb not null,
      secret_sealed  text not null,
      created_by     text not null,
      created_at     timestamptz not null
    )`.execute(db);
  await sql`create index webhooks_community on webhooks (community_id)`.execute(db);

  await sql`
    create table webhook_messages (
      id            text primary key,
      event_type    text not null,
      community_id  uuid,
      body          text not null,
      created_at    timestamptz not null
    )`.execute(db);

  await sql`
    create table webhook_deliveries (
      message_id       text not null references webhook_messages (id),
      webhook_id       uuid not null references webhooks (id) on delete cascade,
      status           text not null check (status in ('pending', 'delivered', 'failed')),
      attempts         integer not null default 0,
      next_attempt_at  timestamptz,
      last_attempt_at  timestamptz,
      last_status      integer,
      last_error       text,
      created_at       timestamptz not null,
      primary key (message_id, webhook_id)
    )`.execute(db);
  await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending'`.execute(db);
  await sql`create index webhook_deliveries_webhook on webhook_deliveries (webhook_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['webhook_deliveries', 'webhook_messages', 'webhooks']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
