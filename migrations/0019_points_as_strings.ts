/**
 * Cumulative points limits become decimal strings in the cycles table (issue 9.12), as they are in
 * new ledger entries and API answers: limits may exceed 2^53 (SPEC §5). Rows written before hold a
 * JSON number in `ballot.points` and `frozen.ballot.points`; the ledger entries themselves are never
 * rewritten (readers accept both forms). PostgreSQL 15 features only.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    update cycles set ballot = jsonb_set(ballot, '{points}', to_jsonb(ballot ->> 'points'))
    where jsonb_typeof(ballot -> 'points') = 'number'`.execute(db);
  await sql`
    update cycles set frozen = jsonb_set(frozen, '{ballot,points}', to_jsonb(frozen #>> '{ballot,points}'))
    where jsonb_typeof(frozen #> '{ballot,points}') = 'number'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    update cycles set ballot = jsonb_set(ballot, '{points}', to_jsonb((ballot ->> 'points')::numeric))
    where jsonb_typeof(ballot -> 'points') = 'string'`.execute(db);
  await sql`
    update cycles set frozen = jsonb_set(frozen, '{ballot,points}', to_jsonb((frozen #>> '{ballot,points}')::numeric))
    where jsonb_typeof(frozen #> '{ballot,points}') = 'string'`.execute(db);
}
