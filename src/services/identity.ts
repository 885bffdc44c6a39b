/**
 * The lifecycle of tokens and identities (issue 9 item 7) and proven addresses (issue 11 item 5).
 *
 * - `rotateToken`: the caller's token hash is replaced; the new token is returned once and the old
 *   one answers 401 from the commit on. Sessions of the principal end.
 * - `deactivateMember` / `deactivateFunder` / `deactivateAuditor`: tokens deleted, sessions and
 *   unused invitations end; a member leaves future censuses (past ballots stay in the ledger).
 * - `addressChallenge` / `proveAddress`: a member proves an Ethereum address with an EIP-191
 *   signature of a one-time challenge that names them; an address belongs to one active member per
 *   community.
 *
 * Everything is recorded in the ledger (`token.rotated`, `*.deactivated`, `member.address-registered`),
 * never the token or the address itself.
 */
import { randomBytes } from 'node:crypto';
import { verifyMessage } from 'ethers';
import { DomainError } from '../domain-error.js';
import { notFound } from '../governance/errors.js';
import { addressChallengeMessage, ADDRESS_CHALLENGE_MINUTES, decideAddressProof, decideMemberDeactivation } from '../governance/identity.js';
import type { Member } from '../governance/community.js';
import { communityStream, NETWORK_STREAM, sha256Hex } from '../ledger/index.js';
import { findMember, insertToken, setMemberAddress } from '../db/community.repository.js';
import * as repo from '../db/identity.repository.js';
import type { SessionPrincipalKind } from '../db/tables.js';
import { actor, timestamp, transact, type CommandContext, type ServiceDeps, type Trx } from './context.js';
import { pgCode } from '../pg-errors.js';
import type { SessionService } from './sessions.js';

const MINUTE_MS = 60 * 1000;

/** The address that made an EIP-191 signature of `message`, lowercase; undefined when the signature is malformed. */
export function recoverMessageSigner(message: string, signature: string): string | undefined {
  try {
    return verifyMessage(message, signature).toLowerCase();
  } catch {
    return undefined;
  }
}

export class IdentityService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: SessionService,
  ) {}

  /** Replaces the caller's token: the new one is returned once; the old one is dead at commit. */
  async rotateToken(ctx: CommandContext): Promise<{ token: string }> {
    const principal = ctx.principal;
    const token = this.deps.newToken();
    const at = timestamp(this.deps);
    let kind: SessionPrincipalKind;
    let id: string;
    let stream: string;
    switch (principal.kind) {
      case 'member':
        [kind, id, stream] = ['member', principal.memberId, communityStream(principal.communityId)];
        break;
      case 'funder':
        [kind, id, stream] = ['funder', principal.funderId, NETWORK_STREAM];
        break;
      case 'auditor':
        [kind, id, stream] = ['auditor', principal.auditorId, NETWORK_STREAM];
        break;
      default:
        throw new DomainError('forbidden', 'only members, funders and auditors rotate their token here; the admin token comes from configuration (ADMIN_TOKEN)');
    }
    return transact(this.deps, ctx, async (trx) => {
      const status = await repo.lockPrincipal(trx, `${kind}s`, id);
      if (status === undefined || status.deactivated) throw new DomainError('unknown-token', 'this token no longer belongs to an active member, funder or auditor');
      await repo.deleteTokensOf(trx, kind, id);
      await insertToken(trx, { tokenHash: sha256Hex(token), kind, principalId: id, createdAt: at });
      await this.sessions.endSessionsOf(trx, kind, id);
      await this.deps.ledger.appendOne(trx, stream, at, actor(ctx), { type: 'token.rotated', payload: { principalKind: kind, principalId: id } });
      return { token };
    });
  }

  /**
   * Deactivates a member (a steward of their community, or the admin). Deactivating a member who
   * already is one changes nothing and writes nothing.
   */
  async deactivateMember(ctx: CommandContext, memberId: string): Promise<void> {
    const at = timestamp(this.deps);
    await transact(this.deps, ctx, async (trx) => {
      const member = await findMember(trx, memberId);
      if (member === undefined) throw notFound('member', memberId);
      if (member.deactivatedAt !== null) return;
      decideMemberDeactivation(ctx.principal.kind === 'admin' ? 'admin' : 'steward', member.roles);
      if (!(await repo.markDeactivated(trx, 'members', memberId, at))) return;
      await this.endAccess(trx, 'member', memberId);
      await repo.deleteAddressChallenge(trx, memberId);
      await this.deps.ledger.appendOne(trx, communityStream(member.communityId), at, actor(ctx), { type: 'member.deactivated', payload: { memberId } });
    });
  }

  async deactivateFunder(ctx: CommandContext, funderId: string): Promise<void> {
    const at = timestamp(this.deps);
    await transact(this.deps, ctx, async (trx) => {
      const funder = await repo.findFunderStatus(trx, funderId);
      if (funder === undefined) throw new DomainError('funder-not-found', `no funder with id ${funderId}`, { id: funderId });
      if (!(await repo.markDeactivated(trx, 'funders', funderId, at))) return;
      await this.endAccess(trx, 'funder', funderId);
      await this.deps.ledger.appendOne(trx, NETWORK_STREAM, at, actor(ctx), { type: 'funder.deactivated', payload: { funderId } });
    });
  }

  async deactivateAuditor(ctx: CommandContext, auditorId: string): Promise<void> {
    const at = timestamp(this.deps);
    await transact(this.deps, ctx, async (trx) => {
      const auditor = await repo.findAuditorStatus(trx, auditorId);
      if (auditor === undefined) throw new DomainError('auditor-not-found', `no network auditor with id ${auditorId}`, { id: auditorId });
      if (!(await repo.markDeactivated(trx, 'auditors', auditorId, at))) return;
      await this.endAccess(trx, 'auditor', auditorId);
      await this.deps.ledger.appendOne(trx, NETWORK_STREAM, at, actor(ctx), { type: 'auditor.deactivated', payload: { auditorId } });
    });
  }

  private async endAccess(trx: Trx, kind: SessionPrincipalKind, id: string): Promise<void> {
    await repo.deleteTokensOf(trx, kind, id);
    await this.sessions.endSessionsOf(trx, kind, id);
  }

  /** A fresh one-time challenge for the calling member (replacing any earlier one). */
  async addressChallenge(ctx: CommandContext): Promise<{ message: string; expiresAt: string }> {
    if (ctx.principal.kind !== 'member') throw new DomainError('forbidden', 'only members register an address');
    const { memberId, communityId } = ctx.principal;
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + ADDRESS_CHALLENGE_MINUTES * MINUTE_MS).toISOString();
    const message = addressChallengeMessage({ memberId, communityId, challenge: randomBytes(24).toString('base64url'), expiresAt });
    await repo.putAddressChallenge(this.deps.db, { memberId, message, createdAt: now.toISOString(), expiresAt });
    return { message, expiresAt };
  }

  /** Registers the address whose key signed the caller's current challenge (which is used up). */
  async proveAddress(ctx: CommandContext, address: string, signature: string): Promise<Member> {
    if (ctx.principal.kind !== 'member') throw new DomainError('forbidden', 'only members register an address');
    const memberId = ctx.principal.memberId;
    const claimed = address.toLowerCase();
    const at = timestamp(this.deps);
    try {
      return await transact(this.deps, ctx, async (trx) => {
        const member = await findMember(trx, memberId);
        if (member === undefined) throw notFound('member', memberId);
        if (member.deactivatedAt !== null) throw new DomainError('member-deactivated', 'this member was deactivated');
        const challenge = await repo.takeAddressChallenge(trx, memberId);
        decideAddressProof(challenge, this.deps.clock.now(), claimed, challenge === undefined ? undefined : recoverMessageSigner(challenge.message, signature));
        const holder = await repo.findMemberIdByAddress(trx, member.communityId, claimed);
        if (holder !== undefined && holder !== memberId) throw addressTaken();
        await setMemberAddress(trx, memberId, claimed);
        await this.deps.ledger.appendOne(trx, communityStream(member.communityId), at, actor(ctx), { type: 'member.address-registered', payload: { memberId } });
        return { ...member, address: claimed };
      });
    } catch (err) {
      // Two members proving one address at the same moment: the unique index decides.
      if (pgCode(err) === '23505') throw addressTaken();
      throw err;
    }
  }
}

function addressTaken(): DomainError {
  return new DomainError('address-taken', 'another member of this community has registered this address; an address signs for one member');
}
