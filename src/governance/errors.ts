/**
 * Budgeting result codes, in the order the checks run (first failing check wins). The HTTP edge
 * maps each to a problem type; the status is listed in src/http/problem.ts.
 */
export const GOVERNANCE_CODES = {
  /** a steward may add members; steward and auditor roles are granted by the admin */
  'role-not-grantable': 403,
  /** the cycle, proposal or receipt does not exist */
  'cycle-not-found': 404,
  'proposal-not-found': 404,
  'receipt-not-found': 404,
  /** the request names a phase that is not the next one (phases only move forward, one at a time) */
  'phase-not-next': 409,
  /** the action belongs to another phase of the cycle (e.g. voting outside `voting`) */
  'phase-closed': 409,
  /** ballot rules and rule do not fit together (e.g. equal-shares with cumulative ballots) */
  'rule-not-supported-for-ballot': 422,
  /** the ballot limits are inconsistent (min > max, points missing for cumulative, …) */
  'invalid-ballot-rules': 422,
  /** only the author may withdraw a proposal */
  'not-author': 403,
  /** the proposal is not in a status this action applies to */
  'proposal-status': 409,
  /** a rejection needs a reason members can read */
  'reason-required': 422,
  /** the member is not in the census frozen when voting opened */
  'not-eligible': 403,
  /** the ballot's shape is for another ballot type than the cycle's */
  'ballot-type-mismatch': 422,
  /** a proposal on the ballot appears twice */
  'duplicate-selection': 422,
  /** a proposal that is not accepted in this cycle (unknown, rejected, withdrawn) */
  'not-on-ballot': 422,
  'too-few-selections': 422,
  'too-many-selections': 422,
  /** cumulative: more points than the cycle allows */
  'points-exceeded': 422,
  /** cumulative: a proposal got zero or negative points */
  'invalid-points': 422,
  /** knapsack: the chosen proposals cost more than the budget */
  'over-budget': 422,
  /** voting cannot open without an accepted proposal */
  'empty-ballot': 409,
  /** the community requires signed ballots and this one has no signature and nonce */
  'signature-required': 422,
  /** a signed ballot needs an Ethereum address registered for the member first */
  'no-address': 422,
  /** the signature was not made by the member's address over this community, cycle, nonce and ballot */
  'bad-signature': 403,
  /** the nonce is not larger than the last one this voter used in this cycle (a replay) */
  'nonce-used': 409,
  /** the cycle has no outcome yet (not closed) */
  'no-outcome': 409,
} as const;

export type GovernanceCode = keyof typeof GOVERNANCE_CODES;
