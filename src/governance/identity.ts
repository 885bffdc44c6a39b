/**
 * The lifecycle of an identity (issue 9 item 7, issue 11 item 5), as pure decisions: who may
 * deactivate whom, and the one-time challenge a member signs (EIP-191) to prove an Ethereum address.
 * Tokens themselves are access state (hashes in `tokens`); their rotation and every deactivation are
 * recorded in the ledger by the service.
 */
import { DomainError } from '../domain-error.js';
import type { MemberRole } from './principal.js';

export const IDENTITY_CODES = [
  /** a steward deactivates members only; stewards and auditors are deactivated by the admin */
  'deactivation-not-allowed',
  /** the member was deactivated: nothing more changes about them */
  'member-deactivated',
  /** no live address challenge: ask GET /v1/me/address/challenge first (one-time, minutes) */
  'address-challenge-missing',
  /** the signature is not an EIP-191 signature of the caller's challenge by that address's key */
  'address-proof-invalid',
  /** another member of the community has proved this address */
  'address-taken',
  /** no funder or network auditor has this id */
  'funder-not-found',
  'auditor-not-found',
] as const;

export type IdentityCode = (typeof IDENTITY_CODES)[number];

/** How long an address challenge may be answered. */
export const ADDRESS_CHALLENGE_MINUTES = 10;

/**
 * May this caller deactivate a member with these roles? The admin may deactivate anyone; a
 * steward only people who are nothing but members (like `decideRoleGrant`: a steward cannot remove
 * a fellow steward or the community's auditor).
 */
export function decideMemberDeactivation(by: 'admin' | 'steward', targetRoles: readonly MemberRole[]): void {
  if (by === 'admin') return;
  const beyond = targetRoles.filter((r) => r !== 'member');
  if (beyond.length > 0) {
    throw new DomainError('deactivation-not-allowed', `only the network admin deactivates a ${beyond.join(' or ')}; a steward deactivates members`, { roles: beyond });
  }
}

/**
 * The message a member signs with `personal_sign` (EIP-191) to prove an address. It names the
 * member and community (a signature made for one member proves nothing for another), carries a
 * fresh random challenge (so a signature proves once) and its expiry.
 */
export function addressChallengeMessage(fields: { memberId: string; communityId: string; challenge: string; expiresAt: string }): string {
  return [
    'Agora Ledger: I control this Ethereum address and register it to sign my ballots.',
    `Member: ${fields.memberId}`,
    `Community: ${fields.communityId}`,
    `Challenge: ${fields.challenge}`,
    `Expires: ${fields.expiresAt}`,
  ].join('\n');
}

/**
 * Checks an address proof: a live challenge exists and the address recovered from the signature
 * over it is the claimed one (both lowercase). `recovered` is undefined for a malformed signature.
 */
export function decideAddressProof(challenge: { message: string; expiresAt: Date } | undefined, now: Date, claimed: string, recovered: string | undefined): void {
  if (challenge === undefined) {
    throw new DomainError('address-challenge-missing', 'ask for a challenge first (GET /v1/me/address/challenge) and sign it with the address; each challenge proves one address once');
  }
  if (challenge.expiresAt.getTime() <= now.getTime()) {
    throw new DomainError('address-challenge-missing', `your challenge expired at ${challenge.expiresAt.toISOString()}; ask for a new one`, { expiredAt: challenge.expiresAt.toISOString() });
  }
  if (recovered === undefined || recovered !== claimed) {
    throw new DomainError('address-proof-invalid', "the signature is not this address's EIP-191 signature (personal_sign) of your current challenge message");
  }
}
