/**
 * Foundation: the append-only ledger, its stream heads, communities, members, funders,
 * bearer tokens (hashes only) and idempotency records. PostgreSQL 15 features only.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ledger_streams (
      stream      text primary key,
      size        bigint not null default 0 check (size >= 0),
      head_hash   text not null,
      created_at  timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table ledger_entries (
      stream     text not null references ledger_streams (stream),
      seq        bigint not null check (seq >= 1),
      type       text not null,
      at         text not null,
      actor      text not null,
      payload    jsonb not null,
      prev_hash  text not null,
      hash       text not null,
      body       text not null,
      primary key (stream, seq)
    )`.execute(db);
  await sql`create unique index ledger_entries_hash on ledger_entries (hash)`.execute(db);

  // Append-only, enforced by the database for every client including the application's own role.
  // ENABLE ALWAYS keeps the triggers firing under session_replication_role = replica; an owner can
  // still disable them, which is why verify, checkpoints and anchors exist.
  await sql`
    create function ledger_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger is append-only: % on % refused', tg_op, tg_table_name
        using errcode = 'P0001', hint = 'corrections are new entries, never edits';
    end
    $$`.execute(db);
  await sql`create trigger ledger_entries_append_only before update or delete on ledger_entries
            for each row execute function ledger_refuse_change()`.execute(db);
  await sql`create trigger ledger_entries_no_truncate before truncate on ledger_entries
            for each statement execute function ledger_refuse_change()`.execute(db);
  await sql`alter table ledger_entries enable always trigger ledger_entries_append_only`.execute(db);
  await sql`alter table ledger_entries enable always trigger ledger_entries_no_truncate`.execute(db);

  await sql`
    create table communities (
      id           uuid primary key,
      slug         text not null unique,
      name         text not null,
      learners     integer not null check (learners >= 0),
      needs_index  numeric not null check (needs_index >= 0),
      governance   jsonb not null,
      created_at   timestamptz not null
    )`.execute(db);

  await sql`
    create table members (
      id            uuid primary key,
      community_id  uuid not null references communities (id),
      name          text not null,
      roles         text[] not null,
      address       text,
      created_at    timestamptz not null
    )`.execute(db);
  await sql`create index members_community on members (community_id, created_at, id)`.execute(db);

  await sql`
    create table funders (
      id          uuid primary key,
      name        text not null,
      created_at  timestamptz not null
    )`.execute(db);

  await sql`
    create table auditors (
      id          uuid primary key,
      name        text not null,
      created_at  timestamptz not null
    )`.execute(db);

  // Bearer tokens are stored only as SHA-256 hashes.
  await sql`
    create table tokens (
      token_hash      text primary key,
      principal_kind  text not null check (principal_kind in ('member', 'funder', 'auditor')),
      principal_id    uuid not null,
      created_at      timestamptz not null
    )`.execute(db);

  await sql`
    create table idempotency_keys (
      scope          text not null,
      key            text not null,
      method         text not null,
      path           text not null,
      request_hash   text not null,
      request_body   jsonb,
      status_code    integer not null,
      response_body  text not null,
      created_at     timestamptz not null default now(),
      primary key (scope, key)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['idempotency_keys', 'tokens', 'auditors', 'funders', 'members', 'communities', 'ledger_entries', 'ledger_streams']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`drop function if exists ledger_refuse_change()`.execute(db);
}
