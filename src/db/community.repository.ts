/** Communities, members, funders, auditors and their token hashes. Queries only; no decisions. */
import type { Community, Member } from '../governance/community.js';
import type { MemberRole } from '../governance/principal.js';
import { sql, type Selectable } from 'kysely';
import type { Queryable } from './database.js';
import type { CommunitiesTable, MembersTable } from './tables.js';
import { decodeCursor, toPage, type Page } from './pagination.js';

type CommunityRow = Selectable<CommunitiesTable>;

function toCommunity(row: CommunityRow): Community {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    learners: row.learners,
    needsIndex: normalizeNumeric(row.needs_index),
    governance: row.governance,
    requireSignedBallots: row.require_signed_ballots,
    currency: row.currency,
    imported: row.imported,
    createdAt: row.created_at.toISOString(),
  };
}

/** numeric comes back as text with trailing zeros depending on the database; normalize. */
function normalizeNumeric(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export async function insertCommunity(db: Queryable, community: Community): Promise<void> {
  await db
    .insertInto('communities')
    .values({
      id: community.id,
      slug: community.slug,
      name: community.name,
      learners: community.learners,
      needs_index: community.needsIndex,
      governance: JSON.stringify(community.governance),
      currency: community.currency,
      imported: community.imported,
      created_at: community.createdAt,
    })
    .execute();
}

/** The editable fields of a community (PATCH); slug and currency never change. */
export async function updateCommunity(db: Queryable, community: Pick<Community, 'id' | 'name' | 'learners' | 'needsIndex' | 'governance'>): Promise<void> {
  await db
    .updateTable('communities')
    .set({ name: community.name, learners: community.learners, needs_index: community.needsIndex, governance: JSON.stringify(community.governance) })
    .where('id', '=', community.id)
    .execute();
}

export async function setRequireSignedBallots(db: Queryable, id: string, required: boolean): Promise<void> {
  await db.updateTable('communities').set({ require_signed_ballots: required }).where('id', '=', id).execute();
}

export async function setMemberRoles(db: Queryable, memberId: string, roles: readonly string[]): Promise<void> {
  await db.updateTable('members').set({ roles: [...roles] }).where('id', '=', memberId).execute();
}

export async function setMemberAddress(db: Queryable, memberId: string, address: string): Promise<void> {
  await db.updateTable('members').set({ address }).where('id', '=', memberId).execute();
}

/** `lock`: FOR UPDATE, for an edit (two edits of one community apply one after the other). */
export async function findCommunity(db: Queryable, id: string, lock = false): Promise<Community | undefined> {
  let query = db.selectFrom('communities').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : toCommunity(row);
}

export async function findCommunityBySlug(db: Queryable, slug: string): Promise<Community | undefined> {
  const row = await db.selectFrom('communities').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row === undefined ? undefined : toCommunity(row);
}

export async function listCommunities(db: Queryable, limit: number, cursor?: string): Promise<Page<Community>> {
  const after = decodeCursor(cursor, ['text']);
  let query = db.selectFrom('communities').selectAll().orderBy('slug').limit(limit + 1);
  if (after !== undefined) query = query.where('slug', '>', String(after[0]));
  const rows = await query.execute();
  const page = toPage(rows, limit, (row) => [row.slug]);
  return { items: page.items.map(toCommunity), nextCursor: page.nextCursor };
}

/** The currency of each community that exists among `ids` (absent ids are left out). */
export async function communityCurrencies(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('communities').select(['id', 'currency']).where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, r.currency]));
}

export async function listAllCommunities(db: Queryable): Promise<Community[]> {
  const rows = await db.selectFrom('communities').selectAll().orderBy('id').execute();
  return rows.map(toCommunity);
}

type MemberRow = Selectable<MembersTable>;

function toMember(row: MemberRow): Member {
  return {
    id: row.id,
    communityId: row.community_id,
    name: row.name,
    roles: row.roles as MemberRole[],
    address: row.address,
    createdAt: row.created_at.toISOString(),
    deactivatedAt: row.deactivated_at === null ? null : row.deactivated_at.toISOString(),
  };
}

export async function insertMember(db: Queryable, member: Member): Promise<void> {
  await db
    .insertInto('members')
    .values({
      id: member.id,
      community_id: member.communityId,
      name: member.name,
      roles: member.roles,
      address: member.address,
      created_at: member.createdAt,
    })
    .execute();
}

export async function findMember(db: Queryable, id: string): Promise<Member | undefined> {
  const row = await db.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toMember(row);
}

export async function listMembers(db: Queryable, communityId: string, limit: number, cursor?: string): Promise<Page<Member>> {
  const after = decodeCursor(cursor, ['timestamp', 'uuid']);
  let query = db
    .selectFrom('members')
    .selectAll()
    .where('community_id', '=', communityId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1);
  if (after !== undefined) {
    const [at, id] = after;
    query = query.where((eb) =>
      eb.or([eb('created_at', '>', new Date(String(at))), eb.and([eb('created_at', '=', new Date(String(at))), eb('id', '>', String(id))])]),
    );
  }
  const rows = await query.execute();
  const page = toPage(rows, limit, (row) => [row.created_at.toISOString(), row.id]);
  return { items: page.items.map(toMember), nextCursor: page.nextCursor };
}

/** Every active member of a community, for freezing a census (ordered for a stable ledger payload); deactivated members are left out. */
export async function listAllMembers(db: Queryable, communityId: string): Promise<Member[]> {
  const rows = await db.selectFrom('members').selectAll().where('community_id', '=', communityId).where('deactivated_at', 'is', null).orderBy('id').execute();
  return rows.map(toMember);
}

export async function insertFunder(db: Queryable, funder: { id: string; name: string; createdAt: string }): Promise<void> {
  await db.insertInto('funders').values({ id: funder.id, name: funder.name, created_at: funder.createdAt }).execute();
}

export async function findFunder(db: Queryable, id: string): Promise<{ id: string; name: string } | undefined> {
  return db.selectFrom('funders').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
}

export async function insertAuditor(db: Queryable, auditor: { id: string; name: string; createdAt: string }): Promise<void> {
  await db.insertInto('auditors').values({ id: auditor.id, name: auditor.name, created_at: auditor.createdAt }).execute();
}

export async function insertToken(
  db: Queryable,
  token: { tokenHash: string; kind: 'member' | 'funder' | 'auditor'; principalId: string; createdAt: string },
): Promise<void> {
  await db
    .insertInto('tokens')
    .values({ token_hash: token.tokenHash, principal_kind: token.kind, principal_id: token.principalId, created_at: token.createdAt })
    .execute();
}

/** Who holds a token, with the member row when the holder is a member: what authentication needs. */
export interface TokenHolder {
  kind: 'member' | 'funder' | 'auditor';
  principalId: string;
  member: Member | undefined;
}

/** The holders of these token hashes (hex), in one round trip; unknown hashes are absent. */
export async function findTokenHolders(db: Queryable, tokenHashes: readonly string[]): Promise<Map<string, TokenHolder>> {
  const found = new Map<string, TokenHolder>();
  if (tokenHashes.length === 0) return found;
  const rows = await db
    .selectFrom('tokens')
    .leftJoin('members', (join) => join.onRef('members.id', '=', 'tokens.principal_id').on('tokens.principal_kind', '=', 'member'))
    .select(['tokens.token_hash', 'tokens.principal_kind', 'tokens.principal_id'])
    .select(['members.id as member_id', 'members.community_id', 'members.name', 'members.roles', 'members.address', 'members.created_at', 'members.deactivated_at'])
    .where('tokens.token_hash', '=', sql<string>`any(${[...tokenHashes]}::text[])`)
    .execute();
  for (const row of rows) {
    const member =
      row.member_id === null || row.community_id === null || row.name === null || row.roles === null || row.created_at === null
        ? undefined
        : toMember({ id: row.member_id, community_id: row.community_id, name: row.name, roles: row.roles, address: row.address, created_at: row.created_at, deactivated_at: row.deactivated_at });
    found.set(row.token_hash, { kind: row.principal_kind, principalId: row.principal_id, member });
  }
  return found;
}

