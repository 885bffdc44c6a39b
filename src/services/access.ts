/**
 * What authorization needs from the database: who a token belongs to, and which community a
 * resource named in a request belongs to. The HTTP guard (src/http/auth.ts) decides; this only looks up.
 */
import { findTokenHolders, type TokenHolder } from '../db/community.repository.js';
import { CoalescedLookup } from '../db/coalesced-lookup.js';
import { communityExists, communityOfAccount, communityOfCycle, communityOfMember, communityOfProposal } from '../db/scope.repository.js';
import { parseAccount } from '../funding/accounts.js';
import type { MemberRole, Principal } from '../governance/principal.js';
import type { ServiceDeps } from './context.js';

export type ScopedThing = 'community' | 'member' | 'cycle' | 'proposal';

export class AccessService {
  private readonly communities = new Map<string, string>();
  /**
   * Every authenticated request reads its token's holder; under load the requests that arrive while
   * one such read runs are answered together by the next (one round trip, not one each), and none
   * is answered by a read sent before it arrived.
   */
  readonly tokenHolders: CoalescedLookup<string, TokenHolder>;

  constructor(private readonly deps: ServiceDeps) {
    this.tokenHolders = new CoalescedLookup((hashes) => findTokenHolders(deps.db, hashes));
  }

  /** The principal whose token has this SHA-256 (hex), or undefined for an unknown token. */
  async principalOfTokenHash(tokenHashHex: string): Promise<Principal | undefined> {
    const found = await this.tokenHolders.get(tokenHashHex);
    if (found === undefined) return undefined;
    switch (found.kind) {
      case 'funder':
        return { kind: 'funder', funderId: found.principalId };
      case 'auditor':
        return { kind: 'auditor', auditorId: found.principalId };
      case 'member': {
        const member = found.member;
        if (member === undefined || member.deactivatedAt !== null) return undefined;
        return { kind: 'member', memberId: member.id, communityId: member.communityId, roles: new Set<MemberRole>(member.roles) };
      }
    }
  }

  /**
   * The community of a resource named in a path; undefined when it does not exist. A member, cycle
   * or proposal never moves to another community (nor is it ever deleted), so a found answer is
   * cached: authorizing a ballot costs no round trip for its scope.
   */
  async communityOf(thing: ScopedThing, id: string): Promise<string | undefined> {
    if (thing === 'community') return communityExists(this.deps.db, id);
    const key = `${thing}:${id}`;
    const known = this.communities.get(key);
    if (known !== undefined) return known;
    const found = await this.lookUp(thing, id);
    if (found !== undefined) {
      if (this.communities.size >= 50_000) this.communities.clear();
      this.communities.set(key, found);
    }
    return found;
  }

  private lookUp(thing: Exclude<ScopedThing, 'community'>, id: string): Promise<string | undefined> {
    switch (thing) {
      case 'member':
        return communityOfMember(this.deps.db, id);
      case 'cycle':
        return communityOfCycle(this.deps.db, id);
      case 'proposal':
        return communityOfProposal(this.deps.db, id);
    }
  }

  /** The community an account name belongs to; null for network accounts, malformed names and unknown resources. */
  async communityOfAccountName(name: string): Promise<string | null> {
    const parsed = parseAccount(name);
    if (!parsed.ok) return null;
    return (await communityOfAccount(this.deps.db, parsed.account)) ?? null;
  }
}
