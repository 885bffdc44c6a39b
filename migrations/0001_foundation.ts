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

  // One append in one round trip: lock the stream head, build the canonical body around the previous
  // hash and the next seq, hash it, insert, move the head. The caller supplies the canonical JSON
  // before and after `prev`/`seq` (RFC 8785 orders the keys actor, at, payload, prev, seq, stream,
  // type), so the body is byte-for-byte what the application's own sealing produces.
  await sql`
    create function ledger_append(p_stream text, p_type text, p_at text, p_actor text, p_payload text, p_head text, p_tail text)
    returns table (seq bigint, prev_hash text, hash text, body text)
    language plpgsql as $$
    declare
      v_size bigint;
      v_prev text;
      v_body text;
      v_hash text;
    begin
      select s.size, s.head_hash into v_size, v_prev from ledger_streams s where s.stream = p_stream for update;
      if not found then
        insert into ledger_streams (stream, size, head_hash) values (p_stream, 0, repeat('0', 64)) on conflict do nothing;
        select s.size, s.head_hash into v_size, v_prev from ledger_streams s where s.stream = p_stream for update;
      end if;
      v_size := v_size + 1;
      v_body := p_head || v_prev || '","seq":' || v_size::text || p_tail;
      v_hash := encode(sha256(convert_to(v_body, 'UTF8')), 'hex');
      insert into ledger_entries (stream, seq, type, at, actor, payload, prev_hash, hash, body)
        values (p_stream, v_size, p_type, p_at, p_actor, p_payload::jsonb, v_prev, v_hash, v_body);
      update ledger_streams s set size = v_size, head_hash = v_hash where s.stream = p_stream;
      return query select v_size, v_prev, v_hash, v_body;
    end
    $$`.execute(db);

  // Verification parses stored bodies; one an owner broke must become a finding, not an error.
  await sql`
    create function ledger_try_jsonb(p_text text) returns jsonb language plpgsql immutable as $$
    begin
      return p_text::jsonb;
    exception when others then
      return null;
    end
    $$`.execute(db);

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
  await sql`drop function if exists ledger_try_jsonb(text)`.execute(db);
  await sql`drop function if exists ledger_append(text, text, text, text, text, text, text)`.execute(db);
}
