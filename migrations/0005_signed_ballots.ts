/** Signed ballots: a community may require them; each voter's last nonce per cycle stops replays. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table communities add column require_signed_ballots boolean not null default false`.execute(db);
  await sql`alter table cycle_voters add column last_nonce numeric(78, 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table cycle_voters drop column last_nonce`.execute(db);
  await sql`alter table communities drop column require_signed_ballots`.execute(db);
}
