/**
 * The governance lifecycle (issue 13 items 1, 2, 3, 5, 6): a cycle's schedule and shortlist size,
 * the phases `supports`, `tallying` and `cancelled` in the phase check, and members' supports of
 * proposals (one per member per proposal). The check is dropped and re-added with every phase of
 * SPEC §7, so the sealed-ballots migration may do the same in any order.
 * PostgreSQL 15 features only.
 */
import { sql, type Kysely } from 'kysely';

const ALL_PHASES = sql`('proposals', 'review', 'supports', 'voting', 'tallying', 'closed', 'implementation', 'completed', 'cancelled')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table cycles drop constraint if exists cycles_phase_check`.execute(db);
  await sql`alter table cycles add constraint cycles_phase_check check (phase in ${ALL_PHASES})`.execute(db);
  await sql`alter table cycles add column if not exists schedule jsonb`.execute(db);
  await sql`alter table cycles add column if not exists shortlist_size integer check (shortlist_size >= 1)`.execute(db);
  // The schedule job looks only at cycles that still have a scheduled move ahead of them.
  await sql`create index if not exists cycles_scheduled on cycles (id) where schedule is not null and phase in ('proposals', 'review', 'supports', 'voting')`.execute(db);

  await sql`
    create table proposal_supports (
      proposal_id   uuid not null references proposals (id),
      member_id     uuid not null references members (id),
      cycle_id      uuid not null references cycles (id),
      community_id  uuid not null,
      created_at    timestamptz not null,
      primary key (proposal_id, member_id)
    )`.execute(db);
  await sql`create index proposal_supports_cycle on proposal_supports (cycle_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists proposal_supports`.execute(db);
  await sql`drop index if exists cycles_scheduled`.execute(db);
  await sql`alter table cycles drop column if exists shortlist_size`.execute(db);
  await sql`alter table cycles drop column if exists schedule`.execute(db);
}
