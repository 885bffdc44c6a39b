/** Payloads of the entries about communities, members, funders and auditors. */
import { z } from 'zod';
import { Id, Uuid } from './shared.js';

const Role = z.enum(['member', 'steward', 'auditor']);

export const GovernanceDefaultsPayload = z.object({ ballotType: z.enum(['approval', 'knapsack', 'cumulative', 'ordinal']), rule: z.enum(['greedy', 'equal-shares']), quorum: z.number().int().min(0) }).strict();

export const CommunityCreated = z
  .object({
    communityId: Uuid,
    slug: z.string(),
    name: z.string(),
    learners: z.number().int().min(0),
    needsIndex: z.string(),
    governance: GovernanceDefaultsPayload,
    /** since issue 9.4; entries written before it have neither (their communities are EUR, not imported) */
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
    imported: z.boolean().optional(),
  })
  .strict();

export const CommunitySettingsChanged = z.object({ communityId: Uuid, requireSignedBallots: z.boolean() }).strict();

export const MemberAdded = z.object({ memberId: Uuid, name: z.string(), roles: z.array(Role), hasAddress: z.boolean() }).strict();
export const MemberRolesChanged = z.object({ memberId: Uuid, from: z.array(Role), to: z.array(Role) }).strict();
export const MemberAddressRegistered = z.object({ memberId: Uuid }).strict();

export const FunderRegistered = z.object({ funderId: Uuid, name: z.string(), account: Id }).strict();
export const AuditorRegistered = z.object({ auditorId: Uuid, name: z.string() }).strict();

/** A principal's bearer token was replaced (the old one stopped working at once); the token itself is never recorded. */
export const TokenRotated = z.object({ principalKind: z.enum(['member', 'funder', 'auditor']), principalId: Uuid }).strict();
/** Deactivations: the token stops working, sessions end; a member leaves future censuses (past ballots stay). */
export const MemberDeactivated = z.object({ memberId: Uuid }).strict();
export const FunderDeactivated = z.object({ funderId: Uuid }).strict();
export const AuditorDeactivated = z.object({ auditorId: Uuid }).strict();
