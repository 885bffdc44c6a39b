/**
 * The typed API client for Node callers: openapi-fetch over the types generated from
 * openapi/openapi.json (web/src/api/schema.d.ts, the same types the web app's client in
 * web/src/api/client.ts is built on), so a call that does not fit the contract does not compile.
 * The integration tests' helpers build everything through it (bearer tokens or a session, with a
 * `fetch` that goes through fastify's `inject()`); scripts use it against a running service.
 *
 * It imports nothing from the server, only the generated types and openapi-fetch.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from '../../web/src/api/schema.js';

export type { components, operations, paths };
export type ApiClient = Client<paths>;
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

export interface ApiClientOptions {
  /** Where the API is ('' would be a browser page's own origin). */
  baseUrl?: string;
  /** Another fetch (tests route it through fastify's `inject()`). */
  fetch?: (request: Request) => Promise<Response>;
  /** A bearer token (scripts, tests); without one a browser sends its session cookie. */
  token?: string | undefined;
  /** With a session holding several memberships: the member, funder or auditor id that acts. */
  principal?: string | (() => string | undefined) | undefined;
  /** With a session: the `csrfToken` from `POST /v1/sessions` or `GET /v1/session`, sent on changes. */
  csrfToken?: string | (() => string | undefined) | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function valueOf(option: string | (() => string | undefined) | undefined): string | undefined {
  return typeof option === 'function' ? option() : option;
}

/** Adds the headers the API reads: Authorization, x-agora-principal, x-csrf-token. */
export function authMiddleware(options: Pick<ApiClientOptions, 'token' | 'principal' | 'csrfToken'>): Middleware {
  return {
    onRequest({ request }) {
      if (options.token !== undefined && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${options.token}`);
      const principal = valueOf(options.principal);
      if (principal !== undefined && !request.headers.has('x-agora-principal')) request.headers.set('x-agora-principal', principal);
      const csrf = valueOf(options.csrfToken);
      if (csrf !== undefined && !SAFE_METHODS.has(request.method) && !request.headers.has('x-csrf-token')) request.headers.set('x-csrf-token', csrf);
      return request;
    },
  };
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    credentials: 'same-origin',
  });
  client.use(authMiddleware(options));
  return client;
}

/** The answer of a typed call, whatever its status. */
export interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a call that must have answered `status`; otherwise an error naming what came instead. */
/**
 * The token and invitation of a creation answer (member, funder, auditor, rotation). They are shown
 * only in the first answer: a replay (same Idempotency-Key) says `tokenIssued: true` without them.
 */
export function issued<T extends { token?: string | undefined; inviteUrl?: string | undefined }>(created: T): T & { token: string; inviteUrl: string } {
  if (created.token === undefined) throw new Error('the answer holds no token (a replayed creation shows it no more)');
  return { ...created, token: created.token, inviteUrl: created.inviteUrl ?? '' };
}

export function expectStatus<T>(answer: Answer<T>, status: number): T {
  if (answer.response.status !== status) {
    const problem = answer.error === undefined ? '' : `: ${JSON.stringify(answer.error).slice(0, 500)}`;
    throw new Error(`${answer.response.url} answered ${answer.response.status}, expected ${status}${problem}`);
  }
  return answer.data as T;
}
