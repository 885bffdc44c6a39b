/**
 * The one error type business rules throw: a stable kebab-case `code` (mapped to an HTTP problem
 * type at the edge), a sentence for people, and optional structured details. Broken invariants are
 * plain Errors (500s whose message is logged, never returned).
 *
 * `ErrorCode` is the union of every area's codes, so `new DomainError('typo')` does not compile and
 * src/http/problem.ts must give every code a status (its table is typed as exhaustive).
 */
import type { GovernanceCode } from './governance/errors.js';
import type { SessionCode } from './governance/session-errors.js';
import type { IdentityCode } from './governance/identity.js';
import type { FundingCode } from './funding/errors.js';
import type { LedgerCode } from './ledger/errors.js';
import type { MerkleErrorCode } from './ledger/merkle/errors.js';
import type { AnchoringServiceCode } from './anchoring/errors.js';
import type { AnchorPayloadErrorCode } from './anchoring/anchor-payload.js';
import type { ChainErrorCode } from './anchoring/chain-client.js';
import type { CheckpointErrorCode } from './anchoring/checkpoint.js';
import type { ReceiptProofErrorCode } from './anchoring/receipt-proof.js';
import type { NoteErrorCode } from './anchoring/signed-note.js';
import type { RuleErrorCode } from './rules/rule-error.js';
import type { PabulibErrorCode } from './pabulib/format-error.js';
import type { WebhookCode } from './webhooks/errors.js';
import type { SealedBallotCode } from './governance/sealed-errors.js';

/** Codes of the request itself, raised at the HTTP edge or by the framework. */
export const REQUEST_CODES = [
  /** the request does not match the route's schema */
  'validation',
  'invalid-json',
  'invalid-cursor',
  'invalid-header',
  'invalid-url',
  /** a value the schema let through but the database cannot hold (e.g. a far-away date) */
  'invalid-value',
  'uri-too-long',
  /** a .pb upload that cannot be parsed (the line and reason travel as details) */
  'malformed-pabulib',
  'unauthenticated',
  'unknown-token',
  'forbidden',
  'route-not-found',
  'method-not-allowed',
  'not-acceptable',
  /** a concurrent request changed the same thing; retry */
  'conflict',
  'idempotency-in-progress',
  'body-too-large',
  'unsupported-media-type',
  'idempotency-key-reused',
  'rate-limited',
  'bad-request',
  'internal',
  'unavailable',
] as const;

export type RequestCode = (typeof REQUEST_CODES)[number];

export type ErrorCode =
  | RequestCode
  | GovernanceCode
  | SessionCode
  | IdentityCode
  | FundingCode
  | LedgerCode
  | MerkleErrorCode
  | AnchoringServiceCode
  | AnchorPayloadErrorCode
  | ChainErrorCode
  | CheckpointErrorCode
  | ReceiptProofErrorCode
  | NoteErrorCode
  | RuleErrorCode
  | PabulibErrorCode
  | WebhookCode
  | SealedBallotCode;

export class DomainError<Code extends ErrorCode = ErrorCode> extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: Code,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
