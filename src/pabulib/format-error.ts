/**
 * Why a `.pb` file was refused: a stable kebab-case `code`, the 1-based line, and a sentence a
 * non-engineer can act on ("line 42: project 17 has cost "12a", expected a whole number").
 * Codes are listed in the order a file is read; the first problem found wins.
 */
import { DomainError } from '../domain-error.js';

export const PABULIB_ERROR_CODES = [
  /** The input is larger than the configured limit. */
  'too-large',
  /** The bytes are not UTF-8 text. */
  'bad-encoding',
  /** A double-quoted field is never closed. */
  'unterminated-quote',
  /** META, PROJECTS or VOTES is missing, or a row comes before META. */
  'missing-section',
  /** A section appears twice or out of the order META, PROJECTS, VOTES. */
  'section-order',
  /** A section's header line is missing, lacks a required column or repeats a column. */
  'bad-header',
  /** A row has the wrong number of fields or an empty or malformed id. */
  'bad-row',
  /** A META key appears twice. */
  'duplicate-meta',
  /** META lacks `budget` or `vote_type`. */
  'missing-meta',
  /** A budget, cost, points value or META limit is not a whole non-negative number. */
  'bad-number',
  /** `vote_type` is not approval, cumulative, ordinal or choose-1. */
  'unsupported-vote-type',
  /** Two projects share a `project_id`. */
  'duplicate-project',
  /** Two votes share a `voter_id`. */
  'duplicate-voter',
  /** A vote names a project that is not in PROJECTS. */
  'unknown-project',
  /** A vote names the same project twice. */
  'duplicate-choice',
  /** A cumulative vote's `points` do not line up with its `vote`. */
  'points-mismatch',
  /** A vote breaks the file's own min_length, max_length, max_sum_points or choose-1 limit. */
  'ballot-constraint',
] as const;

export type PabulibErrorCode = (typeof PABULIB_ERROR_CODES)[number];

export class PabulibFormatError extends DomainError<PabulibErrorCode> {
  override name = 'PabulibFormatError';
  constructor(
    code: PabulibErrorCode,
    readonly line: number,
    sentence: string,
  ) {
    super(code, `line ${line}: ${sentence}`, { line });
  }
}
