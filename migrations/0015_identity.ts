/**
 * Identity (issue 9 items 6 and 7, issue 11 item 5): principals can be deactivated, idempotency
 * records lose every secret and expire, and addresses are proven with a one-time challenge.
 *
 * - `deactivated_at` on members, funders and auditors (their tokens are deleted when it is set).
 * - Idempotency records that kept a token or an invitation URL in their stored response are
 *   rewritten without them (`tokenIssued: true` instead), so no live secret rests there; the index on
 *   `created_at` serves the purge of expired records (IDEMPOTENCY_TTL_HOURS).
 * - An Ethereum address belongs to one active member per community. Addresses registered before proofs
 *   existed that two members of one community share are cleared for both (neither proved it).
 * - Anchors keep only the code of a failed step (`unreachable`, …), never the upstream RPC's message
 *   (it can carry the provider's URL and API key).
 * - `address_challenges`: the one-time message a member signs to prove an address; one per member,
 *   valid for minutes, deleted when used.
 * PostgreSQL 15 features only.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['members', 'funders', 'auditors']) {
    await sql`alter table ${sql.table(table)} add column deactivated_at timestamptz`.execute(db);
  }
  await sql`create index tokens_principal on tokens (principal_kind, principal_id)`.execute(db);

  await sql`
    update idempotency_keys
       set response_body = ((response_body::jsonb - 'token' - 'inviteUrl') || '{"tokenIssued": true}'::jsonb)::text
     where response_body like '{%'
       and (response_body::jsonb ? 'token' or response_body::jsonb ? 'inviteUrl')`.execute(db);
  await sql`create index idempotency_keys_created on idempotency_keys (created_at)`.execute(db);

  await sql`
    update members m set address = null
     where m.address is not null
       and exists (select 1 from members o where o.community_id = m.community_id and o.address = m.address and o.id <> m.id)`.execute(db);
  // A deactivated member's address no longer blocks anyone (the person may be added again).
  await sql`create unique index members_community_address on members (community_id, address) where address is not null and deactivated_at is null`.execute(db);

  await sql`
    update anchors
       set last_error = split_part(last_error, ':', 1),
           record = jsonb_set(record, '{lastError}', to_jsonb(split_part(last_error, ':', 1)))
     where split_part(last_error, ':', 1) in ('unreachable', 'timeout', 'wrong-chain', 'rejected', 'bad-response', 'unexpected')`.execute(db);

  await sql`
    create table address_challenges (
      member_id   uuid primary key references members (id),
      message     text not null,
      created_at  timestamptz not null,
      expires_at  timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists address_challenges`.execute(db);
  await sql`drop index if exists members_community_address`.execute(db);
  await sql`drop index if exists idempotency_keys_created`.execute(db);
  await sql`drop index if exists tokens_principal`.execute(db);
  for (const table of ['members', 'funders', 'auditors']) {
    await sql`alter table ${sql.table(table)} drop column if exists deactivated_at`.execute(db);
  }
}
