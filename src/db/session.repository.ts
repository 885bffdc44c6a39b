/** Invitation codes, sessions and their memberships (hashes only). Queries only; no decisions. */
import type { Queryable } from './database.js';
import type { SessionPrincipalKind } from './tables.js';

export interface InvitationRow {
  codeHash: string;
  kind: SessionPrincipalKind;
  principalId: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface MembershipRef {
  kind: SessionPrincipalKind;
  id: string;
}

export async function insertInvitation(db: Queryable, row: { codeHash: string; kind: SessionPrincipalKind; principalId: string; createdAt: string; expiresAt: string }): Promise<void> {
  await db
    .insertInto('invitations')
    .values({ code_hash: row.codeHash, principal_kind: row.kind, principal_id: row.principalId, created_at: row.createdAt, expires_at: row.expiresAt })
    .execute();
}

/**
 * Marks an unused, unexpired invitation used, in one statement (two requests racing with one code:
 * exactly one gets the row). Undefined when nothing was claimed.
 */
export async function claimInvitation(db: Queryable, codeHash: string, now: Date): Promise<{ kind: SessionPrincipalKind; principalId: string } | undefined> {
  const row = await db
    .updateTable('invitations')
    .set({ used_at: now })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['principal_kind', 'principal_id'])
    .executeTakeFirst();
  return row === undefined ? undefined : { kind: row.principal_kind, principalId: row.principal_id };
}

export async function findInvitation(db: Queryable, codeHash: string): Promise<InvitationRow | undefined> {
  const row = await db.selectFrom('invitations').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
  return row === undefined ? undefined : { codeHash: row.code_hash, kind: row.principal_kind, principalId: row.principal_id, expiresAt: row.expires_at, usedAt: row.used_at };
}

/** Unused invitations of a principal stop working (they are marked used). */
export async function voidInvitationsOf(db: Queryable, kind: SessionPrincipalKind, principalId: string, now: string): Promise<number> {
  const result = await db
    .updateTable('invitations')
    .set({ used_at: now })
    .where('principal_kind', '=', kind)
    .where('principal_id', '=', principalId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertSession(db: Queryable, row: { idHash: string; createdAt: string; expiresAt: string }): Promise<void> {
  await db.insertInto('sessions').values({ id_hash: row.idHash, created_at: row.createdAt, expires_at: row.expiresAt }).execute();
}

/** A live session (not expired at `now`), locked for the rest of the transaction when `lock` is set. */
export async function findLiveSession(db: Queryable, idHash: string, now: Date, lock = false): Promise<{ idHash: string; expiresAt: Date } | undefined> {
  let query = db.selectFrom('sessions').select(['id_hash', 'expires_at']).where('id_hash', '=', idHash).where('expires_at', '>', now);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : { idHash: row.id_hash, expiresAt: row.expires_at };
}

export async function addMembership(db: Queryable, idHash: string, membership: MembershipRef, at: string): Promise<void> {
  await db
    .insertInto('session_memberships')
    .values({ session_hash: idHash, principal_kind: membership.kind, principal_id: membership.id, added_at: at })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** A session's memberships, in the order they were added. */
export async function listMemberships(db: Queryable, idHash: string): Promise<MembershipRef[]> {
  const rows = await db
    .selectFrom('session_memberships')
    .select(['principal_kind', 'principal_id'])
    .where('session_hash', '=', idHash)
    .orderBy('added_at')
    .orderBy('principal_id')
    .execute();
  return rows.map((r) => ({ kind: r.principal_kind, id: r.principal_id }));
}

export async function deleteSession(db: Queryable, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

export async function deleteExpiredSessions(db: Queryable, now: Date): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}

/** Removes a principal from every session; returns the sessions it was in. */
export async function removeMembershipsOf(db: Queryable, kind: SessionPrincipalKind, principalId: string): Promise<string[]> {
  const rows = await db
    .deleteFrom('session_memberships')
    .where('principal_kind', '=', kind)
    .where('principal_id', '=', principalId)
    .returning('session_hash')
    .execute();
  return rows.map((r) => r.session_hash);
}

/** Deletes those of the given sessions that hold no membership any more. */
export async function deleteEmptySessions(db: Queryable, idHashes: readonly string[]): Promise<number> {
  if (idHashes.length === 0) return 0;
  const result = await db
    .deleteFrom('sessions')
    .where('id_hash', 'in', [...idHashes])
    .where((eb) => eb.not(eb.exists(eb.selectFrom('session_memberships').select('session_hash').whereRef('session_memberships.session_hash', '=', 'sessions.id_hash'))))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function findAuditor(db: Queryable, id: string): Promise<{ id: string; name: string } | undefined> {
  return db.selectFrom('auditors').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
}
