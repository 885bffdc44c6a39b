/**
 * Sealed ballots (issue 11, issue 13 item 7): a cycle's election key, ballots kept only sealed
 * while voting is open, trustees' public keys and the key shares they send back, and paper ballot
 * batches awaiting a second steward. Private keys and shares are stored only encrypted under the
 * sealing key from configuration (never in the database). PostgreSQL 15 features only.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // the election key of a cycle: public key in clear; the private key sealed (null while trustees
  // hold it). A cycle with trustees has its row from creation on, its key from voting open on.
  await sql`
    create table cycle_election_keys (
      cycle_id            uuid primary key references cycles (id),
      public_key          text,
      sealed_private_key  text,
      trustees            jsonb,
      revealed_at         timestamptz
    )`.execute(db);

  // every phase of SPEC §7 (this needs `tallying`; the full list, so another migration doing the same agrees)
  await sql`alter table cycles drop constraint if exists cycles_phase_check`.execute(db);
  await sql`
    alter table cycles add constraint cycles_phase_check
      check (phase in ('proposals', 'review', 'supports', 'voting', 'tallying', 'closed', 'implementation', 'completed', 'cancelled'))`.execute(db);

  // a cast ballot is kept sealed; its choices are filled in once the key is revealed at close
  await sql`alter table ballots alter column ballot drop not null`.execute(db);
  await sql`alter table ballots add column sealed jsonb`.execute(db);

  await sql`
    create table trustee_keys (
      trustee        text primary key,
      public_key     text not null,
      registered_at  timestamptz not null
    )`.execute(db);

  await sql`
    create table cycle_key_shares (
      cycle_id      uuid not null references cycles (id),
      trustee       text not null,
      sealed_share  text not null,
      received_at   timestamptz not null,
      primary key (cycle_id, trustee)
    )`.execute(db);

  await sql`
    create table paper_batches (
      cycle_id      uuid not null references cycles (id),
      batch_id      text not null,
      submitted_by  text not null,
      status        text not null check (status in ('pending', 'confirmed', 'rejected')),
      sheet_sha256  text not null,
      note          text,
      ballots       jsonb not null,
      ballot_count  integer not null,
      decided_by    text,
      reason        text,
      stream        text not null,
      seq           bigint not null,
      hash          text not null,
      created_at    timestamptz not null,
      primary key (cycle_id, batch_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['paper_batches', 'cycle_key_shares', 'trustee_keys', 'cycle_election_keys']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`alter table ballots drop column if exists sealed`.execute(db);
}
