/**
 * Signing in without typing tokens (issue 12.3). Creating a member, funder or auditor also issues
 * a one-time invitation code (stored hashed, valid 14 days, single use); `signIn` exchanges it for
 * a browser session (its id stored hashed) or adds the membership to the caller's live session.
 * A session acts as one of its memberships at a time (the HTTP layer picks which).
 *
 * Sessions end when their principal's token is rotated or the principal is deactivated: those
 * services call `endSessionsOf` inside their own transaction.
 *
 * Sessions are access state, like bearer tokens and idempotency records, not a change of the
 * community's affairs: signing in and out writes no ledger entry (the invitation is issued in the
 * transaction that writes `member.added`, `funder.registered` or `auditor.registered`).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { DomainError } from '../domain-error.js';
import * as repo from '../db/session.repository.js';
import { findCommunity, findFunder, findMember } from '../db/community.repository.js';
import type { SessionPrincipalKind } from '../db/tables.js';
import { sha256Hex } from '../ledger/index.js';
import type { MembershipRef } from '../db/session.repository.js';
import type { Queryable } from '../db/database.js';
import type { MemberRole, Principal } from '../governance/principal.js';
import type { ServiceDeps, Trx } from './context.js';

export type { MembershipRef, SessionPrincipalKind };

export const INVITATION_DAYS = 14;
export const SESSION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A fresh secret: 32 random bytes, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The CSRF token of a session: derived from its secret id, so it is never stored and cannot be guessed. */
export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('agora-ledger csrf token').digest('base64url');
}

export function sessionIdHash(sessionId: string): string {
  return sha256Hex(`session:${sessionId}`);
}

function codeHash(code: string): string {
  return sha256Hex(`invitation:${code}`);
}

/**
 * Issues a one-time invitation for a principal inside the caller's transaction; returns its
 * `inviteUrl` (`/join#<code>`: the code in the fragment never reaches a server log).
 */
export async function issueInvitation(trx: Trx, deps: Pick<ServiceDeps, 'clock'>, kind: SessionPrincipalKind, principalId: string): Promise<string> {
  const code = newSecret();
  const now = deps.clock.now();
  await repo.insertInvitation(trx, {
    codeHash: codeHash(code),
    kind,
    principalId,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + INVITATION_DAYS * DAY_MS).toISOString(),
  });
  return `/join#${code}`;
}

/** One membership of a session, as the web app shows it. */
export interface SessionMembership {
  kind: SessionPrincipalKind;
  id: string;
  name: string;
  communityId: string | null;
  communityName: string | null;
  roles: string[];
}

export interface LiveSession {
  idHash: string;
  memberships: MembershipRef[];
}

export class SessionService {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * Exchanges an invitation code for a session. With a live session id (the caller's cookie) the
   * membership joins that session; otherwise a new session is made. Refuses a code that is unknown
   * (404), already used (409) or expired (410) — except a repeat by the very session it joined.
   */
  async signIn(code: string, currentSessionId: string | undefined): Promise<{ sessionId: string; created: boolean; memberships: MembershipRef[] }> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction().execute(async (trx) => {
      const current = currentSessionId === undefined ? undefined : await repo.findLiveSession(trx, sessionIdHash(currentSessionId), now, true);
      const claimed = await repo.claimInvitation(trx, codeHash(code), now);
      if (claimed === undefined) {
        const invitation = await repo.findInvitation(trx, codeHash(code));
        if (invitation === undefined) throw new DomainError('invitation-not-found', 'this invitation code is not known here; ask for a new invitation');
        if (invitation.usedAt !== null) {
          // A page reloaded after signing in: the session already holds this membership.
          if (current !== undefined && (await repo.listMemberships(trx, current.idHash)).some((m) => m.kind === invitation.kind && m.id === invitation.principalId)) {
            return { sessionId: currentSessionId as string, created: false, memberships: await repo.listMemberships(trx, current.idHash) };
          }
          throw new DomainError('invitation-used', 'this invitation has already been used; each invitation signs in once — ask for a new one');
        }
        throw new DomainError('invitation-expired', `this invitation expired on ${invitation.expiresAt.toISOString()}; ask for a new one`, { expiredAt: invitation.expiresAt.toISOString() });
      }
      if (!(await principalExists(trx, claimed.kind, claimed.principalId))) throw new DomainError('invitation-not-found', 'the person this invitation was for no longer exists here');
      let sessionId = currentSessionId;
      let idHash = current?.idHash;
      if (idHash === undefined) {
        sessionId = newSecret();
        idHash = sessionIdHash(sessionId);
        await repo.deleteExpiredSessions(trx, now);
        await repo.insertSession(trx, { idHash, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + SESSION_DAYS * DAY_MS).toISOString() });
      }
      await repo.addMembership(trx, idHash, { kind: claimed.kind, id: claimed.principalId }, now.toISOString());
      return { sessionId: sessionId as string, created: current === undefined, memberships: await repo.listMemberships(trx, idHash) };
    });
  }

  /** The live session with this id, or undefined (unknown, expired, or ended). */
  async resolve(sessionId: string): Promise<LiveSession | undefined> {
    const idHash = sessionIdHash(sessionId);
    const session = await repo.findLiveSession(this.deps.db, idHash, this.deps.clock.now());
    if (session === undefined) return undefined;
    const memberships = await repo.listMemberships(this.deps.db, idHash);
    return memberships.length === 0 ? undefined : { idHash, memberships };
  }

  /** The principal a membership acts as (a member's community and current roles), or undefined if it is gone. */
  async principalOf(membership: MembershipRef): Promise<Principal | undefined> {
    switch (membership.kind) {
      case 'funder':
        return { kind: 'funder', funderId: membership.id };
      case 'auditor':
        return { kind: 'auditor', auditorId: membership.id };
      case 'member': {
        const member = await findMember(this.deps.db, membership.id);
        return member === undefined || member.deactivatedAt !== null ? undefined : { kind: 'member', memberId: member.id, communityId: member.communityId, roles: new Set<MemberRole>(member.roles) };
      }
    }
  }

  /** Names, communities and roles of memberships, for `GET /v1/session`. */
  async describe(memberships: readonly MembershipRef[]): Promise<SessionMembership[]> {
    const described: SessionMembership[] = [];
    for (const m of memberships) {
      switch (m.kind) {
        case 'member': {
          const member = await findMember(this.deps.db, m.id);
          if (member === undefined) continue;
          const community = await findCommunity(this.deps.db, member.communityId);
          described.push({ kind: 'member', id: m.id, name: member.name, communityId: member.communityId, communityName: community?.name ?? null, roles: [...member.roles].sort() });
          break;
        }
        case 'funder': {
          const funder = await findFunder(this.deps.db, m.id);
          if (funder !== undefined) described.push({ kind: 'funder', id: m.id, name: funder.name, communityId: null, communityName: null, roles: ['funder'] });
          break;
        }
        case 'auditor': {
          const auditor = await repo.findAuditor(this.deps.db, m.id);
          if (auditor !== undefined) described.push({ kind: 'auditor', id: m.id, name: auditor.name, communityId: null, communityName: null, roles: ['auditor'] });
          break;
        }
      }
    }
    return described;
  }

  /** Signs out: the session is deleted (its cookie names nothing any more). */
  async signOut(sessionId: string): Promise<void> {
    await repo.deleteSession(this.deps.db, sessionIdHash(sessionId));
  }

  /**
   * Ends a principal's sessions, inside the caller's transaction: call it when the principal's
   * token is rotated or the principal is deactivated (member) or revoked (funder, auditor). The
   * principal leaves every session (a session left with no membership is deleted; other people's
   * memberships in a shared browser stay), and its unused invitations stop working.
   */
  async endSessionsOf(trx: Trx, kind: SessionPrincipalKind, principalId: string): Promise<{ sessions: number; invitations: number }> {
    const sessions = await repo.removeMembershipsOf(trx, kind, principalId);
    await repo.deleteEmptySessions(trx, sessions);
    const invitations = await repo.voidInvitationsOf(trx, kind, principalId, this.deps.clock.now().toISOString());
    return { sessions: sessions.length, invitations };
  }
}

async function principalExists(db: Queryable, kind: SessionPrincipalKind, id: string): Promise<boolean> {
  switch (kind) {
    case 'member':
      return (await findMember(db, id)) !== undefined;
    case 'funder':
      return (await findFunder(db, id)) !== undefined;
    case 'auditor':
      return (await repo.findAuditor(db, id)) !== undefined;
  }
}
