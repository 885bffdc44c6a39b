/**
 * Budgeting projections: cycles, proposals, the per-cycle census with voter pseudonyms (readable by
 * auditors only through the API), ballots as cast (every one; the last per voter counts) and
 * progress reports. The ledger is the record; these tables answer reads quickly.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table cycles (
      id                uuid primary key,
      community_id      uuid not null references communities (id),
      title             text not null,
      budget_minor      bigint not null check (budget_minor >= 0),
      currency          text not null,
      ballot            jsonb not null,
      rule              text not null check (rule in ('greedy', 'equal-shares')),
      completion        text check (completion in ('add1', 'add1-until-exhaustive', 'none')),
      phase             text not null check (phase in ('proposals', 'review', 'voting', 'closed', 'implementation', 'completed')),
      origin            text not null check (origin in ('native', 'pabulib')),
      proposal_counter  integer not null default 0,
      frozen            jsonb,
      outcome           jsonb,
      created_at        timestamptz not null
    )`.execute(db);
  await sql`create index cycles_community on cycles (community_id, created_at, id)`.execute(db);

  await sql`
    create table proposals (
      id            uuid primary key,
      cycle_id      uuid not null references cycles (id),
      community_id  uuid not null references communities (id),
      key           text not null,
      title         text not null,
      description   text,
      cost_minor    bigint not null check (cost_minor >= 0),
      category      text,
      author_id     uuid references members (id),
      status        text not null,
      reason        text,
      created_at    timestamptz not null,
      unique (cycle_id, key)
    )`.execute(db);

  await sql`
    create table cycle_voters (
      cycle_id   uuid not null references cycles (id),
      pseudonym  text not null,
      member_id  uuid references members (id),
      primary key (cycle_id, pseudonym),
      unique (cycle_id, member_id)
    )`.execute(db);

  await sql`
    create table ballots (
      hash       text primary key,
      cycle_id   uuid not null references cycles (id),
      pseudonym  text not null,
      stream     text not null,
      seq        bigint not null,
      ballot     jsonb not null,
      cast_at    text not null
    )`.execute(db);
  await sql`create index ballots_voter on ballots (cycle_id, pseudonym, seq)`.execute(db);

  await sql`
    create table proposal_reports (
      proposal_id  uuid not null references proposals (id),
      seq          bigint not null,
      status       text not null,
      report       text not null,
      at           text not null,
      primary key (proposal_id, seq)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['proposal_reports', 'ballots', 'cycle_voters', 'proposals', 'cycles']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
