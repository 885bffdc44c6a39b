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
  })
  .strict();

const Change = <T extends z.ZodType>(value: T) => z.object({ from: value, to: value }).strict();

/** What an admin (or, for the name, a steward) changed in a community: each field's old and new value. */
export const CommunityEdited = z
  .object({
    communityId: Uuid,
    changes: z
      .object({
        name: Change(z.string()).optional(),
        learners: Change(z.number().int().min(0)).optional(),
        needsIndex: Change(z.string()).optional(),
        governance: Change(GovernanceDefaultsPayload).optional(),
      })
      .strict(),
  })
  .strict();

export const CommunitySettingsChanged = z.object({ communityId: Uuid, requireSignedBallots: z.boolean() }).strict();

export const MemberAdded = z.object({ memberId: Uuid, name: z.string(), roles: z.array(Role), hasAddress: z.boolean() }).strict();
export const MemberRolesChanged = z.object({ memberId: Uuid, from: z.array(Role), to: z.array(Role) }).strict();
export const MemberAddressRegistered = z.object({ memberId: Uuid }).strict();

export const FunderRegistered = z.object({ funderId: Uuid, name: z.string(), account: Id }).strict();
export const AuditorRegistered = z.object({ auditorId: Uuid, name: z.string() }).strict();
