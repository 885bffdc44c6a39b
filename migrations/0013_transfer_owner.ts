/**
 * Transfer ids scoped to their owner (issue 9.1): a transfer is named by (owner, transfer id), where
 * the owner is the principal that made it (`admin`, `funder:<id>`, `member:<id>`) or `service` for
 * the transfers the service derives itself (in the `service:` namespace). Existing transfers get the
 * actor of their ledger entry, or `service` for the kinds only the service makes and pabulib grants.
 * PostgreSQL 15 features only.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table transfers add column owner text`.execute(db);
  await sql`
    update transfers t set owner = case
      when t.kind in ('reservation', 'allocation', 'distribution') or t.from_account like 'cycle:%' or t.transfer_id like 'import-grant-%' then 'service'
      else coalesce((select e.actor from ledger_entries e where e.stream = t.stream and e.seq = t.seq), 'service')
    end`.execute(db);
  await sql`alter table transfers alter column owner set not null`.execute(db);
  await sql`alter table transfers drop constraint transfers_pkey`.execute(db);
  await sql`alter table transfers add primary key (owner, transfer_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table transfers drop constraint transfers_pkey`.execute(db);
  await sql`alter table transfers drop column owner`.execute(db);
  await sql`alter table transfers add primary key (transfer_id)`.execute(db);
}
