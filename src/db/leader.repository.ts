/**
 * Session advisory locks for leader election (src/services/leader.ts). They belong to one
 * connection: the caller keeps a dedicated one, so the locks last exactly as long as that session —
 * a process that dies takes its locks with it, the moment PostgreSQL sees its socket close.
 */
import { sql } from 'kysely';
import type { Queryable } from './database.js';

/** The advisory lock keys (bigint) this session holds now. */
export async function heldAdvisoryLocks(db: Queryable): Promise<Set<bigint>> {
  const rows = await sql<{ key: string }>`
    select (classid::bigint * 4294967296 + objid::bigint)::text as key from pg_locks
    where locktype = 'advisory' and objsubid = 1 and granted and pid = pg_backend_pid()`.execute(db);
  return new Set(rows.rows.map((r) => BigInt(r.key)));
}

export async function tryAdvisoryLock(db: Queryable, key: bigint): Promise<boolean> {
  const rows = await sql<{ got: boolean }>`select pg_try_advisory_lock(${key.toString()}::bigint) as got`.execute(db);
  return rows.rows[0]?.got === true;
}
