/**
 * The parsed shape of a pabulib `.pb` file. Everything the file says is kept (every META row and
 * every extra column, as trimmed text) so `writePabulib` can round-trip it; the typed fields are
 * the ones the rules need. Amounts are whole currency units as bigint.
 */

export type PbVoteType = 'approval' | 'cumulative' | 'ordinal' | 'choose-1';

export interface PbProject {
  /** `project_id`: the tie-breaking key of the rules. */
  id: string;
  cost: bigint;
  /** Copies of `fields.name` / `fields.category` when those columns exist. */
  name?: string;
  category?: string;
  /** Every column except `project_id` and `cost` (including `name` and `category`), by header name. */
  fields: Record<string, string>;
}

export interface PbVote {
  voterId: string;
  /** Project ids in file order (for ordinal ballots: best first). */
  projects: string[];
  /** Cumulative ballots only: points aligned with `projects`. */
  points?: bigint[];
  /** Every column except `voter_id`, `vote` and (cumulative votes) `points`, by header name. */
  fields: Record<string, string>;
}

export interface PbLimits {
  minLength?: number;
  maxLength?: number;
  maxSumPoints?: bigint;
}

export interface PbWarning {
  code: 'budget-rounded-down';
  line: number;
  message: string;
}

export interface PbElection {
  /** Every META row in file order (keys and values trimmed, values as written). */
  meta: Map<string, string>;
  /** PROJECTS and VOTES headers in file order, so the writer keeps the columns as they were. */
  projectColumns: string[];
  voteColumns: string[];
  projects: PbProject[];
  votes: PbVote[];
  voteType: PbVoteType;
  /** META `budget`, in whole currency units (a fractional budget is rounded down, with a warning). */
  budget: bigint;
  /** Ballot limits from META (`min_length`, `max_length`, `max_sum_points`); every vote respects them. */
  limits: PbLimits;
  warnings: PbWarning[];
}

export interface PbProgress {
  lines: number;
  bytes: number;
  section: 'start' | 'meta' | 'projects' | 'votes';
}

export interface ParseOptions {
  onProgress?: (progress: PbProgress) => void;
  /** Refuse inputs larger than this many bytes (default 64 MiB). */
  maxBytes?: number;
}
