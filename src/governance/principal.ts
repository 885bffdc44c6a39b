/**
 * Who is acting. A bearer token resolves to one principal; a member principal belongs to exactly
 * one community (a person in several communities holds one membership, and one token, in each).
 */
export type MemberRole = 'member' | 'steward' | 'auditor';
export const MEMBER_ROLES: readonly MemberRole[] = ['member', 'steward', 'auditor'];

export type Principal =
  | { kind: 'public' }
  /** the service itself (a schedule moving a phase); never a token's principal */
  | { kind: 'system' }
  | { kind: 'admin' }
  | { kind: 'funder'; funderId: string }
  | { kind: 'auditor'; auditorId: string }
  | { kind: 'member'; memberId: string; communityId: string; roles: ReadonlySet<MemberRole> };

/** The `actor` written into ledger entries. */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case 'public':
      return 'public';
    case 'system':
      return 'system';
    case 'admin':
      return 'admin';
    case 'funder':
      return `funder:${principal.funderId}`;
    case 'auditor':
      return `auditor:${principal.auditorId}`;
    case 'member':
      return `member:${principal.memberId}`;
    default:
      return assertNever(principal);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
