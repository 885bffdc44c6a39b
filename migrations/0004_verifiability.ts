/**
 * Verifiability: each stream's RFC 9162 tree (its frontier and every perfect node, derived from the
 * entry hashes by the Merkle indexer, append-only like the ledger), signed network checkpoints, and
 * their anchors on an EVM chain.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table merkle_heads (
      stream    text primary key references ledger_streams (stream),
      size      bigint not null default 0,
      frontier  text not null
    )`.execute(db);

  await sql`
    create table merkle_nodes (
      stream  text not null,
      level   smallint not null,
      idx     bigint not null,
      hash    bytea not null,
      primary key (stream, level, idx)
    )`.execute(db);
  await sql`create trigger merkle_nodes_append_only before update or delete on merkle_nodes
            for each row execute function ledger_refuse_change()`.execute(db);
  await sql`alter table merkle_nodes enable always trigger merkle_nodes_append_only`.execute(db);

  await sql`
    create table checkpoints (
      number      bigint primary key,
      origin      text not null,
      root        text not null,
      size        integer not null,
      streams     jsonb not null,
      note        text not null,
      at          text not null
    )`.execute(db);
  await sql`create trigger checkpoints_append_only before update or delete on checkpoints
            for each row execute function ledger_refuse_change()`.execute(db);
  await sql`alter table checkpoints enable always trigger checkpoints_append_only`.execute(db);

  await sql`
    create table anchors (
      id                 uuid primary key,
      checkpoint_number  bigint not null references checkpoints (number),
      root               text not null,
      chain_id           bigint not null,
      status             text not null,
      tx_hash            text,
      block_number       bigint,
      confirmations      integer not null default 0,
      attempts           integer not null default 0,
      next_attempt_at    bigint,
      last_error         text,
      record             jsonb not null,
      created_at         text not null,
      updated_at         text not null
    )`.execute(db);
  await sql`create index anchors_due on anchors (status, next_attempt_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['anchors', 'checkpoints', 'merkle_nodes', 'merkle_heads']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
