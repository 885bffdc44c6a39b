/**
 * Identity lifecycle queries: deactivating members, funders and auditors, deleting a principal's
 * token hashes, and the one-time address challenges. Queries only; no decisions.
 */
import type { Queryable } from './database.js';
import type { SessionPrincipalKind } from './tables.js';

export async function findFunderStatus(db: Queryable, id: string): Promise<{ id: string; deactivatedAt: Date | null } | undefined> {
  const row = await db.selectFrom('funders').select(['id', 'deactivated_at']).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, deactivatedAt: row.deactivated_at };
}

export async function findAuditorStatus(db: Queryable, id: string): Promise<{ id: string; deactivatedAt: Date | null } | undefined> {
  const row = await db.selectFrom('auditors').select(['id', 'deactivated_at']).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, deactivatedAt: row.deactivated_at };
}

/** Marks a principal deactivated (once); true when this call did it. */
export async function markDeactivated(db: Queryable, table: 'members' | 'funders' | 'auditors', id: string, at: string): Promise<boolean> {
  const result = await db.updateTable(table).set({ deactivated_at: at }).where('id', '=', id).where('deactivated_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes every token hash of a principal; returns how many. */
export async function deleteTokensOf(db: Queryable, kind: SessionPrincipalKind, principalId: string): Promise<number> {
  const result = await db.deleteFrom('tokens').where('principal_kind', '=', kind).where('principal_id', '=', principalId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The active member of a community who holds this (lowercase) address, if any. */
export async function findMemberIdByAddress(db: Queryable, communityId: string, address: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('members')
    .select('id')
    .where('community_id', '=', communityId)
    .where('address', '=', address)
    .where('deactivated_at', 'is', null)
    .executeTakeFirst();
  return row?.id;
}

/** Stores a member's challenge, replacing any earlier one (only the latest can be answered). */
export async function putAddressChallenge(db: Queryable, row: { memberId: string; message: string; createdAt: string; expiresAt: string }): Promise<void> {
  await db
    .insertInto('address_challenges')
    .values({ member_id: row.memberId, message: row.message, created_at: row.createdAt, expires_at: row.expiresAt })
    .onConflict((oc) => oc.column('member_id').doUpdateSet({ message: row.message, created_at: row.createdAt, expires_at: row.expiresAt }))
    .execute();
}

/**
 * Takes a member's challenge: deletes it and returns it, so two requests racing with one
 * signature cannot both use it (the loser finds none).
 */
export async function takeAddressChallenge(db: Queryable, memberId: string): Promise<{ message: string; expiresAt: Date } | undefined> {
  const row = await db.deleteFrom('address_challenges').where('member_id', '=', memberId).returning(['message', 'expires_at']).executeTakeFirst();
  return row === undefined ? undefined : { message: row.message, expiresAt: row.expires_at };
}

export async function deleteAddressChallenge(db: Queryable, memberId: string): Promise<void> {
  await db.deleteFrom('address_challenges').where('member_id', '=', memberId).execute();
}
