/**
 * Finds the community a resource belongs to, for authorization and for the funding ledger. Each
 * lookup answers `undefined` when the resource does not exist (the caller answers 404) and `null`
 * when it belongs to the network, not a community.
 */
import type { Account } from '../funding/accounts.js';
import { IMPORT_FUNDER } from '../funding/accounts.js';
import type { Queryable } from './database.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isUuid(value: string): boolean {
  return UUID.test(value);
}

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

export async function communityOfCycle(db: Queryable, cycleId: string): Promise<string | undefined> {
  if (!isUuid(cycleId)) return undefined;
  const row = await db.selectFrom('cycles').select('community_id').where('id', '=', cycleId).executeTakeFirst();
  return row?.community_id;
}

export async function communityOfProposal(db: Queryable, proposalId: string): Promise<string | undefined> {
  if (!isUuid(proposalId)) return undefined;
  const row = await db.selectFrom('proposals').select('community_id').where('id', '=', proposalId).executeTakeFirst();
  return row?.community_id;
}

async function funderExists(db: Queryable, funderId: string): Promise<boolean> {
  if (!isUuid(funderId)) return false;
  return (await db.selectFrom('funders').select('id').where('id', '=', funderId).executeTakeFirst()) !== undefined;
}

/** The one answer to "whose is this account?": its community, null for the network, undefined when what it names does not exist. */
export async function communityOfAccount(db: Queryable, account: Account): Promise<string | null | undefined> {
  switch (account.kind) {
    case 'pool':
      return null;
    case 'external':
      return account.funderId === IMPORT_FUNDER || (await funderExists(db, account.funderId)) ? null : undefined;
    case 'community':
      return communityExists(db, account.communityId);
    case 'cycle':
      return communityOfCycle(db, account.cycleId);
    case 'proposal':
    case 'spent':
      return communityOfProposal(db, account.proposalId);
  }
}
