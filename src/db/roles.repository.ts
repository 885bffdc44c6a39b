/**
 * The database roles the service runs under (issue 9 item 8): who this connection is, what it
 * owns, and the owner's grant of exactly the runtime privileges (`ledger_grant_runtime`, migration
 * 0008). Grants run under an advisory lock: several processes starting at once never update the
 * same catalog row together.
 */
import { sql } from 'kysely';
import type { Db } from './database.js';

const GRANT_LOCK = 0x4147_4c47; // "AGLG"

export interface RoleFacts {
  role: string;
  superuser: boolean;
  /** Tables, sequences and functions of the current schema this role owns. */
  owns: string[];
}

export async function roleFacts(db: Db): Promise<RoleFacts> {
  const who = await sql<{ role: string; superuser: boolean }>`
    select current_user as role, rolsuper as superuser from pg_roles where rolname = current_user`.execute(db);
  const row = who.rows[0];
  if (row === undefined) throw new Error('cannot tell which role this connection is');
  const owned = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relowner = (select oid from pg_roles where rolname = current_user) and c.relkind in ('r', 'p', 'S')
    union all
    select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = current_schema() and p.proowner = (select oid from pg_roles where rolname = current_user)
    order by 1`.execute(db);
  return { role: row.role, superuser: row.superuser, owns: owned.rows.map((r) => r.name) };
}

/** As the owner: gives `role` exactly the runtime privileges; returns how many grants/revokes it ran. */
export async function grantRuntimeRole(ownerDb: Db, role: string): Promise<number> {
  return ownerDb.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${GRANT_LOCK})`.execute(trx);
    const result = await sql<{ changes: number }>`select ledger_grant_runtime(${role}) as changes`.execute(trx);
    return Number(result.rows[0]?.changes ?? 0);
  });
}
