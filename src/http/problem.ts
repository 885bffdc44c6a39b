/**
 * RFC 9457 problem details. Every error response is `application/problem+json` with a stable
 * `type` URI built from a kebab-case code; the status of each code is listed here, in one table,
 * so the HTTP meaning of a business rejection is decided in one place.
 */
import { z } from 'zod';
import type { ErrorCode } from '../domain-error.js';

export const PROBLEM_BASE = 'https://agora-ledger.org/problems/';

/**
 * The HTTP status of every code. Typed as exhaustive over `ErrorCode`: a new code in any area does
 * not compile until it has a status here.
 */
const STATUS_BY_CODE: { readonly [C in ErrorCode]: number } = {
  // the request itself
  validation: 400,
  'invalid-json': 400,
  'invalid-cursor': 400,
  'invalid-header': 400,
  'invalid-url': 400,
  'invalid-value': 400,
  'uri-too-long': 414,
  'malformed-pabulib': 400,
  unauthenticated: 401,
  'unknown-token': 401,
  // sessions (cookie sign-in)
  'session-ended': 401,
  'invitation-not-found': 404,
  'invitation-used': 409,
  'invitation-expired': 410,
  'csrf-token-invalid': 403,
  'principal-not-in-session': 403,
  'acting-principal-required': 400,
  // identity: deactivation, address proofs
  'deactivation-not-allowed': 403,
  'member-deactivated': 409,
  'address-challenge-missing': 409,
  'address-proof-invalid': 422,
  'address-taken': 409,
  'funder-not-found': 404,
  'auditor-not-found': 404,
  forbidden: 403,
  'route-not-found': 404,
  'method-not-allowed': 405,
  'not-acceptable': 406,
  conflict: 409,
  'idempotency-in-progress': 409,
  'body-too-large': 413,
  'unsupported-media-type': 415,
  'idempotency-key-reused': 422,
  'rate-limited': 429,
  'bad-request': 400,
  internal: 500,
  unavailable: 503,
  // governance
  'role-not-grantable': 403,
  'community-not-found': 404,
  'member-not-found': 404,
  'cycle-not-found': 404,
  'proposal-not-found': 404,
  'receipt-not-found': 404,
  'slug-taken': 409,
  'invalid-decimal': 400,
  'phase-not-next': 409,
  'phase-closed': 409,
  'rule-not-supported-for-ballot': 422,
  'invalid-ballot-rules': 422,
  'not-author': 403,
  'proposal-status': 409,
  'reason-required': 422,
  'not-eligible': 403,
  'ballot-type-mismatch': 422,
  'duplicate-selection': 422,
  'not-on-ballot': 422,
  'too-few-selections': 422,
  'too-many-selections': 422,
  'points-exceeded': 422,
  'invalid-points': 422,
  'over-budget': 422,
  'empty-ballot': 409,
  'signature-required': 422,
  'no-address': 422,
  'bad-signature': 403,
  'nonce-used': 409,
  'no-outcome': 409,
  'proposals-not-finished': 409,
  'invalid-schedule': 422,
  'below-minimum-spend': 422,
  'currency-fixed': 422,
  'admin-only-field': 403,
  // funding
  'invalid-transfer-id': 400,
  'exists-with-different-fields': 422,
  'invalid-account': 422,
  'invalid-currency': 422,
  'same-account': 422,
  'amount-not-positive': 422,
  'amount-too-large': 422,
  'memo-too-long': 422,
  'flow-not-allowed': 422,
  'currency-mismatch': 409,
  'community-imported': 409,
  'currency-required': 400,
  overdraw: 409,
  'balance-overflow': 422,
  'no-communities': 422,
  'duplicate-community': 422,
  'invalid-learners': 422,
  'invalid-needs-index': 422,
  'invalid-base': 422,
  'base-exceeds-amount': 422,
  'no-weight': 422,
  'duplicate-proposal': 422,
  'invalid-cost': 422,
  'selection-exceeds-budget': 422,
  'exceeds-allocation': 409,
  'account-not-found': 404,
  'not-your-account': 403,
  'reserved-transfer-id': 422,
  'cycle-budget-frozen': 409,
  'close-blocked': 409,
  'spent-on-in-future': 422,
  // ledger and Merkle proofs
  'stream-not-found': 404,
  'entry-not-found': 404,
  'bad-size': 422,
  'bad-index': 422,
  'bad-hash-length': 422,
  'wrong-proof-size': 422,
  'root-mismatch': 422,
  'missing-node': 500,
  'bad-frontier': 500,
  // checkpoints, receipts, anchors
  'checkpoint-not-found': 404,
  'anchor-not-found': 404,
  'not-checkpointed': 409,
  // sealed ballots, trustees, paper ballots
  'voting-open': 409,
  'no-ballot': 404,
  'invalid-trustees': 422,
  'trustee-key-missing': 409,
  'not-a-trustee': 403,
  'malformed-key-share': 422,
  'wrong-key-share': 422,
  'share-already-received': 409,
  'paper-batch-pending': 409,
  'paper-batch-exists': 409,
  'paper-batch-not-found': 404,
  'paper-batch-decided': 409,
  'same-steward': 403,
  'malformed-proof': 422,
  'invalid-checkpoint': 422,
  'malformed-checkpoint': 422,
  'unknown-stream': 422,
  'malformed-key': 422,
  'malformed-note': 422,
  'unknown-key': 422,
  'bad-checkpoint-number': 422,
  'bad-root': 422,
  'not-hex': 422,
  'bad-magic': 422,
  'wrong-length': 422,
  'checkpoint-number-out-of-range': 422,
  // the EVM chain behind anchoring: its failures are not the client's
  unreachable: 503,
  timeout: 503,
  'wrong-chain': 502,
  rejected: 502,
  'bad-response': 502,
  unexpected: 502,
  // outcome rules
  'invalid-amount': 422,
  'duplicate-project': 422,
  'unknown-project': 422,
  'duplicate-choice': 422,
  'completion-too-long': 422,
  // pabulib files (raised while parsing an upload: the client's file)
  'too-large': 413,
  'bad-encoding': 400,
  'unterminated-quote': 400,
  'missing-section': 400,
  'section-order': 400,
  'bad-header': 400,
  'bad-row': 400,
  'duplicate-meta': 400,
  'missing-meta': 400,
  'bad-number': 400,
  'unsupported-vote-type': 400,
  'duplicate-voter': 400,
  'points-mismatch': 400,
  'ballot-constraint': 400,
  // webhooks
  'webhook-not-found': 404,
  'webhook-url-refused': 422,
  'invalid-webhook-secret': 422,
};

const TITLE_OVERRIDES: Partial<Record<ErrorCode, string>> = {
  validation: 'The request does not match the schema',
  unauthenticated: 'Authentication required',
  forbidden: 'Not allowed for this token',
  internal: 'Internal error',
};

export function statusOf(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

export function titleOf(code: ErrorCode): string {
  return TITLE_OVERRIDES[code] ?? code.charAt(0).toUpperCase() + code.slice(1).replace(/-/g, ' ');
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  [extension: string]: unknown;
}

export function problem(code: ErrorCode, detail: string, extensions: Record<string, unknown> = {}, status = statusOf(code)): Problem {
  return { ...extensions, type: `${PROBLEM_BASE}${code}`, title: titleOf(code), status, detail, code };
}

/** For OpenAPI: the shape of every error response. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });
