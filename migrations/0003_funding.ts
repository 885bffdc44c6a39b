/**
 * Funding projections (SPEC §4): account balances (derived from transfers, updated in the same
 * transaction as the transfer and its ledger entry), transfers and distributions. The database
 * also refuses a negative balance on any account but `external:*`, behind the service's own check.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table accounts (
      account        text primary key,
      currency       text,
      balance_minor  bigint not null default 0,
      community_id   uuid references communities (id),
      created_at     timestamptz not null default now(),
      constraint accounts_no_overdraw check (balance_minor >= 0 or account like 'external:%')
    )`.execute(db);
  await sql`create index accounts_community on accounts (community_id)`.execute(db);

  await sql`
    create table transfers (
      transfer_id      text primary key,
      from_account     text not null references accounts (account),
      to_account       text not null references accounts (account),
      amount_minor     bigint not null check (amount_minor > 0),
      currency         text not null,
      memo             text,
      kind             text not null,
      receipt_ref      text,
      spent_on         text,
      distribution_id  text,
      stream           text not null,
      seq              bigint not null,
      hash             text not null,
      at               text not null,
      ordinal          bigserial not null unique
    )`.execute(db);
  await sql`create index transfers_from on transfers (from_account, ordinal)`.execute(db);
  await sql`create index transfers_to on transfers (to_account, ordinal)`.execute(db);

  await sql`
    create table distributions (
      distribution_id  text primary key,
      formula          text not null,
      amount_minor     bigint not null,
      base_minor       bigint,
      currency         text not null,
      request          jsonb not null,
      parts            jsonb not null,
      stream           text not null,
      seq              bigint not null,
      hash             text not null,
      at               text not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['distributions', 'transfers', 'accounts']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
