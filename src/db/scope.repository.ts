/**
 * Finds the community a resource belongs to, for authorization. `undefined` means the resource
 * does not exist (the caller answers 404); `null` means it belongs to the network, not a community.
 */
import { sql } from 'kysely';
import type { Queryable } from './database.js';

export async function communityExists(db: Queryable, communityId: string): Promise<string | undefined> {
  if (!isUuid(communityId)) return undefined;
  const row = await db.selectFrom('communities').select('id').where('id', '=', communityId).executeTakeFirst();
  return row?.id;
}

export async function communityOfMember(db: Queryable, memberId: string): Promise<string | undefined> {
  if (!isUuid(memberId)) return undefined;
  const row = await db.selectFrom('members').select('community_id').where('id', '=', memberId).executeTakeFirst();
  return row?.community_id;
}

/** Looks up `<table>.community_id` by id for tables added by later migrations (cycles, proposals). */
export async function communityOfRow(db: Queryable, table: 'cycles' | 'proposals', id: string): Promise<string | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await sql<{ community_id: string }>`select community_id from ${sql.table(table)} where id = ${id}`.execute(db);
  return result.rows[0]?.community_id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
