/**
 * Bridge from a parsed `.pb` election to the rules' input: projects keyed by `project_id`, one
 * ballot per vote. pabulib has no knapsack vote_type (knapsack files say `approval`), so the
 * caller may name the ballot type; choose-1 votes are approval ballots with one choice.
 */
import type { BallotType, TallyBallot, TallyInput } from '../rules/index.js';
import type { PbElection } from './types.js';

export function toTallyInput(election: PbElection, ballotType?: BallotType): TallyInput {
  const type: BallotType =
    ballotType ?? (election.voteType === 'cumulative' ? 'cumulative' : election.voteType === 'ordinal' ? 'ordinal' : 'approval');
  const ballots: TallyBallot[] = election.votes.map((v): TallyBallot => {
    if (type === 'cumulative') {
      const points: Record<string, bigint> = {};
      v.projects.forEach((id, i) => Object.defineProperty(points, id, { value: v.points?.[i] ?? 0n, enumerable: true }));
      return { points };
    }
    if (type === 'ordinal') return { ranking: v.projects };
    return { approvals: v.projects };
  });
  return {
    budget: election.budget,
    ballotType: type,
    projects: election.projects.map((p) => ({ key: p.id, cost: p.cost })),
    ballots,
  };
}
