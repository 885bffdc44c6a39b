/**
 * Why a tally refuses its input. Codes are stable. Checks run in a fixed order, so the same bad
 * input always yields the same code: the rule against the ballot type, then amounts and project
 * keys, then the ballots one by one (each for its shape, then its keys and points).
 */
import { DomainError } from '../domain-error.js';

export const RULE_ERROR_CODES = [
  /** Equal Shares is defined for approval and knapsack ballots only. */
  'rule-not-supported-for-ballot',
  /** A budget, cost or number of points is negative. */
  'invalid-amount',
  /** Two projects share one key. */
  'duplicate-project',
  /** A ballot's shape does not match the tally's ballot type (e.g. points in an approval tally). */
  'ballot-type-mismatch',
  /** A ballot names a key that is not a project. */
  'unknown-project',
  /** A ballot names the same project twice. */
  'duplicate-choice',
  /** An add1 completion needed more reruns than allowed (amounts in cents without raiseStep?). */
  'completion-too-long',
] as const;

export type RuleErrorCode = (typeof RULE_ERROR_CODES)[number];

export class RuleError extends DomainError<RuleErrorCode> {
  override name = 'RuleError';
}
