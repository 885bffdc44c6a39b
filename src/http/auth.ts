/**
 * Authentication and authorization. `onRequest` turns the bearer token into a principal (admin by
 * constant-time comparison with the configured token's hash; others by their stored hash), or,
 * without one, the session cookie (src/http/session-auth.ts). Every
 * route gets a preValidation guard built from its row in the ACCESS matrix: 401 without a usable token,
 * 404 when the route's resource does not exist, 403 when the principal holds no grant for it.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions, preValidationAsyncHookHandler } from 'fastify';
import { DomainError, isDomainError } from '../domain-error.js';
import { notFound, type FoundThing } from '../governance/errors.js';
import type { AccessService } from '../services/access.js';
import { sha256 } from '../ledger/hash.js';
import type { Principal } from '../governance/principal.js';
import type { SessionService } from '../services/sessions.js';
import { ACCESS, accessKey, type Grant, type RouteAccess, type Scope } from './access.js';
import { checkCsrf, principalFromSession, sessionCookieValue, sessionRefusal } from './session-auth.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
    /** The community the route acts in, once authorization resolved it (null: network). */
    scopeCommunityId: string | null | undefined;
  }
}

export interface AuthOptions {
  access: AccessService;
  adminToken: string;
  /** Sessions (cookie sign-in); without them only bearer tokens count. */
  sessions?: SessionService;
  /** Failed authentications per IP per minute before 429 (src/http/failed-auth-limiter.ts); unset or 0: no limit. */
  failedAuthPerMinute?: number;
}

/** Codes of an authentication that failed (a wrong or malformed token); they count against the IP. */
const FAILED_AUTH_CODES: ReadonlySet<string> = new Set(['unknown-token', 'unauthenticated']);

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{8,512})$/;

export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  const adminHash = sha256(options.adminToken);
  app.decorateRequest('principal', null as never);
  app.decorateRequest('scopeCommunityId', undefined);
  app.decorateRequest('session', undefined);
  app.decorateRequest('sessionEnded', false);

  const sessions = options.sessions;
  const limiter = (options.failedAuthPerMinute ?? 0) > 0 ? new FailedAuthLimiter(options.failedAuthPerMinute ?? 0) : undefined;
  app.addHook('onRequest', async (request, reply) => {
    const authorization = request.headers.authorization;
    const bearer = authorization !== undefined && authorization !== '';
    if (limiter !== undefined && (bearer || sessionCookieValue(request) !== undefined)) {
      const wait = limiter.blockedFor(request.ip);
      if (wait !== undefined) {
        void reply.header('retry-after', String(wait));
        throw new DomainError('rate-limited', `too many failed authentications from this address: at most ${limiter.max} a minute; try again in ${wait} s`);
      }
    }
    try {
      request.principal = !bearer && sessions !== undefined ? await principalFromSession(request, reply, sessions) : await resolvePrincipal(options.access, adminHash, authorization);
    } catch (err) {
      if (limiter !== undefined && isDomainError(err) && FAILED_AUTH_CODES.has(err.code)) limiter.fail(request.ip);
      throw err;
    }
    if (limiter !== undefined && request.sessionEnded) limiter.fail(request.ip);
  });

  app.addHook('onRoute', (route: RouteOptions) => {
    const url = route.url;
    if (!url.startsWith('/v1/') && ACCESS[accessKey(String(route.method), url)] === undefined) return; // docs, static files
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      // Fastify derives HEAD from GET with a copy of its options: it gets the GET row's guard here.
      const access = ACCESS[accessKey(method === 'HEAD' ? 'GET' : method, url)];
      if (access === undefined) {
        throw new Error(`route ${method} ${url} has no entry in the authorization matrix (src/http/access.ts)`);
      }
      // preValidation: a caller without a grant is refused before the request is validated, so a
      // refusal never depends on (or reveals) what the body or query would have been checked for.
      const guard = authorize(options.access, access);
      const existing = route.preValidation;
      route.preValidation = existing === undefined ? [guard] : [guard, ...(Array.isArray(existing) ? existing : [existing])];
    }
  });
}

async function resolvePrincipal(access: AccessService, adminHash: Buffer, header: string | undefined): Promise<Principal> {
  if (header === undefined || header === '') return { kind: 'public' };
  const match = BEARER.exec(header);
  if (match === null) throw new DomainError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
  const token = match[1] ?? '';
  const hash = sha256(token);
  if (timingSafeEqual(hash, adminHash)) return { kind: 'admin' };
  const found = await access.principalOfTokenHash(hash.toString('hex'));
  if (found === undefined) throw new DomainError('unknown-token', 'this token is not known here; ask your steward or administrator for a new one');
  return found;
}

function authorize(lookup: AccessService, access: RouteAccess): preValidationAsyncHookHandler {
  const communityGrants = access.allow.filter((g): g is 'steward' | 'member' | 'auditor' => g === 'steward' || g === 'member' || g === 'auditor');
  return async (request) => {
    if (access.allow.includes('public')) return;
    if (access.allow.includes('session') && request.session !== undefined) {
      checkCsrf(request);
      return;
    }
    const principal = request.principal;
    if (principal.kind === 'public') {
      throw sessionRefusal(request) ?? new DomainError('unauthenticated', access.allow.includes('session') ? 'this needs a session: sign in with an invitation link (POST /v1/sessions)' : 'this needs a bearer token (Authorization: Bearer <token>) or a session');
    }
    checkCsrf(request);
    if (networkGrant(principal, access.allow)) return;
    if (principal.kind === 'member' && communityGrants.length > 0) {
      const communityId = await resolveScope(lookup, access.scope, request);
      request.scopeCommunityId = communityId;
      if (communityId === principal.communityId && communityGrants.some((g) => principal.roles.has(g))) return;
    }
    throw new DomainError('forbidden', forbiddenDetail(access));
  };
}

function networkGrant(principal: Principal, allow: readonly Grant[]): boolean {
  switch (principal.kind) {
    case 'admin':
      return allow.includes('admin');
    case 'funder':
      return allow.includes('funder');
    case 'auditor':
      return allow.includes('network-auditor');
    default:
      return false;
  }
}

function forbiddenDetail(access: RouteAccess): string {
  return `this token may not ${access.summary}; allowed: ${access.allow.join(', ')}${access.scope === 'network' ? '' : ' (community roles only in their own community)'}`;
}

/** Path parameters are strings; the query is not validated yet when the guard runs. */
type Params = Record<string, string | undefined>;

/** The route's community; throws not-found when the resource in the path does not exist. */
async function resolveScope(lookup: AccessService, scope: Scope, request: FastifyRequest): Promise<string | null> {
  const params = (request.params ?? {}) as Params;
  const query = (request.query ?? {}) as Params;
  switch (scope) {
    case 'network':
      return null;
    case 'self':
      return request.principal.kind === 'member' ? request.principal.communityId : null;
    case 'community-param':
      return required(await lookup.communityOf('community', params.communityId ?? ''), 'community', params.communityId);
    case 'member-param':
      return required(await lookup.communityOf('member', params.memberId ?? ''), 'member', params.memberId);
    case 'cycle-param':
      return required(await lookup.communityOf('cycle', params.cycleId ?? ''), 'cycle', params.cycleId);
    case 'proposal-param':
      return required(await lookup.communityOf('proposal', params.proposalId ?? ''), 'proposal', params.proposalId);
    case 'account-param':
      return lookup.communityOfAccountName(params.account ?? '');
    case 'stream-query': {
      // Not validated yet (the guard runs first): a repeated `stream` arrives as an array.
      const stream: unknown = query.stream;
      if (typeof stream !== 'string' || !stream.startsWith('community:')) return null;
      return stream.slice('community:'.length);
    }
    case 'transfer-body': {
      // Not validated yet (the guard runs first): read it defensively.
      const from = (request.body as { from?: unknown } | null | undefined)?.from;
      return lookup.communityOfAccountName(typeof from === 'string' ? from : '');
    }
  }
}

function required(communityId: string | undefined, what: FoundThing, id: string | undefined): string {
  if (communityId === undefined) throw notFound(what, id);
  return communityId;
}
