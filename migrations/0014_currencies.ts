/**
 * Currencies coexist (issue 9.4). A community has one currency, chosen at creation, and a flag for
 * communities created by a pabulib import. An account's balance is kept per (account, currency):
 * the network's accounts (`pool`, `external:<funder>`, `external:import`) hold one balance in each
 * currency they have seen, while a community's accounts only ever hold their community's currency
 * (the service checks it before a transfer), so no payer fixes an account's currency by paying
 * first. Transfers reference the balance they moved in the same currency.
 * Existing communities take the currency of their first cycle, else of their own account, else EUR;
 * those with a pabulib cycle are marked imported. PostgreSQL 15 features only.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table communities add column currency text not null default 'EUR' check (currency ~ '^[A-Z]{3}$')`.execute(db);
  await sql`alter table communities add column imported boolean not null default false`.execute(db);
  await sql`
    update communities c set currency = coalesce(
      (select y.currency from cycles y where y.community_id = c.id order by y.created_at, y.id limit 1),
      (select a.currency from accounts a where a.account = 'community:' || c.id::text and a.currency is not null),
      'EUR')`.execute(db);
  await sql`update communities c set imported = exists (select 1 from cycles y where y.community_id = c.id and y.origin = 'pabulib')`.execute(db);

  // Rows a refused transfer could never leave behind, but an interrupted one might: no currency, no money.
  await sql`delete from accounts a where a.currency is null and a.balance_minor = 0
    and not exists (select 1 from transfers t where t.from_account = a.account or t.to_account = a.account)`.execute(db);
  await sql`alter table transfers drop constraint transfers_from_account_fkey`.execute(db);
  await sql`alter table transfers drop constraint transfers_to_account_fkey`.execute(db);
  await sql`alter table accounts alter column currency set not null`.execute(db);
  await sql`alter table accounts drop constraint accounts_pkey`.execute(db);
  await sql`alter table accounts add constraint accounts_pkey primary key (account, currency)`.execute(db);
  await sql`alter table transfers add constraint transfers_from_account_fkey foreign key (from_account, currency) references accounts (account, currency)`.execute(db);
  await sql`alter table transfers add constraint transfers_to_account_fkey foreign key (to_account, currency) references accounts (account, currency)`.execute(db);
  await sql`create index transfers_currency on transfers (currency, ordinal)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists transfers_currency`.execute(db);
  await sql`alter table transfers drop constraint transfers_from_account_fkey`.execute(db);
  await sql`alter table transfers drop constraint transfers_to_account_fkey`.execute(db);
  await sql`alter table accounts drop constraint accounts_pkey`.execute(db);
  await sql`alter table accounts alter column currency drop not null`.execute(db);
  await sql`alter table accounts add constraint accounts_pkey primary key (account)`.execute(db);
  await sql`alter table transfers add constraint transfers_from_account_fkey foreign key (from_account) references accounts (account)`.execute(db);
  await sql`alter table transfers add constraint transfers_to_account_fkey foreign key (to_account) references accounts (account)`.execute(db);
  await sql`alter table communities drop column imported`.execute(db);
  await sql`alter table communities drop column currency`.execute(db);
}
