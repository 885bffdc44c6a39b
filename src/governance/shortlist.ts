/**
 * The supports stage (issue 13 item 6, CONSUL's first round): members support accepted proposals
 * while the cycle is in `supports`; when voting opens only the `size` most supported reach the
 * ballot. Ties at the cut go to the lower proposal key (submission order), and the explanation says
 * so. Pure: the supports counts come in, the ballot and the explanation go out.
 */
import { DomainError } from '../domain-error.js';
import type { Proposal } from './proposal.js';

export interface ShortlistedProposal {
  proposal: Proposal;
  supports: number;
}

export interface ShortlistDecision {
  /** on the ballot, in key order (the order ballots and outcomes list proposals) */
  onBallot: ShortlistedProposal[];
  /** accepted but not among the most supported */
  notShortlisted: ShortlistedProposal[];
  explanation: string;
}

const byKey = (a: ShortlistedProposal, b: ShortlistedProposal): number => (a.proposal.key < b.proposal.key ? -1 : a.proposal.key > b.proposal.key ? 1 : 0);

/** The `size` most supported of the accepted proposals; ties broken by proposal key. */
export function decideShortlist(accepted: readonly Proposal[], supports: ReadonlyMap<string, number>, size: number): ShortlistDecision {
  const ranked = accepted.map((proposal) => ({ proposal, supports: supports.get(proposal.id) ?? 0 })).sort((a, b) => b.supports - a.supports || byKey(a, b));
  const onBallot = ranked.slice(0, size);
  const notShortlisted = ranked.slice(size);
  const last = onBallot.at(-1);
  const firstOut = notShortlisted[0];
  let explanation = `the ${Math.min(size, ranked.length)} most supported of ${ranked.length} accepted proposal(s) reach the ballot (shortlist size ${size})`;
  if (last !== undefined && firstOut !== undefined && last.supports === firstOut.supports) {
    const tied = ranked.filter((r) => r.supports === last.supports).map((r) => r.proposal.key);
    explanation += `; at the cut ${tied.length} proposals have ${last.supports} support(s) each and the lower key goes first (${tied.join(', ')}), so ${last.proposal.key} is in and ${firstOut.proposal.key} is not`;
  }
  return { onBallot: [...onBallot].sort(byKey), notShortlisted: [...notShortlisted].sort(byKey), explanation };
}

/** A member may support a proposal only while the cycle is in supports and the proposal was accepted. */
export function decideSupport(proposal: Pick<Proposal, 'status'>): void {
  if (proposal.status !== 'accepted') {
    throw new DomainError('proposal-status', `only accepted proposals can be supported; this one is ${proposal.status}`, { status: proposal.status });
  }
}
