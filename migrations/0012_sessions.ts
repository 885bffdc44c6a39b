/**
 * Signing in without typing tokens (issue 12.3): one-time invitation codes and browser sessions.
 * Codes and session ids are stored only as SHA-256 hashes, like bearer tokens. A session holds one
 * or more memberships (a member, funder or auditor each); rows are deleted when a session ends.
 * PostgreSQL 15 features only.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table invitations (
      code_hash       text primary key,
      principal_kind  text not null check (principal_kind in ('member', 'funder', 'auditor')),
      principal_id    uuid not null,
      created_at      timestamptz not null,
      expires_at      timestamptz not null,
      used_at         timestamptz
    )`.execute(db);
  await sql`create index invitations_principal on invitations (principal_kind, principal_id)`.execute(db);

  await sql`
    create table sessions (
      id_hash     text primary key,
      created_at  timestamptz not null,
      expires_at  timestamptz not null
    )`.execute(db);

  await sql`
    create table session_memberships (
      session_hash    text not null references sessions (id_hash) on delete cascade,
      principal_kind  text not null check (principal_kind in ('member', 'funder', 'auditor')),
      principal_id    uuid not null,
      added_at        timestamptz not null,
      primary key (session_hash, principal_kind, principal_id)
    )`.execute(db);
  await sql`create index session_memberships_principal on session_memberships (principal_kind, principal_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['session_memberships', 'sessions', 'invitations']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
