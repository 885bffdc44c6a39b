/**
 * Communities and their members: input schemas (also the HTTP request schemas and their OpenAPI
 * entries), and the pure decisions about them. A community owns one ledger stream,
 * `community:<id>`; its slug is unique and never changes.
 */
import { z } from 'zod';
import { MEMBER_ROLES, type MemberRole } from './principal.js';
import { normalizeDecimal } from './decimal.js';
import { DomainError } from '../domain-error.js';

export const SlugSchema = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase letters, digits and single hyphens, e.g. "kibera-east"');

export const BallotTypeSchema = z.enum(['approval', 'knapsack', 'cumulative', 'ordinal']);
export const RuleNameSchema = z.enum(['greedy', 'equal-shares']);
export const CompletionSchema = z.enum(['add1', 'add1-until-exhaustive', 'none']);

export const GovernanceDefaultsSchema = z
  .object({
    ballotType: BallotTypeSchema.default('approval'),
    rule: RuleNameSchema.default('greedy'),
    quorum: z.number().int().min(0).max(1_000_000).default(0).describe('minimum number of ballots for an outcome to be valid'),
  })
  .strict();

export const NeedsIndexSchema = z
  .union([z.number().min(0).max(1_000_000), z.string().regex(/^\d{1,9}(\.\d{1,6})?$/)])
  .describe('needs index ≥ 0 (default 1), a number or decimal string; stored exactly');

export const CreateCommunitySchema = z
  .object({
    slug: SlugSchema,
    name: z.string().trim().min(1).max(200),
    learners: z.number().int().min(0).max(10_000_000).optional(),
    needsIndex: NeedsIndexSchema.optional(),
    governance: GovernanceDefaultsSchema.partial().optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "EUR"')
      .optional()
      .describe('the one currency of this community, fixed at creation; default: the network currency (NETWORK_CURRENCY)'),
  })
  .strict();
export type CreateCommunityInput = z.infer<typeof CreateCommunitySchema>;

export const MemberRoleSchema = z.enum(MEMBER_ROLES as [MemberRole, ...MemberRole[]]);
export const EthAddressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an Ethereum address, 0x followed by 40 hex digits');

export const AddMemberSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    roles: z.array(MemberRoleSchema).min(1).max(3).optional(),
  })
  .strict()
  .describe('a member is created without an address: they prove one themselves (GET /v1/me/address/challenge, PUT /v1/me/address)');
export type AddMemberInput = z.infer<typeof AddMemberSchema>;

export interface GovernanceDefaults {
  ballotType: z.infer<typeof BallotTypeSchema>;
  rule: z.infer<typeof RuleNameSchema>;
  quorum: number;
}

export interface Community {
  id: string;
  slug: string;
  name: string;
  learners: number;
  needsIndex: string;
  governance: GovernanceDefaults;
  /** ballots must carry an EIP-712 signature by the member's registered address */
  requireSignedBallots: boolean;
  /** ISO 4217: every transfer to or from its accounts, and every cycle, is in it; never changes */
  currency: string;
  /** created by a pabulib import (a city election, not a school): left out of equity reports by default */
  imported: boolean;
  createdAt: string;
}

export interface Member {
  id: string;
  communityId: string;
  name: string;
  roles: MemberRole[];
  /** proved by the member (EIP-191 signature of a one-time challenge); lowercase */
  address: string | null;
  createdAt: string;
  /** set when a steward or the admin deactivated the member (token dead, out of future censuses) */
  deactivatedAt: string | null;
}

/** What a new community takes from the network when its input leaves it out. */
export interface CommunityDefaults {
  /** NETWORK_CURRENCY */
  currency: string;
  /** true only for pabulib imports */
  imported?: boolean;
}

/** A new community from validated input; id and time come from the caller. */
export function newCommunity(input: CreateCommunityInput, id: string, at: string, defaults: CommunityDefaults): Community {
  return {
    id,
    slug: input.slug,
    name: input.name,
    learners: input.learners ?? 0,
    needsIndex: normalizeDecimal(input.needsIndex ?? 1, 'needsIndex'),
    governance: GovernanceDefaultsSchema.parse(input.governance ?? {}),
    requireSignedBallots: false,
    currency: input.currency ?? defaults.currency,
    imported: defaults.imported ?? false,
    createdAt: at,
  };
}

export const SetRolesSchema = z.object({ roles: z.array(MemberRoleSchema).min(1).max(3) }).strict();

/**
 * Who may hand out which role: the admin any role; a steward only `member` (SPEC §1: stewards
 * manage the census; the admin grants roles), so no steward can appoint a steward or an auditor.
 */
export function decideRoleGrant(granter: 'admin' | 'steward', roles: readonly MemberRole[]): void {
  if (granter === 'admin') return;
  const beyond = roles.filter((r) => r !== 'member');
  if (beyond.length > 0) {
    throw new DomainError('role-not-grantable', `only the network admin grants the ${beyond.join(' and ')} role; a steward adds members`, { roles: beyond });
  }
}

export const CommunitySettingsSchema = z.object({ requireSignedBallots: z.boolean() }).strict();
export const RegisterAddressSchema = z
  .object({
    address: EthAddressSchema,
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'a 65-byte signature, 0x followed by 130 hex digits').describe('EIP-191 (personal_sign) signature of the message from GET /v1/me/address/challenge by this address'),
  })
  .strict();

export function newMember(input: AddMemberInput, communityId: string, id: string, at: string): Member {
  const roles = [...new Set(input.roles ?? ['member'])].sort() as MemberRole[];
  return { id, communityId, name: input.name, roles, address: null, createdAt: at, deactivatedAt: null };
}
