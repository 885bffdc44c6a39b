/**
 * Communities, members, funders and network auditors. Each change writes its projection row and
 * its ledger entry in one transaction; tokens are returned once and stored only as hashes.
 */
import { DomainError } from '../domain-error.js';
import { notFound } from '../governance/errors.js';
import * as repo from '../db/community.repository.js';
import { communityStream, NETWORK_STREAM, sha256Hex } from '../ledger/index.js';
import type { MemberRole } from '../governance/principal.js';
import {
  decideRoleGrant,
  newCommunity,
  newMember,
  type AddMemberInput,
  type Community,
  type CreateCommunityInput,
  type Member,
} from '../governance/community.js';
import { actor, timestamp, transact, type CommandContext, type ServiceDeps, type Trx } from './context.js';
import { issueInvitation } from './sessions.js';

export class CommunityService {
  constructor(
    private readonly deps: ServiceDeps,
    /** NETWORK_CURRENCY: the currency of a community created without one */
    readonly networkCurrency = 'EUR',
  ) {}

  async create(ctx: CommandContext, input: CreateCommunityInput): Promise<Community> {
    const at = timestamp(this.deps);
    const community = newCommunity(input, this.deps.newId(), at, { currency: this.networkCurrency });
    return transact(this.deps, ctx, async (trx) => {
      await this.insertIn(trx, ctx, community, at);
      return community;
    });
  }

  /** Writes a new community and its two `community.created` entries inside the caller's transaction. */
  async insertIn(trx: Trx, ctx: CommandContext, community: Community, at: string): Promise<void> {
    if ((await repo.findCommunityBySlug(trx, community.slug)) !== undefined) {
      throw new DomainError('slug-taken', `a community with slug "${community.slug}" already exists`, { slug: community.slug });
    }
    await repo.insertCommunity(trx, community);
    const payload = {
      communityId: community.id,
      slug: community.slug,
      name: community.name,
      learners: community.learners,
      needsIndex: community.needsIndex,
      governance: { ...community.governance },
      currency: community.currency,
      imported: community.imported,
    };
    const created = { type: 'community.created', payload } as const;
    await this.deps.ledger.appendOne(trx, NETWORK_STREAM, at, actor(ctx), created);
    await this.deps.ledger.appendOne(trx, communityStream(community.id), at, actor(ctx), created);
  }

  async get(communityId: string): Promise<Community> {
    const community = await repo.findCommunity(this.deps.db, communityId);
    if (community === undefined) throw notFound('community', communityId);
    return community;
  }

  list(limit: number, cursor?: string) {
    return repo.listCommunities(this.deps.db, limit, cursor);
  }

  async addMember(ctx: CommandContext, communityId: string, input: AddMemberInput): Promise<{ member: Member; token: string; inviteUrl: string }> {
    const at = timestamp(this.deps);
    const member = newMember(input, communityId, this.deps.newId(), at);
    decideRoleGrant(ctx.principal.kind === 'admin' ? 'admin' : 'steward', member.roles);
    const token = this.deps.newToken();
    return transact(this.deps, ctx, async (trx) => {
      if ((await repo.findCommunity(trx, communityId)) === undefined) throw notFound('community', communityId);
      await repo.insertMember(trx, member);
      await repo.insertToken(trx, { tokenHash: sha256Hex(token), kind: 'member', principalId: member.id, createdAt: at });
      await this.deps.ledger.appendOne(trx, communityStream(communityId), at, actor(ctx), {
        type: 'member.added',
        // Members are created without an address (they prove one themselves); the field stays for older entries.
        payload: { memberId: member.id, name: member.name, roles: member.roles, hasAddress: false },
      });
      return { member, token, inviteUrl: await issueInvitation(trx, this.deps, 'member', member.id) };
    });
  }

  /** The admin changes a member's roles (the only way to grant steward or auditor later). */
  async setRoles(ctx: CommandContext, memberId: string, roles: readonly MemberRole[]): Promise<Member> {
    decideRoleGrant(ctx.principal.kind === 'admin' ? 'admin' : 'steward', roles);
    const sorted = [...new Set(roles)].sort();
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const member = await repo.findMember(trx, memberId);
      if (member === undefined) throw notFound('member', memberId);
      if (member.deactivatedAt !== null) throw new DomainError('member-deactivated', 'this member was deactivated; add them again as a new member');
      await repo.setMemberRoles(trx, memberId, sorted);
      await this.deps.ledger.appendOne(trx, communityStream(member.communityId), at, actor(ctx), { type: 'member.roles-changed', payload: { memberId, from: member.roles, to: sorted } });
      return { ...member, roles: sorted };
    });
  }

  async changeSettings(ctx: CommandContext, communityId: string, settings: { requireSignedBallots: boolean }): Promise<Community> {
    const at = timestamp(this.deps);
    return transact(this.deps, ctx, async (trx) => {
      const community = await repo.findCommunity(trx, communityId);
      if (community === undefined) throw notFound('community', communityId);
      await repo.setRequireSignedBallots(trx, communityId, settings.requireSignedBallots);
      await this.deps.ledger.appendOne(trx, communityStream(communityId), at, actor(ctx), { type: 'community.settings-changed', payload: { communityId, ...settings } });
      return { ...community, ...settings };
    });
  }

  listMembers(communityId: string, limit: number, cursor?: string) {
    return repo.listMembers(this.deps.db, communityId, limit, cursor);
  }

  async registerFunder(ctx: CommandContext, input: { name: string }): Promise<{ id: string; name: string; token: string; inviteUrl: string }> {
    const at = timestamp(this.deps);
    const id = this.deps.newId();
    const token = this.deps.newToken();
    return transact(this.deps, ctx, async (trx) => {
      await repo.insertFunder(trx, { id, name: input.name, createdAt: at });
      await repo.insertToken(trx, { tokenHash: sha256Hex(token), kind: 'funder', principalId: id, createdAt: at });
      await this.deps.ledger.appendOne(trx, NETWORK_STREAM, at, actor(ctx), {
        type: 'funder.registered',
        payload: { funderId: id, name: input.name, account: `external:${id}` },
      });
      return { id, name: input.name, token, inviteUrl: await issueInvitation(trx, this.deps, 'funder', id) };
    });
  }

  async registerAuditor(ctx: CommandContext, input: { name: string }): Promise<{ id: string; name: string; token: string; inviteUrl: string }> {
    const at = timestamp(this.deps);
    const id = this.deps.newId();
    const token = this.deps.newToken();
    return transact(this.deps, ctx, async (trx) => {
      await repo.insertAuditor(trx, { id, name: input.name, createdAt: at });
      await repo.insertToken(trx, { tokenHash: sha256Hex(token), kind: 'auditor', principalId: id, createdAt: at });
      await this.deps.ledger.appendOne(trx, NETWORK_STREAM, at, actor(ctx), { type: 'auditor.registered', payload: { auditorId: id, name: input.name } });
      return { id, name: input.name, token, inviteUrl: await issueInvitation(trx, this.deps, 'auditor', id) };
    });
  }
}
