/**
 * Proposals: submission input and the status machine. `submitted → accepted | rejected |
 * withdrawn` before voting; `selected | not_selected` at the tally; selected ones move through
 * `funded → in_progress → completed`, or are called off by a steward (`cancelled`, its unspent money
 * returned). A proposal's `key` (a zero-padded submission number, or
 * the pabulib project_id for imports) is the deterministic tie-breaker the rules use.
 */
import { z } from 'zod';
import { DomainError } from '../domain-error.js';
import { MoneyStringSchema } from './cycle.js';

export const PROPOSAL_STATUSES = ['submitted', 'accepted', 'rejected', 'withdrawn', 'selected', 'not_selected', 'funded', 'in_progress', 'completed', 'cancelled'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** Selected proposals not yet finished: a cycle cannot complete while one is (each must be completed or cancelled). */
export const UNFINISHED_STATUSES: readonly ProposalStatus[] = ['selected', 'funded', 'in_progress'];

export const SubmitProposalSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(10_000).optional(),
    cost: MoneyStringSchema,
    category: z.string().trim().min(1).max(100).optional(),
  })
  .strict();
export type SubmitProposalInput = z.infer<typeof SubmitProposalSchema>;

export const ReviewSchema = z
  .object({
    decision: z.enum(['accept', 'reject']),
    reason: z.string().trim().min(1).max(2000).optional(),
  })
  .strict();
export type ReviewInput = z.infer<typeof ReviewSchema>;

export const ProgressSchema = z
  .object({
    status: z.enum(['in_progress', 'completed']),
    report: z.string().trim().min(1).max(2000),
  })
  .strict();
export type ProgressInput = z.infer<typeof ProgressSchema>;

export const CancelProposalSchema = z
  .object({
    reason: z.string().trim().min(1).max(2000).describe('why it is called off; members and auditors read it'),
  })
  .strict();
export type CancelProposalInput = z.infer<typeof CancelProposalSchema>;

export interface Proposal {
  id: string;
  cycleId: string;
  communityId: string;
  key: string;
  title: string;
  description: string | null;
  costMinor: bigint;
  category: string | null;
  authorId: string | null;
  status: ProposalStatus;
  reason: string | null;
  createdAt: string;
}

export function proposalKey(number: number): string {
  return String(number).padStart(4, '0');
}

export function decideReview(proposal: Proposal, input: ReviewInput): { status: 'accepted' | 'rejected'; reason: string | null } {
  if (proposal.status !== 'submitted') {
    throw new DomainError('proposal-status', `only submitted proposals are reviewed; this one is ${proposal.status}`, { status: proposal.status });
  }
  if (input.decision === 'reject') {
    if (input.reason === undefined) throw new DomainError('reason-required', 'say why the proposal is rejected: the author and members will read it');
    return { status: 'rejected', reason: input.reason };
  }
  return { status: 'accepted', reason: input.reason ?? null };
}

export function decideWithdraw(proposal: Proposal, memberId: string): void {
  if (proposal.authorId !== memberId) throw new DomainError('not-author', 'only the author may withdraw a proposal');
  if (proposal.status !== 'submitted' && proposal.status !== 'accepted') {
    throw new DomainError('proposal-status', `a ${proposal.status} proposal cannot be withdrawn`, { status: proposal.status });
  }
}

/** funded → in_progress → completed, by a steward, once the cycle is in implementation. */
export function decideProgress(proposal: Proposal, input: ProgressInput): ProposalStatus {
  const allowedFrom: Record<ProgressInput['status'], ProposalStatus[]> = {
    in_progress: ['selected', 'funded'],
    completed: ['in_progress'],
  };
  if (!allowedFrom[input.status].includes(proposal.status)) {
    throw new DomainError('proposal-status', `a ${proposal.status} proposal cannot move to ${input.status}`, { status: proposal.status });
  }
  return input.status;
}

/** A steward calls off a selected proposal that is not finished (its unspent money goes home). */
export function decideCancel(proposal: Proposal): void {
  if (!UNFINISHED_STATUSES.includes(proposal.status)) {
    throw new DomainError('proposal-status', `only a selected proposal not yet completed can be cancelled; this one is ${proposal.status}`, { status: proposal.status });
  }
}
