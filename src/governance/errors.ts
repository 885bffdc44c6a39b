/**
 * Budgeting and membership result codes, in the order the checks run (first failing check wins).
 * The HTTP edge gives each one status in src/http/problem.ts (the table is exhaustive: a code
 * without a status does not compile).
 */
import { DomainError } from '../domain-error.js';

export const GOVERNANCE_CODES = [
  /** a steward may add members; steward and auditor roles are granted by the admin */
  'role-not-grantable',
  /** the community, member, cycle, proposal or receipt does not exist */
  'community-not-found',
  'member-not-found',
  'cycle-not-found',
  'proposal-not-found',
  'receipt-not-found',
  /** another community already uses this slug */
  'slug-taken',
  /** a needs index or other decimal is not a number ≥ 0 with at most 6 decimals */
  'invalid-decimal',
  /** the request names a phase that is not the next one (phases only move forward, one at a time) */
  'phase-not-next',
  /** the action belongs to another phase of the cycle (e.g. voting outside `voting`) */
  'phase-closed',
  /** ballot rules and rule do not fit together (e.g. equal-shares with cumulative ballots) */
  'rule-not-supported-for-ballot',
  /** the ballot limits are inconsistent (min > max, points missing for cumulative, …) */
  'invalid-ballot-rules',
  /** only the author may withdraw a proposal */
  'not-author',
  /** the proposal is not in a status this action applies to */
  'proposal-status',
  /** a rejection needs a reason members can read */
  'reason-required',
  /** the member is not in the census frozen when voting opened */
  'not-eligible',
  /** the ballot's shape is for another ballot type than the cycle's */
  'ballot-type-mismatch',
  /** a proposal on the ballot appears twice */
  'duplicate-selection',
  /** a proposal that is not accepted in this cycle (unknown, rejected, withdrawn) */
  'not-on-ballot',
  'too-few-selections',
  'too-many-selections',
  /** cumulative: more points than the cycle allows */
  'points-exceeded',
  /** cumulative: a proposal got zero or negative points */
  'invalid-points',
  /** knapsack: the chosen proposals cost more than the budget */
  'over-budget',
  /** voting cannot open without an accepted proposal */
  'empty-ballot',
  /** the community requires signed ballots and this one has no signature and nonce */
  'signature-required',
  /** a signed ballot needs an Ethereum address registered for the member first */
  'no-address',
  /** the signature was not made by the member's address over this community, cycle, nonce and ballot */
  'bad-signature',
  /** the nonce is not larger than the last one this voter used in this cycle (a replay) */
  'nonce-used',
  /** the cycle has no outcome yet (not closed) */
  'no-outcome',
  /** a cycle completes only when each selected proposal is completed or cancelled by a steward (details name them) */
  'proposals-not-finished',
] as const;

export type GovernanceCode = (typeof GOVERNANCE_CODES)[number];

export type FoundThing = 'community' | 'member' | 'cycle' | 'proposal' | 'receipt';

/** The one way to say that what a request names does not exist. */
export function notFound<W extends FoundThing>(what: W, id: string | undefined): DomainError<`${W}-not-found`> {
  return new DomainError(`${what}-not-found`, `no ${what} with id ${id ?? ''}`, { id: id ?? null });
}
