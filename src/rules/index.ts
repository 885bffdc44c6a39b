/**
 * Outcome rules (SPEC §2 Outcome; normative definitions in data/pabulib/README.md): greedy and
 * the Method of Equal Shares with its completions, pure and exact. Call `tally(input, rule)`.
 */
export { tally } from './tally.js';
export { RuleError, RULE_ERROR_CODES, type RuleErrorCode } from './rule-error.js';
export { compareKeys } from './key-order.js';
export { PLAIN, type Presentation } from './format.js';
export type {
  BallotType,
  Completion,
  Outcome,
  ProposalOutcome,
  RuleSpec,
  TallyBallot,
  TallyInput,
  TallyOptions,
  TallyProject,
} from './types.js';
