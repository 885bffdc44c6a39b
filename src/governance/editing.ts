/**
 * Editing what may change (issue 13 item 1), as pure decisions. A community: the admin changes its
 * name, learners, needs index and governance defaults, a steward only its name, and nobody its
 * currency (fixed at creation). A proposal: its author, while the cycle takes proposals and the
 * proposal is still `submitted`, changes title, description, cost and category. Each decision
 * returns only what really changed, old and new, which is what the ledger entry records.
 */
import { z } from 'zod';
import { DomainError } from '../domain-error.js';
import { BallotTypeSchema, NeedsIndexSchema, RuleNameSchema, type Community, type GovernanceDefaults } from './community.js';
import { normalizeDecimal } from './decimal.js';
import { MoneyStringSchema, requirePhase, type Phase } from './cycle.js';
import type { Proposal } from './proposal.js';


export const EditCommunitySchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    learners: z.number().int().min(0).max(10_000_000).optional(),
    needsIndex: NeedsIndexSchema.optional(),
    governance: z
      .object({ ballotType: BallotTypeSchema.optional(), rule: RuleNameSchema.optional(), quorum: z.number().int().min(0).max(1_000_000).optional() })
      .strict()
      .optional()
      .describe('governance defaults; the fields given replace the current ones'),
    currency: z.string().optional().describe('never accepted: a community keeps the currency it was created with (422 `currency-fixed`)'),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'send at least one field to change' });
export type EditCommunityInput = z.infer<typeof EditCommunitySchema>;

interface Change<T> {
  from: T;
  to: T;
}

export interface CommunityChanges {
  name?: Change<string>;
  learners?: Change<number>;
  needsIndex?: Change<string>;
  governance?: Change<GovernanceDefaults>;
}

/** What an edit changes; `editor` is who asks (a steward may change the name only). */
export function decideCommunityEdit(community: Community, input: EditCommunityInput, editor: 'admin' | 'steward'): { next: Community; changes: CommunityChanges } {
  if (input.currency !== undefined) {
    throw new DomainError('currency-fixed', "a community's currency is fixed when it is created and never changes", { field: 'currency' });
  }
  if (editor === 'steward') {
    const adminOnly = (['learners', 'needsIndex', 'governance'] as const).filter((field) => input[field] !== undefined);
    if (adminOnly.length > 0) {
      throw new DomainError('admin-only-field', `a steward changes the community's name; ${adminOnly.join(', ')} ${adminOnly.length === 1 ? 'is' : 'are'} changed by the network admin`, { fields: adminOnly });
    }
  }
  const changes: CommunityChanges = {};
  const next: Community = { ...community };
  if (input.name !== undefined && input.name !== community.name) {
    changes.name = { from: community.name, to: input.name };
    next.name = input.name;
  }
  if (input.learners !== undefined && input.learners !== community.learners) {
    changes.learners = { from: community.learners, to: input.learners };
    next.learners = input.learners;
  }
  if (input.needsIndex !== undefined) {
    const needsIndex = normalizeDecimal(input.needsIndex, 'needsIndex');
    if (needsIndex !== community.needsIndex) {
      changes.needsIndex = { from: community.needsIndex, to: needsIndex };
      next.needsIndex = needsIndex;
    }
  }
  if (input.governance !== undefined) {
    const governance: GovernanceDefaults = {
      ballotType: input.governance.ballotType ?? community.governance.ballotType,
      rule: input.governance.rule ?? community.governance.rule,
      quorum: input.governance.quorum ?? community.governance.quorum,
    };
    if (JSON.stringify(governance) !== JSON.stringify(community.governance)) {
      changes.governance = { from: { ...community.governance }, to: governance };
      next.governance = governance;
    }
  }
  return { next, changes };
}

export const EditProposalSchema = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(10_000).nullable().optional().describe('null removes it'),
    cost: MoneyStringSchema.optional(),
    category: z.string().trim().min(1).max(100).nullable().optional().describe('null removes it'),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'send at least one field to change' });
export type EditProposalInput = z.infer<typeof EditProposalSchema>;

export interface ProposalChanges {
  title?: Change<string>;
  description?: Change<string | null>;
  cost?: Change<string>;
  category?: Change<string | null>;
}

/** Only the author, only while the cycle is in `proposals`, only a `submitted` proposal. */
export function decideProposalEdit(proposal: Proposal, cyclePhase: Phase, editorMemberId: string | null, input: EditProposalInput): { next: Proposal; changes: ProposalChanges } {
  if (proposal.authorId === null || proposal.authorId !== editorMemberId) throw new DomainError('not-author', 'only the author of a proposal may edit it');
  requirePhase({ phase: cyclePhase }, ['proposals'], 'editing a proposal');
  if (proposal.status !== 'submitted') throw new DomainError('proposal-status', `only a submitted proposal can be edited; this one is ${proposal.status}`, { status: proposal.status });
  const changes: ProposalChanges = {};
  const next: Proposal = { ...proposal };
  if (input.title !== undefined && input.title !== proposal.title) {
    changes.title = { from: proposal.title, to: input.title };
    next.title = input.title;
  }
  if (input.description !== undefined && input.description !== proposal.description) {
    changes.description = { from: proposal.description, to: input.description };
    next.description = input.description;
  }
  if (input.cost !== undefined && BigInt(input.cost) !== proposal.costMinor) {
    changes.cost = { from: proposal.costMinor.toString(), to: BigInt(input.cost).toString() };
    next.costMinor = BigInt(input.cost);
  }
  if (input.category !== undefined && input.category !== proposal.category) {
    changes.category = { from: proposal.category, to: input.category };
    next.category = input.category;
  }
  return { next, changes };
}
