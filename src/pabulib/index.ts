/**
 * pabulib `.pb` import and export (SPEC §3, `POST /v1/imports/pabulib`, `GET …/export.pb`):
 * a streaming parser with typed errors, a writer pabutools can read, and the bridge to the rules.
 */
export { parsePabulib, parsePabulibText, DEFAULT_MAX_BYTES } from './parse.js';
export { writePabulib, writePabulibChunks } from './write.js';
export { toTallyInput } from './to-tally-input.js';
export { PabulibFormatError, PABULIB_ERROR_CODES, type PabulibErrorCode } from './format-error.js';
export type {
  ParseOptions,
  PbElection,
  PbLimits,
  PbProgress,
  PbProject,
  PbVote,
  PbVoteType,
  PbWarning,
} from './types.js';
