/**
 * The one way the web app talks to the service: openapi-fetch over the types generated from
 * openapi/openapi.json, with the session cookie (same origin), the acting membership in
 * `x-agora-principal`, the CSRF token on state changes and a fresh Idempotency-Key per command.
 * Refusals come back as `ApiProblem` carrying the problem+json's title and detail.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema.js';

export type ApiPaths = paths;

interface Headers {
  principal: string | undefined;
  csrfToken: string | undefined;
}

const state: Headers = { principal: undefined, csrfToken: undefined };

/** The membership the following requests act as (several memberships: the server needs it). */
export function actAs(principal: string | undefined): void {
  state.principal = principal;
}

export function setCsrfToken(token: string | undefined): void {
  state.csrfToken = token;
}

const sessionHeaders: Middleware = {
  onRequest({ request }) {
    if (state.principal !== undefined) request.headers.set('x-agora-principal', state.principal);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      if (state.csrfToken !== undefined) request.headers.set('x-csrf-token', state.csrfToken);
      if (request.method === 'POST' || request.method === 'PUT') request.headers.set('idempotency-key', crypto.randomUUID());
    }
    return request;
  },
};

export const api = createClient<ApiPaths>({ baseUrl: '', credentials: 'same-origin' });
api.use(sessionHeaders);

/** Headers for requests made outside the client (downloads in the auditor's worker). */
export function sessionHeaderValues(): Record<string, string> {
  return state.principal === undefined ? {} : { 'x-agora-principal': state.principal };
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly type: string | undefined,
    /** the problem's other members (RFC 9457 extensions), e.g. `currencies` of currency-required */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer; otherwise throws the problem+json as an ApiProblem. */
export function ok<T>(result: Result<T>): T {
  if (result.error === undefined && result.response.ok) return result.data as T;
  const problem = (typeof result.error === 'object' && result.error !== null ? result.error : {}) as { title?: string; detail?: string; type?: string } & Record<string, unknown>;
  throw new ApiProblem(result.response.status, problem.title ?? result.response.statusText, problem.detail, problem.type, problem);
}

/** The JSON branch of an answer that may also come as CSV (`?format=csv`); the app never asks for CSV. */
export function asJson<T extends object>(body: T | string): T {
  if (typeof body === 'string') throw new Error('expected JSON, the answer came as text');
  return body;
}
