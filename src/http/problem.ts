/**
 * RFC 9457 problem details. Every error response is `application/problem+json` with a stable
 * `type` URI built from a kebab-case code; the status of each code is listed here, in one table,
 * so the HTTP meaning of a business rejection is decided in one place.
 */
import { z } from 'zod';
import { GOVERNANCE_CODES } from '../governance/errors.js';

export const PROBLEM_BASE = 'https://agora-ledger.org/problems/';

/** Status per code; codes ending in `-not-found` are 404 unless listed. */
const STATUS_BY_CODE: Record<string, number> = {
  ...GOVERNANCE_CODES,
  overdraw: 409,
  'currency-mismatch': 409,
  'exists-with-different-fields': 422,
  'invalid-transfer-id': 400,
  'invalid-account': 422,
  'account-not-found': 404,
  'not-your-account': 403,
  'flow-not-allowed': 422,
  'bad-size': 422,
  // the EVM chain behind anchoring (ChainError codes): its failures are not the client's
  unreachable: 503,
  timeout: 503,
  'wrong-chain': 502,
  rejected: 502,
  'bad-response': 502,
  unexpected: 502,
  'not-checkpointed': 409,
  validation: 400,
  'invalid-json': 400,
  'invalid-cursor': 400,
  'invalid-decimal': 400,
  'invalid-header': 400,
  'invalid-url': 400,
  'invalid-value': 400,
  'uri-too-long': 414,
  'malformed-pabulib': 400,
  unauthenticated: 401,
  'unknown-token': 401,
  forbidden: 403,
  'route-not-found': 404,
  'method-not-allowed': 405,
  'not-acceptable': 406,
  conflict: 409,
  'slug-taken': 409,
  'idempotency-in-progress': 409,
  'body-too-large': 413,
  'unsupported-media-type': 415,
  'idempotency-key-reused': 422,
  'rate-limited': 429,
  internal: 500,
  unavailable: 503,
};

const TITLE_OVERRIDES: Record<string, string> = {
  validation: 'The request does not match the schema',
  unauthenticated: 'Authentication required',
  forbidden: 'Not allowed for this token',
  internal: 'Internal error',
};

export function statusOf(code: string): number {
  const listed = STATUS_BY_CODE[code];
  if (listed !== undefined) return listed;
  if (code.endsWith('-not-found')) return 404;
  return 422;
}

export function titleOf(code: string): string {
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

export function problem(code: string, detail: string, extensions: Record<string, unknown> = {}, status = statusOf(code)): Problem {
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
